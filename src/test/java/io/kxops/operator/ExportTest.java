/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The export subcommand's options and manifests, against the in-memory FinSpace. */
class ExportTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef DB = new DatabaseRef("us-east-1", "jlcenjvtkgzrdek2qqv7ic", "Trades_EU");

  static Export.Options options(String... args) {
    return Export.parse(Arrays.asList(args));
  }

  @Test
  void manifestsImportEveryChangesetOldestFirstKeepingFinSpacesOrderOnATie() {
    FakeFinSpace finspace = new FakeFinSpace(new MutableClock(T0));
    finspace.registerDatabase(DB);
    Changeset later =
        finspace.inject(DB, List.of(ChangeRequest.delete("/2020.01.01/")), T0.plusSeconds(5));
    Changeset first =
        finspace.inject(DB, List.of(ChangeRequest.put("s3://bucket/db/sym", "/")), T0);
    Changeset tie = finspace.inject(DB, List.of(ChangeRequest.put("s3://bucket/db/a/", "/a/")), T0);
    finspace.setStatus(first.id(), Changeset.COMPLETED);
    finspace.setStatus(later.id(), Changeset.FAILED, "x", "y");

    String yaml =
        Export.manifests(
            finspace,
            options(
                "--environment-id",
                DB.environmentId(),
                "--database",
                "Trades_EU",
                "--namespace",
                "n"),
            DB);

    List<KxChangeset> docs =
        Arrays.stream(yaml.split("(?m)^---$"))
            .skip(1)
            .map(d -> Serialization.unmarshal(d, KxChangeset.class))
            .toList();
    assertThat(docs)
        .extracting(r -> r.getSpec().getChangesetId())
        .containsExactly(first.id(), tie.id(), later.id());
    assertThat(docs.get(0).getMetadata().getName())
        .isEqualTo("trades-eu-0001-" + first.id().toLowerCase());
    assertThat(docs.get(0).getMetadata().getNamespace()).isEqualTo("n");
    assertThat(docs.get(0).getSpec().getRegion()).isNull();
    assertThat(docs.get(0).getSpec().getChangeRequests()).isEqualTo(first.changeRequests());
    assertThat(docs.get(0).getStatus()).isNull();
    assertThat(yaml).contains("# " + later.id() + ": FAILED");

    String completed =
        Export.manifests(
            finspace,
            options(
                "--environment-id",
                DB.environmentId(),
                "--database",
                "Trades_EU",
                "--region",
                "us-east-1",
                "--name-prefix",
                "eu",
                "--completed-only"),
            DB);
    assertThat(completed).contains(first.id()).doesNotContain(tie.id()).doesNotContain(later.id());
    assertThat(completed).contains("name: \"eu-0001-").contains("region: \"us-east-1\"");
  }

  @Test
  void badOptionsAreNamed() {
    assertThatThrownBy(() -> options("--database", "trades"))
        .hasMessageContaining("--environment-id");
    assertThatThrownBy(() -> options("--environment-id", "e", "--database", "x"))
        .hasMessageContaining("--database");
    assertThatThrownBy(() -> options("--environment-id", "e", "--database", "trades", "--bogus"))
        .hasMessageContaining("--bogus: unknown option");
    assertThatThrownBy(() -> options("--environment-id", "e", "--database"))
        .hasMessageContaining("--database: a value is required");
    assertThatThrownBy(
            () -> options("--environment-id", "e", "--database", "trades", "--region", "mars"))
        .hasMessageContaining("--region");
    assertThatThrownBy(
            () -> options("--environment-id", "e", "--database", "trades", "--namespace", "A_B"))
        .hasMessageContaining("--namespace");
  }

  @Test
  void runExitsTwoWithUsageOnBadOptionsOrConfiguration() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errs = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertThat(Export.run(List.of("--database", "trades"), Map.of(), System.out, errs))
        .isEqualTo(2);
    assertThat(
            Export.run(
                List.of("--environment-id", "e", "--database", "trades"),
                Map.of("AWS_ENDPOINT_URL_FINSPACE", "ftp://x"),
                System.out,
                errs))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--environment-id")
        .contains("AWS_ENDPOINT_URL_FINSPACE")
        .contains("usage:");
  }
}
