/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kxops.emulator.ChangesetView;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.emulator.RequestLog;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.status.Conditions;
import io.kxops.testkit.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Importing existing changesets (spec.changesetId) and the export subcommand that writes the
 * manifests, on a real API server, with the operator and the FinSpace emulator over the real AWS
 * SDK. The emulator's request log proves no CreateKxChangeset was sent.
 */
class ImportIT {

  static final String NS = "import";

  /** Not watched by the operator: admission is tested without its status writes racing. */
  static final String ADM = "import-admission";

  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final AtomicInteger DATABASES = new AtomicInteger();
  static final Path JAR = Path.of("target", "kxchangeset-operator.jar");

  @AutoClose static ClusterFixture cluster;
  static KubernetesClient client;
  static FinSpaceEmulator emulator;
  static Cli cli;

  @BeforeAll
  static void start() {
    cluster =
        ClusterFixture.withNamespaces(NS, ADM)
            .emulator(e -> e.pending(Duration.ofMillis(300)).processing(Duration.ofMillis(700)))
            .operator(Map.of("WATCH_NAMESPACES", NS))
            .start();
    client = cluster.client();
    emulator = cluster.emulator();
    cli = new Cli(Path.of("target", "it", "import"), cluster.api());
  }

  static String newDatabase() {
    String db = "imp" + DATABASES.incrementAndGet();
    emulator.registerDatabase(ENV, db);
    return db;
  }

  /** A changeset made outside the operator, as a q session or a script would. */
  static ChangesetView outside(String db, String s3Path, String dbPath) {
    return emulator.createChangeset(
        ENV, db, List.of(new ChangesetView.Request("PUT", s3Path, dbPath)));
  }

  static KxChangeset importing(String name, String db, String id, ChangeRequest... requests) {
    return importing(NS, name, db, id, requests);
  }

  static KxChangeset importing(
      String ns, String name, String db, String id, ChangeRequest... requests) {
    KxChangeset r = new KxChangeset();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(ns);
    KxChangesetSpec spec = new KxChangesetSpec(ENV, db, null, List.of(requests));
    spec.setChangesetId(id);
    r.setSpec(spec);
    return client.resource(r).create();
  }

  static KxChangeset get(String name) {
    return client.resources(KxChangeset.class).inNamespace(NS).withName(name).get();
  }

  static Condition condition(String name, String type) {
    KxChangeset r = get(name);
    return r.getStatus() == null ? null : Conditions.find(r.getStatus().getConditions(), type);
  }

  static void awaitCondition(String name, String type, String status, String reason) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> condition(name, type),
            c -> c != null && status.equals(c.getStatus()) && reason.equals(c.getReason()));
  }

  /** The CreateKxChangeset requests the emulator received for {@code db}, whatever the outcome. */
  static List<RequestLog.Entry> creates(String db) {
    return emulator.requestLog().stream()
        .filter(e -> "CreateKxChangeset".equals(e.operation()))
        .filter(e -> e.path().contains("/databases/" + db + "/"))
        .toList();
  }

  static List<RequestLog.Entry> gets(String db, String id) {
    return emulator.requestLog().stream()
        .filter(e -> "GetKxChangeset".equals(e.operation()))
        .filter(e -> e.path().contains("/databases/" + db + "/changesets/" + id))
        .toList();
  }

  @Test
  void aChangesetMadeOutsideTheOperatorBecomesAReadyKxChangesetWithoutAnyCreate() {
    String db = newDatabase();
    ChangesetView cs = outside(db, "s3://kdb-staging/sym", "/");

    importing("sym", db, cs.changesetId(), ChangeRequest.put("s3://kdb-staging/sym", "/"));
    awaitCondition("sym", "Ready", "True", "Completed");

    KxChangesetStatus s = get("sym").getStatus();
    assertThat(s.getChangesetId()).isEqualTo(cs.changesetId());
    assertThat(s.getStatus()).isEqualTo("COMPLETED");
    assertThat(s.getCreateIntent()).isNull();
    assertThat(gets(db, cs.changesetId())).as("GetKxChangeset calls").isNotEmpty();
    assertThat(creates(db)).as("CreateKxChangeset calls on %s", db).isEmpty();
    assertThat(emulator.changesets(ENV, db)).hasSize(1);
  }

  @Test
  void wrongRequestsAreSpecMismatchAndAnUnknownIdIsChangesetNotFound() {
    String db = newDatabase();
    ChangesetView cs = outside(db, "s3://kdb-staging/sym", "/");

    importing(
        "wrong-requests",
        db,
        cs.changesetId(),
        ChangeRequest.put("s3://kdb-staging/2020.01.02/", "/2020.01.02/"));
    importing(
        "wrong-id", db, "NoSuchChangeset0000001", ChangeRequest.put("s3://kdb-staging/sym", "/"));

    awaitCondition("wrong-requests", "Stalled", "True", "SpecMismatch");
    assertThat(condition("wrong-requests", "Stalled").getMessage())
        .contains(cs.changesetId())
        .contains("spec.changeRequests");
    assertThat(condition("wrong-requests", "Ready").getStatus()).isEqualTo("False");
    awaitCondition("wrong-id", "Stalled", "True", "ChangesetNotFound");
    assertThat(condition("wrong-id", "Stalled").getMessage())
        .contains("spec.changesetId NoSuchChangeset0000001")
        .contains(db);
    assertThat(get("wrong-requests").getStatus().getChangesetId()).isNull();
    assertThat(get("wrong-id").getStatus().getChangesetId()).isNull();
    assertThat(creates(db)).isEmpty();
    assertThat(emulator.changesets(ENV, db)).hasSize(1);
  }

  @Test
  void changesetIdIsImmutableButMayRecordTheChangesetTheStatusHolds() {
    String db = "admission";
    KxChangeset imp =
        importing(
            ADM, "immutable-id", db, "Abc123", ChangeRequest.put("s3://kdb-staging/x/", "/x/"));
    imp.getSpec().setChangesetId("Def456");
    assertThatThrownBy(() -> client.resource(imp).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> assertThat(e.getMessage()).contains("spec.changesetId").contains("immutable"));
    KxChangeset removed =
        client.resources(KxChangeset.class).inNamespace(ADM).withName("immutable-id").get();
    removed.getSpec().setChangesetId(null);
    assertThatThrownBy(() -> client.resource(removed).update())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.changesetId");

    // A resource the operator created: writing its id back into the spec is the one edit left.
    KxChangeset made = new KxChangeset();
    made.getMetadata().setName("write-back");
    made.getMetadata().setNamespace(ADM);
    made.setSpec(
        new KxChangesetSpec(
            ENV, db, null, List.of(ChangeRequest.put("s3://kdb-staging/y/", "/y/"))));
    KxChangeset created = client.resource(made).create();
    KxChangesetStatus status = new KxChangesetStatus();
    status.setChangesetId("Msm0c8y8XB1k8zYZFNhRug");
    status.setStatus("COMPLETED");
    created.setStatus(status);
    KxChangeset withStatus = client.resource(created).updateStatus();

    withStatus.getSpec().setChangesetId("Other0c8y8XB1k8zYZFNhR");
    assertThatThrownBy(() -> client.resource(withStatus).update())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("immutable");
    KxChangeset fresh =
        client.resources(KxChangeset.class).inNamespace(ADM).withName("write-back").get();
    fresh.getSpec().setChangesetId("Msm0c8y8XB1k8zYZFNhRug");
    assertThat(client.resource(fresh).update().getSpec().getChangesetId())
        .isEqualTo("Msm0c8y8XB1k8zYZFNhRug");

    KxChangeset bad = new KxChangeset();
    bad.getMetadata().setName("bad-id");
    bad.getMetadata().setNamespace(ADM);
    bad.setSpec(new KxChangesetSpec(ENV, db, null, List.of(ChangeRequest.delete("/x/"))));
    bad.getSpec().setChangesetId("not-an-id");
    assertThatThrownBy(() -> client.resource(bad).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.changesetId");
  }

  @Test
  void theExportSubcommandWritesManifestsThatImportAWholeDatabaseWithoutAnyCreate()
      throws IOException, InterruptedException {
    String db = newDatabase();
    List<String> ids = new ArrayList<>();
    ids.add(outside(db, "s3://kdb-staging/2020.01.01/", "/2020.01.01/").changesetId());
    ids.add(outside(db, "s3://kdb-staging/2020.01.02/", "/2020.01.02/").changesetId());
    ids.add(
        emulator
            .createChangeset(
                ENV,
                db,
                List.of(
                    new ChangesetView.Request("DELETE", null, "/2020.01.01/"),
                    new ChangesetView.Request("PUT", "s3://kdb-staging/sym", "/")))
            .changesetId());

    Path yaml = cli.workDir().resolve("export-" + db + ".yaml");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "export",
                "--environment-id",
                ENV,
                "--database",
                db,
                "--namespace",
                NS)
            .redirectOutput(yaml.toFile())
            .redirectError(cli.workDir().resolve("export-" + db + ".err").toFile());
    pb.environment().putAll(OperatorHarness.env(emulator, Map.of()));
    pb.environment().put("AWS_ACCESS_KEY_ID", "AKIDKXOPSTEST");
    pb.environment().put("AWS_SECRET_ACCESS_KEY", "kxops-test-secret");
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String err = Files.readString(cli.workDir().resolve("export-" + db + ".err"));
    assertThat(p.exitValue()).as("export exit code; stderr: %s", err).isZero();
    String manifests = Files.readString(yaml, StandardCharsets.UTF_8);
    // Oldest first: the order the changesets were made in.
    assertThat(manifests).containsSubsequence(ids.get(0), ids.get(1), ids.get(2));
    assertThat(manifests).doesNotContain("status:");

    cli.kubectl("apply", "-f", yaml.toAbsolutePath()).ok();

    List<KxChangeset> applied =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    client.resources(KxChangeset.class).inNamespace(NS).list().getItems().stream()
                        .filter(r -> db.equals(r.getSpec().getDatabaseName()))
                        .toList(),
                rs ->
                    rs.size() == 3
                        && rs.stream()
                            .allMatch(
                                r ->
                                    r.getStatus() != null
                                        && "COMPLETED".equals(r.getStatus().getStatus())));
    assertThat(applied)
        .extracting(r -> r.getStatus().getChangesetId())
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(applied.get(0).getMetadata().getName()).startsWith(db + "-000");
    assertThat(creates(db)).as("CreateKxChangeset calls on %s", db).isEmpty();
    assertThat(emulator.changesets(ENV, db)).hasSize(3);
  }

  @Test
  void theExportSubcommandNamesABadOptionAndExitsTwo() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "export",
                "--environment-id",
                ENV,
                "--database",
                "x")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("--database").contains("usage:");
  }
}
