/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.emulator.RequestLog;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.reconcile.ChangesetLogic;
import io.kxops.operator.status.Conditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rebuilding a cluster (REFUSE_REPEATED_HISTORY, on by default): KxChangesets applied again after
 * their changesets ran — new uids, no status, as after a rebuild or a backup restored without
 * status — create nothing, with or without the recorded changeset id; the allow-rerun-of annotation
 * creates exactly one. On a real API server, with the operator and the FinSpace emulator over the
 * real AWS SDK; the emulator's request log counts the calls.
 */
class RebuildIT {

  static final String NS = "rebuild";
  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final AtomicInteger DATABASES = new AtomicInteger();

  @AutoClose static ClusterFixture cluster;
  static KubernetesClient client;
  static FinSpaceEmulator emulator;

  @BeforeAll
  static void start() {
    cluster =
        ClusterFixture.withNamespaces(NS)
            .emulator(e -> e.pending(Duration.ofMillis(200)).processing(Duration.ofMillis(300)))
            .operator(Map.of("WATCH_NAMESPACES", NS))
            .start();
    client = cluster.client();
    emulator = cluster.emulator();
  }

  static String newDatabase() {
    String db = "reb" + DATABASES.incrementAndGet();
    emulator.registerDatabase(ENV, db);
    return db;
  }

  /** The manifest Git holds for day {@code day} of {@code db}, applied (a new uid each time). */
  static KxChangeset apply(String db, int day, String changesetId, String rerunOf) {
    String d = String.format("2020.01.%02d", day);
    KxChangeset r = new KxChangeset();
    r.getMetadata().setName(db + "-" + d.replace('.', '-'));
    r.getMetadata().setNamespace(NS);
    if (rerunOf != null) {
      r.getMetadata().setAnnotations(Map.of(ChangesetLogic.RERUN_ANNOTATION, rerunOf));
    }
    KxChangesetSpec spec =
        new KxChangesetSpec(
            ENV, db, null, List.of(ChangeRequest.put("s3://kdb-hist/" + d + "/", "/" + d + "/")));
    spec.setChangesetId(changesetId);
    r.setSpec(spec);
    return client.resource(r).create();
  }

  static KxChangeset get(String name) {
    return client.resources(KxChangeset.class).inNamespace(NS).withName(name).get();
  }

  static Condition condition(String name, String type) {
    KxChangeset r = get(name);
    return r == null || r.getStatus() == null
        ? null
        : Conditions.find(r.getStatus().getConditions(), type);
  }

  static void awaitCondition(String name, String type, String status, String reason) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> condition(name, type),
            c -> c != null && status.equals(c.getStatus()) && reason.equals(c.getReason()));
  }

  static long calls(String operation, String db) {
    return emulator.requestLog().stream()
        .filter(e -> operation.equals(e.operation()))
        .filter(e -> e.path().contains("/databases/" + db + "/"))
        .count();
  }

  static List<RequestLog.Entry> creates(String db) {
    return emulator.requestLog().stream()
        .filter(e -> "CreateKxChangeset".equals(e.operation()))
        .filter(e -> e.path().contains("/databases/" + db + "/"))
        .toList();
  }

  @Test
  void reAppliedHistoryCreatesNothingAndTheAnnotationCreatesExactlyOne() throws Exception {
    String db = newDatabase();
    int n = 6;
    // The first run: n changesets, one at a time.
    for (int day = 1; day <= n; day++) {
      apply(db, day, null, null);
    }
    Map<String, String> ids = new LinkedHashMap<>();
    for (int day = 1; day <= n; day++) {
      String name = db + "-" + String.format("2020-01-%02d", day);
      awaitCondition(name, "Ready", "True", "Completed");
      ids.put(name, get(name).getStatus().getChangesetId());
    }
    assertThat(creates(db)).hasSize(n);

    // The cluster is rebuilt: every KxChangeset is gone, Git applies the manifests again. Half of
    // them record their changeset id (the recommended layout), half do not.
    client.resources(KxChangeset.class).inNamespace(NS).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> client.resources(KxChangeset.class).inNamespace(NS).list().getItems().isEmpty());
    long listsBefore = calls("ListKxChangesets", db);
    long getsBefore = calls("GetKxChangeset", db);
    List<String> names = new ArrayList<>(ids.keySet());
    for (int day = 1; day <= n; day++) {
      String name = names.get(day - 1);
      apply(db, day, day % 2 == 0 ? ids.get(name) : null, null);
    }
    for (int day = 1; day <= n; day++) {
      String name = names.get(day - 1);
      if (day % 2 == 0) {
        awaitCondition(name, "Ready", "True", "Completed");
        assertThat(get(name).getStatus().getChangesetId()).isEqualTo(ids.get(name));
      } else {
        awaitCondition(name, "Stalled", "True", "RepeatsHistory");
        assertThat(condition(name, "Stalled").getMessage())
            .contains("changeset " + ids.get(name))
            .contains("spec.changesetId: " + ids.get(name))
            .contains(ChangesetLogic.RERUN_ANNOTATION + "=" + ids.get(name));
        assertThat(get(name).getStatus().getCreateIntent()).isNull();
      }
    }
    assertThat(creates(db)).as("CreateKxChangeset calls after the rebuild").hasSize(n);
    assertThat(emulator.changesets(ENV, db)).hasSize(n);
    long lists = calls("ListKxChangesets", db) - listsBefore;
    long gets = calls("GetKxChangeset", db) - getsBefore;
    System.out.printf(
        "rebuild of %d KxChangesets (%d without a recorded id): 0 creates, %d List and %d Get"
            + " calls%n",
        n, n / 2, lists, gets);
    // A refused resource is left alone: no reads while nothing changes.
    Thread.sleep(3000);
    assertThat(calls("ListKxChangesets", db) - listsBefore).isEqualTo(lists);

    // A deliberate re-run: the annotation (a metadata change, no new generation) names the
    // changeset; exactly one more changeset is made.
    String rerun = names.get(0);
    client
        .resources(KxChangeset.class)
        .inNamespace(NS)
        .withName(rerun)
        .edit(
            r -> {
              r.getMetadata()
                  .setAnnotations(Map.of(ChangesetLogic.RERUN_ANNOTATION, ids.get(rerun)));
              return r;
            });
    awaitCondition(rerun, "Ready", "True", "Completed");
    assertThat(get(rerun).getStatus().getChangesetId()).isNotEqualTo(ids.get(rerun));
    assertThat(creates(db)).hasSize(n + 1);
    assertThat(emulator.changesets(ENV, db)).hasSize(n + 1);
    // The others stay refused.
    assertThat(condition(names.get(2), "Stalled").getReason()).isEqualTo("RepeatsHistory");
  }
}
