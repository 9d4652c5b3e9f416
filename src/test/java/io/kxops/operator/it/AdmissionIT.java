/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.testkit.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The CRD's schema and CEL rules, as a real API server enforces them at admission. */
class AdmissionIT {

  static final String NS = "admission";
  @AutoClose static ClusterFixture cluster;
  static KubernetesClient client;
  static int counter;

  @BeforeAll
  static void start() {
    cluster = ClusterFixture.withNamespaces(NS).start();
    client = cluster.client();
  }

  static String valid() {
    return """
        environmentId: jlcenjvtkgzrdek2qqv7ic
        databaseName: trades
        changeRequests:
        - changeType: PUT
          s3Path: s3://kdb-staging/trades/2020.01.02/
          dbPath: /2020.01.02/
        """;
  }

  static String manifest(String name, String spec) {
    return "apiVersion: finspace.kxops.io/v1alpha1\nkind: KxChangeset\nmetadata:\n  name: "
        + name
        + "\n  namespace: "
        + NS
        + "\nspec:\n"
        + spec.indent(2);
  }

  static String withRequest(String request) {
    return "environmentId: jlcenjvtkgzrdek2qqv7ic\ndatabaseName: trades\nchangeRequests:\n"
        + request;
  }

  /** Sends the manifest untyped, so wrong types and unknown fields reach the API server. */
  static GenericKubernetesResource create(String spec) {
    GenericKubernetesResource r =
        Serialization.unmarshal(
            manifest("cs-" + (++counter), spec), GenericKubernetesResource.class);
    return client.resource(r).fieldValidation(FieldValidateable.Validation.STRICT).create();
  }

  static Stream<Arguments> invalid() {
    String put = "- changeType: PUT\n  s3Path: s3://bucket/x/\n  dbPath: %s\n";
    String s3 = "- changeType: PUT\n  s3Path: %s\n  dbPath: /\n";
    List<Arguments> cases = new ArrayList<>();
    cases.add(
        Arguments.of(
            "environmentId missing",
            valid().replace("environmentId: jlcenjvtkgzrdek2qqv7ic\n", ""),
            "spec.environmentId"));
    cases.add(
        Arguments.of(
            "environmentId empty",
            valid().replace("jlcenjvtkgzrdek2qqv7ic", "''"),
            "spec.environmentId"));
    cases.add(
        Arguments.of(
            "environmentId blank",
            valid().replace("jlcenjvtkgzrdek2qqv7ic", "'   '"),
            "spec.environmentId"));
    cases.add(
        Arguments.of(
            "environmentId with a newline",
            valid().replace("jlcenjvtkgzrdek2qqv7ic", "\"jlcenjv\\ntkgzrdek\""),
            "spec.environmentId"));
    cases.add(
        Arguments.of(
            "environmentId with a control character",
            valid().replace("jlcenjvtkgzrdek2qqv7ic", "\"jlcenjv\\u001btkgzrdek\""),
            "spec.environmentId"));
    cases.add(
        Arguments.of(
            "environmentId 33 chars",
            valid().replace("jlcenjvtkgzrdek2qqv7ic", "e".repeat(33)),
            "spec.environmentId"));
    cases.add(
        Arguments.of(
            "databaseName missing",
            valid().replace("databaseName: trades\n", ""),
            "spec.databaseName"));
    cases.add(
        Arguments.of(
            "databaseName 2 chars",
            valid().replace("databaseName: trades", "databaseName: ab"),
            "spec.databaseName"));
    cases.add(
        Arguments.of(
            "databaseName 64 chars",
            valid().replace("databaseName: trades", "databaseName: " + "d".repeat(64)),
            "spec.databaseName"));
    cases.add(
        Arguments.of(
            "databaseName leading dash",
            valid().replace("databaseName: trades", "databaseName: -trades"),
            "spec.databaseName"));
    cases.add(
        Arguments.of(
            "databaseName trailing underscore",
            valid().replace("databaseName: trades", "databaseName: trades_"),
            "spec.databaseName"));
    cases.add(
        Arguments.of(
            "databaseName with space",
            valid().replace("databaseName: trades", "databaseName: 'tr ades'"),
            "spec.databaseName"));
    cases.add(
        Arguments.of(
            "databaseName wrong type",
            valid().replace("databaseName: trades", "databaseName: 42"),
            "spec.databaseName"));
    cases.add(Arguments.of("region upper case", valid() + "region: US-EAST-1\n", "spec.region"));
    cases.add(Arguments.of("region malformed", valid() + "region: useast1\n", "spec.region"));
    cases.add(
        Arguments.of(
            "region 33 chars", // well formed, only too long
            valid() + "region: us-" + "a".repeat(28) + "-1\n",
            "spec.region"));
    cases.add(
        Arguments.of(
            "changeRequests missing",
            "environmentId: e1\ndatabaseName: trades\n",
            "spec.changeRequests"));
    cases.add(
        Arguments.of(
            "changeRequests empty",
            "environmentId: e1\ndatabaseName: trades\nchangeRequests: []\n",
            "spec.changeRequests"));
    cases.add(
        Arguments.of(
            "environmentId a list",
            valid().replace("jlcenjvtkgzrdek2qqv7ic", "[jlcenjvtkgzrdek2qqv7ic]"),
            "spec.environmentId"));
    cases.add(
        Arguments.of(
            "change request a string",
            "environmentId: e1\ndatabaseName: trades\nchangeRequests: [\"x\"]\n",
            "spec.changeRequests[0]"));
    cases.add(
        Arguments.of(
            "changeRequests wrong type",
            "environmentId: e1\ndatabaseName: trades\nchangeRequests: PUT\n",
            "spec.changeRequests"));
    cases.add(
        Arguments.of(
            "33 change requests",
            withRequest(("- changeType: DELETE\n  dbPath: /x/\n").repeat(33)),
            "spec.changeRequests"));
    cases.add(
        Arguments.of(
            "changeType unknown",
            withRequest("- changeType: UPSERT\n  dbPath: /x/\n"),
            "spec.changeRequests[0].changeType"));
    cases.add(
        Arguments.of(
            "changeType lower case",
            withRequest("- changeType: put\n  s3Path: s3://bucket/x/\n  dbPath: /x/\n"),
            "spec.changeRequests[0].changeType"));
    cases.add(
        Arguments.of(
            "changeType missing",
            withRequest("- dbPath: /x/\n"),
            "spec.changeRequests[0].changeType"));
    cases.add(
        Arguments.of(
            "PUT without s3Path",
            withRequest("- changeType: PUT\n  dbPath: /x/\n"),
            "spec.changeRequests[0].s3Path"));
    cases.add(
        Arguments.of(
            "DELETE with s3Path",
            withRequest("- changeType: DELETE\n  s3Path: s3://bucket/x/\n  dbPath: /x/\n"),
            "spec.changeRequests[0].s3Path"));
    cases.add(
        Arguments.of(
            "s3Path without slash after bucket",
            withRequest(s3.formatted("s3://bucket")),
            "spec.changeRequests[0].s3Path"));
    cases.add(
        Arguments.of(
            "s3Path 2-char bucket",
            withRequest(s3.formatted("s3://ab/xyz")),
            "spec.changeRequests[0].s3Path"));
    cases.add(
        Arguments.of(
            "s3Path upper-case bucket",
            withRequest(s3.formatted("s3://Bucket/x")),
            "spec.changeRequests[0].s3Path"));
    cases.add(
        Arguments.of(
            "s3Path empty segment",
            withRequest(s3.formatted("s3://bucket/a//b")),
            "spec.changeRequests[0].s3Path"));
    cases.add(
        Arguments.of(
            "s3Path not s3",
            withRequest(s3.formatted("https://bucket/x/")),
            "spec.changeRequests[0].s3Path"));
    cases.add(
        Arguments.of(
            "s3Path 8 chars",
            withRequest(s3.formatted("s3://abc")),
            "spec.changeRequests[0].s3Path"));
    cases.add(
        Arguments.of(
            "s3Path 1094 chars",
            withRequest(s3.formatted("s3://bucket/" + "k".repeat(1094 - 12))),
            "spec.changeRequests[0].s3Path"));
    cases.add(
        Arguments.of(
            "dbPath missing",
            withRequest("- changeType: DELETE\n"),
            "spec.changeRequests[0].dbPath"));
    cases.add(
        Arguments.of(
            "dbPath empty", withRequest(put.formatted("''")), "spec.changeRequests[0].dbPath"));
    cases.add(
        Arguments.of(
            "dbPath without leading slash",
            withRequest(put.formatted("2020.01.02/")),
            "spec.changeRequests[0].dbPath"));
    cases.add(
        Arguments.of(
            "dbPath without trailing slash",
            withRequest(put.formatted("/2020.01.02")),
            "spec.changeRequests[0].dbPath"));
    cases.add(
        Arguments.of(
            "dbPath three levels",
            withRequest(put.formatted("/a/b/c/")),
            "spec.changeRequests[0].dbPath"));
    cases.add(
        Arguments.of(
            "dbPath double slash",
            withRequest(put.formatted("//")),
            "spec.changeRequests[0].dbPath"));
    cases.add(
        Arguments.of(
            "dbPath 1026 chars",
            withRequest(put.formatted("/" + "p".repeat(1024) + "/")),
            "spec.changeRequests[0].dbPath"));
    cases.add(
        Arguments.of(
            "second request bad",
            withRequest("- changeType: DELETE\n  dbPath: /a/\n- changeType: DELETE\n  dbPath: a\n"),
            "spec.changeRequests[1].dbPath"));
    cases.add(
        Arguments.of(
            "dependsOn names one twice",
            valid() + "dependsOn:\n- name: a\n- name: b\n- name: a\n",
            "more than once"));
    cases.add(
        Arguments.of(
            "dependsOn name not a Kubernetes name",
            valid() + "dependsOn:\n- name: Trades_2020\n",
            "spec.dependsOn[0].name"));
    cases.add(
        Arguments.of(
            "dependsOn entry without name",
            valid() + "dependsOn:\n- {}\n",
            "spec.dependsOn[0].name"));
    cases.add(
        Arguments.of(
            "dependsOn 33 entries",
            valid()
                + "dependsOn:\n"
                + "- name: d%d\n"
                    .repeat(33)
                    .formatted(
                        (Object[])
                            java.util.stream.IntStream.range(0, 33)
                                .boxed()
                                .toArray(Integer[]::new)),
            "spec.dependsOn: Too many"));
    // Not a prefix of a real field (spec.database would be found inside spec.databaseName).
    cases.add(
        Arguments.of(
            "unknown spec field", valid() + "databse: trades\n", "unknown field \"spec.databse\""));
    cases.add(
        Arguments.of(
            "unknown request field",
            withRequest("- changeType: DELETE\n  dbPath: /a/\n  path: /b/\n"),
            "spec.changeRequests[0].path"));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsInvalidManifestsNamingTheField(String name, String spec, String field) {
    assertThatThrownBy(() -> create(spec))
        .as(name)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isIn(400, 422);
              assertThat(e.getMessage()).contains(field);
            });
  }

  /** Each field with a pattern, a value that breaks only the pattern, and what the user reads. */
  static Stream<Arguments> patternViolations() {
    String put = "- changeType: PUT\n  s3Path: s3://bucket/x/\n  dbPath: %s\n";
    String s3 = "- changeType: PUT\n  s3Path: %s\n  dbPath: /\n";
    return Stream.of(
        Arguments.of(
            valid().replace("jlcenjvtkgzrdek2qqv7ic", "\"jlcenjv\\ntkgzrdek\""),
            "spec.environmentId",
            "no control characters"),
        Arguments.of(
            valid().replace("databaseName: trades", "databaseName: -trades"),
            "spec.databaseName",
            "letters, digits, '-' and '_'"),
        Arguments.of(valid() + "region: useast1\n", "spec.region", "for example us-east-1"),
        Arguments.of(
            withRequest(s3.formatted("s3://Bucket/x")),
            "spec.changeRequests[0].s3Path",
            "s3://bucket/key"),
        Arguments.of(
            withRequest(put.formatted("/a/b/c/")),
            "spec.changeRequests[0].dbPath",
            "at most two directories deep"));
  }

  /** The API server prints an OpenAPI pattern's regex as is; a CEL rule says it in words. */
  @ParameterizedTest(name = "{1}")
  @MethodSource("patternViolations")
  void patternViolationsSayWhatIsExpectedInWords(String spec, String field, String words) {
    assertThatThrownBy(() -> create(spec))
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getMessage()).contains(field).contains(words);
              assertThat(e.getMessage()).doesNotContain("should match");
            });
  }

  /** kubectl reads the columns and the category from the CRD as installed. */
  @Test
  void kubectlShowsTheColumnsInOrderAndTheCategoryListsThem() {
    create(valid());
    Cli cli = new Cli(Path.of("target", "admission-it", "kubectl"), cluster.api());
    String plain = cli.kubectl("get", "kxcs", "-n", NS).ok().stdout();
    assertThat(plain.lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "DATABASE", "CHANGESET", "STATUS", "READY", "REASON", "AGE");
    String wide = cli.kubectl("get", "kxops", "-n", NS, "-o", "wide").ok().stdout();
    assertThat(wide.lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly(
            "NAME",
            "DATABASE",
            "CHANGESET",
            "STATUS",
            "READY",
            "REASON",
            "AGE",
            "ENVIRONMENT",
            "REGION",
            "MESSAGE");
    assertThat(wide).contains("trades").contains("jlcenjvtkgzrdek2qqv7ic");
  }

  @Test
  void aResourceWithoutSpecIsRejected() {
    GenericKubernetesResource r =
        Serialization.unmarshal(
            "apiVersion: finspace.kxops.io/v1alpha1\nkind: KxChangeset\nmetadata:\n  name: no-spec\n"
                + "  namespace: "
                + NS
                + "\n",
            GenericKubernetesResource.class);
    assertThatThrownBy(() -> client.resource(r).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getMessage()).contains("spec");
            });
  }

  static Stream<Arguments> validAtTheEdges() {
    return Stream.of(
        Arguments.of(
            "environmentId 32 chars", valid().replace("jlcenjvtkgzrdek2qqv7ic", "e".repeat(32))),
        Arguments.of("environmentId 1 char", valid().replace("jlcenjvtkgzrdek2qqv7ic", "e")),
        Arguments.of(
            "databaseName 3 chars", valid().replace("databaseName: trades", "databaseName: t_1")),
        Arguments.of(
            "databaseName 63 chars",
            valid().replace("databaseName: trades", "databaseName: " + "d".repeat(63))),
        Arguments.of(
            "32 change requests", withRequest("- changeType: DELETE\n  dbPath: /x/\n".repeat(32))),
        Arguments.of(
            "s3Path 9 chars", withRequest("- changeType: PUT\n  s3Path: s3://abc/\n  dbPath: /\n")),
        Arguments.of(
            "s3Path 1093 chars",
            withRequest(
                "- changeType: PUT\n  s3Path: s3://bucket/"
                    + "k".repeat(1093 - 12)
                    + "\n  dbPath: /\n")),
        Arguments.of(
            "dbPath two levels", withRequest("- changeType: DELETE\n  dbPath: /2020.01.02/taq/\n")),
        Arguments.of(
            "dbPath root",
            withRequest("- changeType: PUT\n  s3Path: s3://bucket/db/sym\n  dbPath: /\n")),
        Arguments.of(
            "dbPath 1025 chars",
            withRequest("- changeType: DELETE\n  dbPath: /" + "p".repeat(1023) + "/\n")),
        Arguments.of("region", valid() + "region: us-gov-west-1\n"),
        Arguments.of(
            "dependsOn 32 entries, a name of 253 chars",
            valid()
                + "dependsOn:\n"
                + "- name: d%d.trades\n"
                    .repeat(31)
                    .formatted(
                        (Object[])
                            java.util.stream.IntStream.range(0, 31).boxed().toArray(Integer[]::new))
                + "- name: "
                + "a".repeat(63)
                + "."
                + "b".repeat(63)
                + "."
                + "c".repeat(63)
                + "."
                + "d".repeat(61)
                + "\n"),
        Arguments.of("region 32 chars", valid() + "region: us-" + "a".repeat(27) + "-1\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validAtTheEdges")
  void acceptsValuesAtTheEdges(String name, String spec) {
    assertThat(create(spec).getMetadata().getUid()).as(name).isNotBlank();
  }

  static List<Path> samples() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("config", "samples"))) {
      // Files only: config/samples/access-policies holds KxAccessPolicies, not KxChangesets.
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !p.endsWith("kustomization.yaml"))
          .sorted()
          .toList();
    }
  }

  @ParameterizedTest
  @MethodSource("samples")
  void everySampleIsAccepted(Path sample) throws IOException {
    KxChangeset r = Serialization.unmarshal(Files.readString(sample), KxChangeset.class);
    r.getMetadata().setNamespace(NS);
    KxChangeset created =
        client.resource(r).fieldValidation(FieldValidateable.Validation.STRICT).create();
    assertThat(created.getSpec()).isEqualTo(r.getSpec());
    client.resource(created).delete();
  }

  @Test
  void serverSideApplyOfASampleWorksAndIsIdempotent() throws IOException {
    KxChangeset r =
        Serialization.unmarshal(
            Files.readString(Path.of("config/samples/trades-restate.yaml")), KxChangeset.class);
    r.getMetadata().setNamespace(NS);
    r.getMetadata().setName("ssa-sample");
    KxChangeset first =
        client.resource(r).fieldManager("kubectl").forceConflicts().serverSideApply();
    KxChangeset second =
        client.resource(r).fieldManager("kubectl").forceConflicts().serverSideApply();
    assertThat(second.getMetadata().getGeneration()).isEqualTo(first.getMetadata().getGeneration());
    assertThat(second.getSpec().getChangeRequests()).hasSize(3);
  }

  @Test
  void specIsEditableUntilTheChangesetExistsThenImmutable() {
    KxChangeset r = Serialization.unmarshal(manifest("immutable", valid()), KxChangeset.class);
    KxChangeset created = client.resource(r).create();

    created.getSpec().getChangeRequests().add(ChangeRequest.delete("/2019.01.01/"));
    KxChangeset edited = client.resource(created).update();
    assertThat(edited.getSpec().getChangeRequests()).hasSize(2);

    KxChangesetStatus status = new KxChangesetStatus();
    status.setChangesetId("Msm0c8y8XB1k8zYZFNhRug");
    status.setStatus("PENDING");
    edited.setStatus(status);
    KxChangeset withStatus = client.resource(edited).updateStatus();

    withStatus.getSpec().getChangeRequests().remove(1);
    assertThatThrownBy(() -> client.resource(withStatus).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e ->
                assertThat(e.getMessage())
                    .contains("spec")
                    .contains("immutable")
                    .contains("create a new KxChangeset instead"));

    KxChangeset fresh =
        client.resources(KxChangeset.class).inNamespace(NS).withName("immutable").get();
    fresh.getMetadata().setLabels(Map.of("team", "rates"));
    assertThat(client.resource(fresh).update().getMetadata().getLabels())
        .containsEntry("team", "rates");
  }

  @Test
  void specIsImmutableOnceACreateIntentIsRecordedEvenWithoutAChangesetId() {
    KxChangeset created =
        client
            .resource(Serialization.unmarshal(manifest("intent-only", valid()), KxChangeset.class))
            .create();
    KxChangesetStatus status = new KxChangesetStatus();
    status.setCreateIntent(
        io.kxops.operator.reconcile.Intents.of(
            new io.kxops.operator.finspace.DatabaseRef(
                "us-east-1", created.getSpec().getEnvironmentId(), "trades"),
            created,
            java.time.Instant.parse("2026-11-28T10:00:00Z")));
    created.setStatus(status);
    KxChangeset withIntent = client.resource(created).updateStatus();
    assertThat(withIntent.getStatus().getChangesetId()).isNull();

    withIntent.getSpec().setRegion("eu-west-1");
    assertThatThrownBy(() -> client.resource(withIntent).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e ->
                assertThat(e.getMessage())
                    .contains("immutable")
                    .contains("status.createIntent")
                    .contains("create a new KxChangeset instead"));
  }

  @Test
  void dependsOnCannotNameTheResourceItself() {
    String spec = valid() + "dependsOn:\n- name: other\n- name: self-loop\n";
    GenericKubernetesResource r =
        Serialization.unmarshal(manifest("self-loop", spec), GenericKubernetesResource.class);
    assertThatThrownBy(() -> client.resource(r).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getMessage())
                  .contains("spec.dependsOn")
                  .contains("names this KxChangeset itself");
            });
    GenericKubernetesResource ok =
        Serialization.unmarshal(
            manifest("self-loop", valid() + "dependsOn:\n- name: other\n"),
            GenericKubernetesResource.class);
    assertThat(client.resource(ok).create().getMetadata().getUid()).isNotBlank();
  }

  /**
   * dependsOn is frozen with the rest of the spec once a create intent is recorded, including in
   * the one edit still allowed then (the write-back of spec.changesetId); before that it can be
   * edited (to break a cycle, say).
   */
  @Test
  void dependsOnIsEditableUntilACreateIntentThenFrozen() {
    KxChangeset created =
        client
            .resource(
                Serialization.unmarshal(
                    manifest("deps-frozen", valid() + "dependsOn:\n- name: a\n"),
                    KxChangeset.class))
            .create();
    created.getSpec().setDependsOn(List.of(io.kxops.operator.api.v1alpha1.Dependency.on("b")));
    KxChangeset edited = client.resource(created).update();
    assertThat(edited.getSpec().getDependsOn())
        .extracting(io.kxops.operator.api.v1alpha1.Dependency::getName)
        .containsExactly("b");

    KxChangesetStatus status = new KxChangesetStatus();
    status.setCreateIntent(
        io.kxops.operator.reconcile.Intents.of(
            new io.kxops.operator.finspace.DatabaseRef(
                "us-east-1", edited.getSpec().getEnvironmentId(), "trades"),
            edited,
            java.time.Instant.parse("2026-11-28T10:00:00Z")));
    status.setChangesetId("Msm0c8y8XB1k8zYZFNhRug");
    status.setStatus("COMPLETED");
    edited.setStatus(status);
    KxChangeset withIntent = client.resource(edited).updateStatus();

    withIntent.getSpec().setDependsOn(null);
    assertThatThrownBy(() -> client.resource(withIntent).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getMessage()).contains("immutable"));
    // The write-back alone is allowed; with a dependsOn change it is not.
    KxChangeset fresh =
        client.resources(KxChangeset.class).inNamespace(NS).withName("deps-frozen").get();
    fresh.getSpec().setChangesetId("Msm0c8y8XB1k8zYZFNhRug");
    fresh.getSpec().setDependsOn(List.of(io.kxops.operator.api.v1alpha1.Dependency.on("c")));
    assertThatThrownBy(() -> client.resource(fresh).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getMessage()).contains("immutable"));
    fresh.getSpec().setDependsOn(List.of(io.kxops.operator.api.v1alpha1.Dependency.on("b")));
    assertThat(client.resource(fresh).update().getSpec().getChangesetId())
        .isEqualTo("Msm0c8y8XB1k8zYZFNhRug");
  }

  @Test
  void statusCannotBeChangedThroughTheMainResource() {
    KxChangeset r = Serialization.unmarshal(manifest("status-guard", valid()), KxChangeset.class);
    KxChangesetStatus status = new KxChangesetStatus();
    status.setChangesetId("forged");
    r.setStatus(status);
    KxChangeset created = client.resource(r).create();
    assertThat(created.getStatus()).isNull();

    created.setStatus(status);
    KxChangeset updated = client.resource(created).update();
    assertThat(updated.getStatus()).isNull();
  }
}
