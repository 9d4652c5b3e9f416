/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.emulator.RequestLog;
import io.kxops.operator.OperatorApp;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.status.Conditions;
import io.kxops.testkit.ApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many teams on one operator, on a real API server with the FinSpace emulator: one namespace's
 * resource that can never create does not hold another namespace's changeset on the same database
 * longer than QUEUE_YIELD_AFTER, nor does its status name the other; and one namespace's many
 * requests do not hold back another's at the global rate limit.
 */
class FairnessIT {

  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final String TEAM_A = "team-a";
  static final String TEAM_B = "team-b";

  @AutoClose static ClusterFixture cluster;
  static ApiServer api;
  static KubernetesClient client;
  static FinSpaceEmulator emulator;

  OperatorApp operator;

  @BeforeAll
  static void startCluster() {
    cluster =
        ClusterFixture.withNamespaces(TEAM_A, TEAM_B)
            .emulator(e -> e.pending(Duration.ofMillis(200)).processing(Duration.ofMillis(500)))
            .start();
    api = cluster.api();
    client = cluster.client();
    emulator = cluster.emulator();
  }

  @AfterEach
  void stopOperator() {
    if (operator != null) {
      operator.close();
    }
    client.resources(KxChangeset.class).inAnyNamespace().delete();
    emulator.reset(); // counters, request log, faults and databases: each test starts afresh
  }

  static KxChangeset create(String namespace, String name, String db, String s3Path) {
    KxChangeset r = new KxChangeset();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(namespace);
    r.setSpec(
        new KxChangesetSpec(ENV, db, null, List.of(ChangeRequest.put(s3Path, "/" + name + "/"))));
    return client.resource(r).create();
  }

  static KxChangeset get(String namespace, String name) {
    return client.resources(KxChangeset.class).inNamespace(namespace).withName(name).get();
  }

  static Condition ready(KxChangeset r) {
    return r == null || r.getStatus() == null
        ? null
        : Conditions.find(r.getStatus().getConditions(), Conditions.READY);
  }

  static boolean readyReason(String namespace, String name, String reason) {
    Condition c = ready(get(namespace, name));
    return c != null && reason.equals(c.getReason());
  }

  static String eventsOf(String namespace) {
    return Serialization.asJson(client.v1().events().inNamespace(namespace).list().getItems());
  }

  @Test
  void aPermanentlyFailingResourceOfOneNamespaceHoldsAnothersOnlyForTheBound() throws Exception {
    String db = "shared";
    emulator.registerDatabase(ENV, db);
    // Team A's resource can never create: FinSpace answers its create with a 404 (nothing made),
    // for as long as the test runs; team B's reads another path of the same database.
    emulator
        .faults()
        .refuseCreates(
            "s3://team-a-staging/*", "ResourceNotFoundException", 404, "No such database");
    Duration bound = Duration.ofSeconds(4);
    operator =
        OperatorHarness.start(
            emulator, api.newClient(), Map.of("QUEUE_YIELD_AFTER", bound.toSeconds() + "s"));

    create(TEAM_A, "a-load", db, "s3://team-a-staging/2020.01.02/");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> readyReason(TEAM_A, "a-load", "DatabaseNotFound"));
    Thread.sleep(1100); // B is created in a later second: it sorts after A
    Instant bCreated = Instant.now();
    create(TEAM_B, "b-load", db, "s3://team-b-staging/2020.01.02/");

    // B queues behind A; its status says so without naming A or its namespace.
    await().atMost(Duration.ofSeconds(10)).until(() -> readyReason(TEAM_B, "b-load", "Queued"));
    assertThat(ready(get(TEAM_B, "b-load")).getMessage())
        .contains("a KxChangeset of another namespace")
        .doesNotContain("a-load", TEAM_A);

    // A has been failing since before B existed: B goes at most the bound after A's first failure
    // (plus the time to reconcile and create).
    await()
        .atMost(bound.plusSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> readyReason(TEAM_B, "b-load", "Completed"));
    RequestLog.Entry bCreate =
        emulator.requestLog().stream()
            .filter(e -> "CreateKxChangeset".equals(e.operation()) && e.httpStatus() == 200)
            .findFirst()
            .orElseThrow();
    Duration waited = Duration.between(bCreated, bCreate.time());
    assertThat(waited).as("B's wait for A").isLessThan(bound.plusSeconds(4));

    // A still cannot create, and says why it waits; nothing was made for it; A kept trying.
    KxChangeset a = get(TEAM_A, "a-load");
    assertThat(a.getStatus().getChangesetId()).isNull();
    assertThat(a.getStatus().getFailure().getReason()).isEqualTo("DatabaseNotFound");
    assertThat(emulator.changesets(ENV, db)).hasSize(1);
    assertThat(emulator.counter(io.kxops.emulator.Operation.CREATE_KX_CHANGESET, "200"))
        .isEqualTo(1);
    // Neither namespace's status or events name the other's resources.
    String bStatus = Serialization.asJson(get(TEAM_B, "b-load").getStatus());
    assertThat(bStatus + eventsOf(TEAM_B)).doesNotContain("a-load", TEAM_A);
    String aStatus = Serialization.asJson(a.getStatus());
    assertThat(aStatus + eventsOf(TEAM_A))
        .doesNotContain("b-load", TEAM_B, get(TEAM_B, "b-load").getStatus().getChangesetId());
  }

  @Test
  void oneNamespacesManyRequestsDoNotHoldBackAnothersAtTheRateLimit() {
    // Two requests a second for the whole operator; team A creates 16 changesets at once, then
    // team B one. First come, first served, B's create would leave after all of A's (8 s); served
    // in turn, it leaves within a few slots. Enough reconcile threads that every request waits at
    // the limiter, where the turns are taken.
    operator =
        OperatorHarness.start(
            emulator,
            api.newClient(),
            Map.of(
                "FINSPACE_RATE_LIMIT",
                "2",
                "RECONCILE_THREADS",
                "40",
                "POLL_INTERVAL",
                "30s",
                "MAX_POLL_INTERVAL",
                "30s"));
    for (int i = 0; i < 16; i++) {
      String db = "busy" + i;
      emulator.registerDatabase(ENV, db);
      create(TEAM_A, "a" + i, db, "s3://team-a-staging/" + i + "/");
    }
    emulator.registerDatabase(ENV, "quiet");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                emulator.requestLog().stream()
                        .filter(e -> "CreateKxChangeset".equals(e.operation()))
                        .count()
                    >= 2);
    create(TEAM_B, "b0", "quiet", "s3://team-b-staging/0/");

    await()
        .atMost(Duration.ofSeconds(40))
        .until(
            () ->
                emulator.requestLog().stream()
                        .filter(e -> "CreateKxChangeset".equals(e.operation()))
                        .filter(e -> e.httpStatus() == 200)
                        .count()
                    == 17);
    List<RequestLog.Entry> creates =
        emulator.requestLog().stream()
            .filter(e -> "CreateKxChangeset".equals(e.operation()))
            .toList();
    int bAt = -1;
    for (int i = 0; i < creates.size(); i++) {
      if (creates.get(i).path().contains("/quiet/")) {
        bAt = i;
      }
    }
    long aCreatesAfterB = creates.size() - 1 - bAt;
    assertThat(bAt).as("B's create among %d creates", creates.size()).isNotNegative();
    assertThat(aCreatesAfterB)
        .as("team A's creates still waiting when B's left (of 16)")
        .isGreaterThanOrEqualTo(8);
  }
}
