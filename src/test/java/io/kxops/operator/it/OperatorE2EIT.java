/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.emulator.ChangesetView;
import io.kxops.emulator.FailureRule;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.emulator.Operation;
import io.kxops.operator.OperatorApp;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.config.ConfigLoader;
import io.kxops.operator.controller.FinalFilter;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.testing.Resources;
import io.kxops.testkit.ApiServer;
import io.kxops.testkit.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The operator end to end: in the test JVM, against a real API server, talking to the FinSpace
 * emulator over loopback with the real AWS SDK client.
 */
class OperatorE2EIT {

  static final String NS = "e2e";
  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final AtomicInteger DATABASES = new AtomicInteger();

  @AutoClose static ClusterFixture cluster;
  static ApiServer api;
  static KubernetesClient client;
  static FinSpaceEmulator emulator;
  static Path kubeconfig;

  OperatorApp operator;

  /**
   * Starts the class's cluster; {@link SelectableFieldsFallbackIT}, which runs these tests again,
   * on its own API server. Chosen here, not in a @BeforeAll of the subclass: JUnit runs this one
   * for the subclass too (a static method of the same name does not replace it), and a second start
   * would leave the first cluster running for the rest of the build.
   */
  @BeforeAll
  static void startCluster(TestInfo run) {
    boolean fallback = run.getTestClass().orElseThrow() == SelectableFieldsFallbackIT.class;
    startCluster(fallback ? SelectableFieldsFallbackIT::withoutSelectableFields : ApiServer::start);
  }

  static void startCluster(Supplier<ApiServer> apiServer) {
    if (cluster != null && cluster.running()) {
      throw new IllegalStateException("this class's cluster runs already: a second @BeforeAll?");
    }
    cluster =
        ClusterFixture.withNamespaces(NS)
            .apiServer(apiServer)
            .emulator(
                e ->
                    e.pending(Duration.ofMillis(500))
                        .processing(Duration.ofSeconds(1))
                        .inProgressStatus("IN_PROGRESS"))
            .start();
    api = cluster.api();
    client = cluster.client();
    emulator = cluster.emulator();
    kubeconfig = api.writeKubeconfig(Path.of("target", "it", "e2e", "kubeconfig"));
  }

  @AfterEach
  void stopOperator() {
    if (operator != null) {
      operator.close();
    }
    emulator.faults().clear();
    emulator.lifecycle().clearFailureRules();
    // Each test starts from an empty namespace: the next operator must not pick up leftovers.
    client.resources(KxChangeset.class).inAnyNamespace().delete();
  }

  /** A database registered for one test, so tests never share queues or counters. */
  static String newDatabase() {
    String db = "db" + DATABASES.incrementAndGet();
    emulator.registerDatabase(ENV, db);
    return db;
  }

  static KxChangeset resource(String name, String db, ChangeRequest... requests) {
    KxChangeset r = new KxChangeset();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(NS);
    r.setSpec(
        new KxChangesetSpec(
            ENV,
            db,
            null,
            requests.length > 0
                ? List.of(requests)
                : List.of(ChangeRequest.put("s3://kdb-staging/" + name + "/", "/" + name + "/"))));
    return client.resource(r).create();
  }

  static KxChangeset get(String name) {
    return client.resources(KxChangeset.class).inNamespace(NS).withName(name).get();
  }

  static Condition condition(KxChangeset r, String type) {
    return r.getStatus() == null ? null : Conditions.find(r.getStatus().getConditions(), type);
  }

  static boolean conditionIs(String name, String type, String status, String reason) {
    Condition c = condition(get(name), type);
    return c != null && status.equals(c.getStatus()) && reason.equals(c.getReason());
  }

  static KxChangeset awaitReady(String name) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> conditionIs(name, "Ready", "True", "Completed"));
    return get(name);
  }

  static List<Event> events(KxChangeset r) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> r.getMetadata().getUid().equals(e.getInvolvedObject().getUid()))
        .toList();
  }

  static List<String> eventReasons(KxChangeset r) {
    return events(r).stream().map(Event::getReason).toList();
  }

  /** Waits for an event with this reason on the resource; every such event has this type. */
  static void awaitEvent(KxChangeset r, String reason, String type) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> eventReasons(r), reasons -> reasons.contains(reason));
    assertThat(events(r))
        .filteredOn(e -> reason.equals(e.getReason()))
        .extracting(Event::getType)
        .as("type of the %s events", reason)
        .containsOnly(type);
  }

  /** The configuration the tests start the operator with (no overrides). */
  static io.kxops.operator.config.OperatorConfig harnessConfig() {
    return ConfigLoader.load(OperatorHarness.env(emulator, Map.of()));
  }

  /** All CreateKxChangeset calls the emulator saw, whatever their outcome. */
  static long createCalls() {
    return emulator.counters().entrySet().stream()
        .filter(e -> e.getKey().startsWith(Operation.CREATE_KX_CHANGESET.wireName() + "/"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  void startOperator(Map<String, String> overrides) {
    operator = OperatorHarness.start(emulator, api.newClient(), overrides);
  }

  @Test
  void aSampleReachesCompletedWithEveryStatusFieldAndExactlyOneChangeset() throws IOException {
    String db = newDatabase();
    startOperator(Map.of());
    KxChangeset sample =
        Serialization.unmarshal(
            Files.readString(Path.of("config/samples/trades-restate.yaml")), KxChangeset.class);
    sample.getMetadata().setNamespace(NS);
    sample.getSpec().setDatabaseName(db);
    KxChangeset created = client.resource(sample).create();

    KxChangeset done = awaitReady(created.getMetadata().getName());
    var s = done.getStatus();
    assertThat(s.getChangesetId()).matches("[a-zA-Z0-9]{22}");
    assertThat(s.getStatus()).isEqualTo("COMPLETED");
    assertThat(s.getRegion()).isEqualTo("us-east-1");
    assertThat(s.getObservedGeneration()).isEqualTo(1L);
    assertThat(s.getErrorInfo()).isNull();
    for (String t :
        List.of(
            s.getCreatedTimestamp(), s.getLastModifiedTimestamp(), s.getActiveFromTimestamp())) {
      assertThat(Instant.parse(t)).isAfter(Instant.parse("2026-01-01T00:00:00Z"));
    }
    assertThat(condition(done, "Reconciling")).isNull();
    assertThat(condition(done, "Stalled")).isNull();
    assertThat(condition(done, "Ready").getObservedGeneration()).isEqualTo(1L);

    List<ChangesetView> held = emulator.changesets(ENV, db);
    assertThat(held).hasSize(1);
    assertThat(held.get(0).clientToken()).isEqualTo(done.getMetadata().getUid());
    assertThat(held.get(0).changeRequests())
        .extracting(ChangesetView.Request::changeType)
        .containsExactly("DELETE", "PUT", "PUT");
    awaitEvent(done, "ChangesetCreated", "Normal");
    awaitEvent(done, "ChangesetCompleted", "Normal");
    // Events mark transitions: none for the polls in between.
    assertThat(eventReasons(done))
        .containsExactlyInAnyOrder("ChangesetCreated", "ChangesetCompleted");
  }

  @Test
  void aGitOpsToolKeepsOwningTheSpecItAppliedAndReAppliesItWithoutConflict() {
    // Argo CD and Flux apply manifests server-side under their own field manager; the operator's
    // status writes (a replace of the status subresource) must leave that ownership as it was.
    String db = newDatabase();
    startOperator(Map.of());
    KxChangeset manifest = new KxChangeset();
    manifest.getMetadata().setName("gitops-owned");
    manifest.getMetadata().setNamespace(NS);
    manifest.getMetadata().setLabels(Map.of("app.kubernetes.io/instance", "loads"));
    manifest.setSpec(
        new KxChangesetSpec(
            ENV, db, null, List.of(ChangeRequest.put("s3://kdb-staging/gitops/", "/gitops/"))));
    client.resource(manifest).fieldManager("argocd-controller").serverSideApply();

    KxChangeset done = awaitReady("gitops-owned");

    var entries = done.getMetadata().getManagedFields();
    var argo =
        entries.stream()
            .filter(m -> "argocd-controller".equals(m.getManager()))
            .filter(m -> m.getSubresource() == null || m.getSubresource().isEmpty())
            .findFirst()
            .orElseThrow();
    assertThat(argo.getOperation()).isEqualTo("Apply");
    String owned = Serialization.asJson(argo.getFieldsV1());
    assertThat(owned).contains("f:spec").contains("f:changeRequests").contains("f:labels");
    assertThat(entries)
        .as("every status field is owned by a status write, none by the GitOps tool")
        .allSatisfy(
            m -> {
              String fields = Serialization.asJson(m.getFieldsV1());
              if ("status".equals(m.getSubresource())) {
                assertThat(fields).doesNotContain("f:spec");
              } else {
                assertThat(fields).doesNotContain("f:status");
              }
            });
    // The next sync applies the same manifest again: no conflict, nothing changes.
    KxChangeset again =
        client.resource(manifest).fieldManager("argocd-controller").serverSideApply();
    assertThat(again.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(again.getStatus().getStatus()).isEqualTo("COMPLETED");
    assertThat(emulator.changesets(ENV, db)).hasSize(1);
  }

  @Test
  void aFailedChangesetIsStalledWithFinSpacesErrorInfo() {
    String db = newDatabase();
    emulator
        .lifecycle()
        .addFailureRule(
            FailureRule.s3Path("s3://kdb-staging/broken*")
                .withErrorType("One or more inputs to this request were not found.")
                .withErrorMessage("s3://kdb-staging/broken/ does not exist"));
    startOperator(Map.of());
    KxChangeset r = resource("broken", db);

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> conditionIs("broken", "Stalled", "True", "ChangesetFailed"));
    KxChangeset failed = get("broken");
    assertThat(failed.getStatus().getStatus()).isEqualTo("FAILED");
    assertThat(failed.getStatus().getErrorInfo().getErrorType())
        .isEqualTo("One or more inputs to this request were not found.");
    assertThat(failed.getStatus().getErrorInfo().getErrorMessage()).contains("does not exist");
    assertThat(condition(failed, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(failed, "Stalled").getMessage()).contains("does not exist");
    awaitEvent(r, "ChangesetCreated", "Normal");
    awaitEvent(r, "ChangesetFailed", "Warning");
    assertThat(eventReasons(r)).containsExactlyInAnyOrder("ChangesetCreated", "ChangesetFailed");
  }

  /**
   * Issue 17: COMPLETED and FAILED resources leave the operator's informer (its field selector on
   * status.status), so its cache holds the work in flight only; the final ones are still counted.
   */
  @Test
  void finalChangesetsLeaveTheOperatorsCache() {
    String db = newDatabase();
    emulator
        .lifecycle()
        .addFailureRule(
            FailureRule.s3Path("s3://kdb-staging/leave-failed*")
                .withErrorType("One or more inputs to this request were not found.")
                .withErrorMessage("s3://kdb-staging/leave-failed/ does not exist"));
    startOperator(Map.of("MAX_IN_FLIGHT_PER_DATABASE", "2"));
    resource("leave-done", db);
    resource("leave-failed", db);
    awaitReady("leave-done");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> conditionIs("leave-failed", "Stalled", "True", "ChangesetFailed"));

    if (!selectsByStatus()) {
      // The fallback (Kubernetes 1.30, or a CRD without selectableFields): the informer keeps
      // the final resources, as before issue 17, and they are still counted as final.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(operator.registry().scrape())
                      .containsPattern("kxchangeset_changesets\\{status=\"COMPLETED\"\\} 1")
                      .containsPattern("kxchangeset_changesets\\{status=\"FAILED\"\\} 1")
                      .containsPattern(
                          "kxchangeset_final_total\\{resource_namespace=\""
                              + NS
                              + "\",status=\"COMPLETED\"\\} 1")
                      .containsPattern(
                          "kxchangeset_final_total\\{resource_namespace=\""
                              + NS
                              + "\",status=\"FAILED\"\\} 1"));
      return;
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(operator.registry().scrape())
                    .as("nothing left in the operator's cache")
                    .doesNotContainPattern(
                        "kxchangeset_changesets\\{status=\"[A-Z_a-z]+\"\\} [1-9]")
                    .containsPattern(
                        "kxchangeset_final_total\\{resource_namespace=\""
                            + NS
                            + "\",status=\"COMPLETED\"\\} 1")
                    .containsPattern(
                        "kxchangeset_final_total\\{resource_namespace=\""
                            + NS
                            + "\",status=\"FAILED\"\\} 1"));
    // What adoption reads instead: the API server selects them by status and database.
    assertThat(
            client
                .resources(KxChangeset.class)
                .inNamespace(NS)
                .withField("status.status", "COMPLETED")
                .withField("spec.databaseName", db)
                .list()
                .getItems())
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("leave-done");
  }

  @Test
  void aRejectedCreateIsStalledAndNotRetried() {
    String db = newDatabase();
    emulator.faults().failNext(Operation.CREATE_KX_CHANGESET, 1, "ValidationException");
    long createsBefore = createCalls(); // the emulator and its counters outlive each test
    startOperator(Map.of());
    KxChangeset r = resource("rejected", db);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> conditionIs("rejected", "Stalled", "True", "InvalidRequest"));
    awaitEvent(r, "CreateRejected", "Warning");

    // The fault fails only one call, so a retry would create the changeset. Watch for longer
    // than the longest retry delay (RETRY_MAX_INTERVAL plus jitter) that nothing else happens.
    Duration quiet = harnessConfig().retryMaxInterval().multipliedBy(2).plusSeconds(1);
    await()
        .during(quiet)
        .atMost(quiet.plusSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                emulator.counter(Operation.CREATE_KX_CHANGESET, "ValidationException") == 1
                    && createCalls() - createsBefore == 1
                    && emulator.changesets(ENV, db).isEmpty()
                    && conditionIs("rejected", "Stalled", "True", "InvalidRequest"));
    assertThat(emulator.counter(Operation.CREATE_KX_CHANGESET, "ValidationException")).isEqualTo(1);
    assertThat(createCalls() - createsBefore).as("CreateKxChangeset calls").isEqualTo(1);
    assertThat(emulator.changesets(ENV, db)).isEmpty();
    assertThat(get("rejected").getStatus().getChangesetId()).isNull();
    assertThat(eventReasons(r)).containsExactly("CreateRejected");
  }

  @Test
  void accessDeniedBecomesStalledIsStillRetriedAndRecovers() {
    String db = newDatabase();
    emulator.faults().failNext(Operation.CREATE_KX_CHANGESET, 10_000, "AccessDeniedException");
    startOperator(Map.of("ACCESS_DENIED_STALL_AFTER", "2s"));
    KxChangeset r = resource("denied", db);

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> conditionIs("denied", "Reconciling", "True", "AccessDenied"));
    assertThat(condition(get("denied"), "Stalled")).isNull();
    awaitEvent(r, "AccessDenied", "Warning");

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> conditionIs("denied", "Stalled", "True", "AccessDenied"));
    KxChangeset stalled = get("denied");
    assertThat(condition(stalled, "Reconciling")).isNull();
    assertThat(condition(stalled, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(stalled, "Stalled").getMessage()).contains("still retried slowly");
    assertThat(stalled.getStatus().getChangesetId()).isNull();

    // Stalled, but still retried.
    long denied = emulator.counter(Operation.CREATE_KX_CHANGESET, "AccessDeniedException");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                emulator.counter(Operation.CREATE_KX_CHANGESET, "AccessDeniedException") > denied);
    // One event for the transition into AccessDenied, not one per failed call.
    assertThat(eventReasons(r)).containsExactly("AccessDenied");

    emulator.faults().clear(); // the role is fixed
    KxChangeset done = awaitReady("denied");
    assertThat(condition(done, "Stalled")).isNull();
    assertThat(condition(done, "Reconciling")).isNull();
    assertThat(emulator.changesets(ENV, db)).hasSize(1);
    assertThat(emulator.changesetsByClientToken().get(r.getMetadata().getUid())).hasSize(1);
    awaitEvent(r, "ChangesetCreated", "Normal");
    awaitEvent(r, "ChangesetCompleted", "Normal");
    assertThat(eventReasons(r))
        .containsExactlyInAnyOrder("AccessDenied", "ChangesetCreated", "ChangesetCompleted");
  }

  @Test
  void aMissingDatabaseIsWaitedForThenUsed() {
    String db = "later" + DATABASES.incrementAndGet();
    startOperator(Map.of());
    resource("waits", db);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> conditionIs("waits", "Reconciling", "True", "DatabaseNotFound"));
    assertThat(get("waits").getStatus().getChangesetId()).isNull();

    emulator.registerDatabase(ENV, db);
    awaitReady("waits");
    assertThat(emulator.changesets(ENV, db)).hasSize(1);
  }

  @Test
  void theInProgressStatusOutsideTheModelIsMirroredAsInProgress() {
    String db = newDatabase();
    emulator.lifecycle().processing(Duration.ofSeconds(4));
    try {
      startOperator(Map.of());
      resource("slow", db);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> conditionIs("slow", "Reconciling", "True", "InProgress"));
      assertThat(get("slow").getStatus().getStatus()).isEqualTo("IN_PROGRESS");
      awaitReady("slow");
    } finally {
      emulator.lifecycle().processing(Duration.ofSeconds(1));
    }
  }

  @Test
  void aThrottlingStormConvergesWithExactlyOneChangesetPerResource() {
    String db = newDatabase();
    emulator
        .faults()
        .seed(42)
        .failureRate("ThrottlingException", 0.5)
        .failureRate("InternalServerException", 0.1);
    startOperator(Map.of("MAX_IN_FLIGHT_PER_DATABASE", "10"));
    List<KxChangeset> created = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      created.add(resource("storm-" + i, db));
    }
    for (KxChangeset r : created) {
      awaitReady(r.getMetadata().getName());
    }
    assertThat(
            emulator.counter(Operation.CREATE_KX_CHANGESET, "ThrottlingException")
                + emulator.counter(Operation.GET_KX_CHANGESET, "ThrottlingException"))
        .as("the storm really happened")
        .isPositive();
    Map<String, List<String>> byToken = emulator.changesetsByClientToken();
    for (KxChangeset r : created) {
      assertThat(byToken.get(r.getMetadata().getUid())).as(r.getMetadata().getName()).hasSize(1);
    }
    assertThat(emulator.changesets(ENV, db)).hasSize(10);
  }

  @Test
  void changesetsOfOneDatabaseRunInCreationOrderAndTheNextIsWokenAtOnce() {
    String db = newDatabase();
    emulator.lifecycle().processing(Duration.ofSeconds(3));
    try {
      // The queued one's safety re-check comes only after MAX_POLL_INTERVAL (30 s): starting
      // within a few seconds of the first one completing proves the wake-up event.
      startOperator(Map.of("MAX_POLL_INTERVAL", "30s", "POLL_INTERVAL", "300ms"));
      resource("first", db);
      await().atMost(Duration.ofSeconds(10)).until(() -> emulator.changesets(ENV, db).size() == 1);
      resource("second", db);

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> conditionIs("second", "Reconciling", "True", "Queued"));
      assertThat(condition(get("second"), "Ready").getMessage()).contains(NS + "/first");

      KxChangeset first = awaitReady("first");
      KxChangeset second = awaitReady("second");
      List<ChangesetView> held = emulator.changesets(ENV, db);
      assertThat(held).hasSize(2);
      ChangesetView secondView =
          held.stream()
              .filter(v -> v.clientToken().equals(second.getMetadata().getUid()))
              .findFirst()
              .orElseThrow();
      Instant firstDone = Instant.parse(first.getStatus().getActiveFromTimestamp());
      assertThat(secondView.createdTimestamp()).isAfterOrEqualTo(firstDone);
      assertThat(Duration.between(firstDone, secondView.createdTimestamp()))
          .isLessThan(Duration.ofSeconds(10));
    } finally {
      emulator.lifecycle().processing(Duration.ofSeconds(1));
    }
  }

  @Test
  void afterTheTokenExpiredTheChangesetIsAdoptedNotDuplicated() {
    String db = newDatabase();
    // Every create reaches FinSpace but its answer is lost: the operator never learns the id.
    emulator.faults().dropResponseNext(Operation.CREATE_KX_CHANGESET, 1000);
    startOperator(Map.of("ADOPT_AFTER", "7m"));
    KxChangeset r = resource("orphan", db);
    await().atMost(Duration.ofSeconds(20)).until(() -> emulator.changesets(ENV, db).size() == 1);
    operator.close();
    operator = null;
    assertThat(
            get("orphan").getStatus() == null || get("orphan").getStatus().getChangesetId() == null)
        .isTrue();

    emulator.faults().clear();
    // FinSpace's clock moves past the token's 10 minutes; the operator's clock does not, so the
    // operator is told that any resource without a changeset id may need adopting.
    emulator.clock().advance(Duration.ofMinutes(11));
    // The operator's own clock must see the create intent older than ADOPT_AFTER (1s) too: a
    // younger intent is resent with its token, which is right while FinSpace honours it.
    await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> true);
    startOperator(Map.of("ADOPT_AFTER", "1s"));

    KxChangeset done = awaitReady("orphan");
    assertThat(emulator.changesets(ENV, db)).hasSize(1);
    assertThat(done.getStatus().getChangesetId())
        .isEqualTo(emulator.changesets(ENV, db).get(0).changesetId());
    awaitEvent(r, "ChangesetAdopted", "Normal");
    assertThat(eventReasons(r)).doesNotContain("ChangesetCreated");
  }

  /**
   * Adoption must not take a changeset a final resource records: the final one has left the
   * informer (read back from the API server by field selector) or, where the API server cannot
   * select by status, is still in it. Either way it is in the claim set, so of the two changesets
   * with the same requests created after the orphan's intent (less the clock skew) only the
   * orphan's own is a candidate, and it is adopted rather than found ambiguous.
   */
  @Test
  void adoptionDoesNotTakeTheChangesetOfAFinalResource() {
    String db = newDatabase();
    ChangeRequest same = ChangeRequest.put("s3://kdb-staging/same/", "/same/");
    // Identical requests on purpose: this is about adoption, not about refusing a repeat of
    // history (REFUSE_REPEATED_HISTORY would refuse the second before its create).
    startOperator(Map.of("ADOPT_AFTER", "7m", "REFUSE_REPEATED_HISTORY", "false"));
    resource("claimed", db, same);
    String claimed = awaitReady("claimed").getStatus().getChangesetId();

    // The second one's create reaches FinSpace, but its answer is lost.
    emulator.faults().dropResponseNext(Operation.CREATE_KX_CHANGESET, 1000);
    resource("orphan-of-same", db, same);
    await().atMost(Duration.ofSeconds(20)).until(() -> emulator.changesets(ENV, db).size() == 2);
    operator.close();
    operator = null;
    emulator.faults().clear();
    emulator.clock().advance(Duration.ofMinutes(11));
    await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> true);
    startOperator(Map.of("ADOPT_AFTER", "1s", "REFUSE_REPEATED_HISTORY", "false"));

    KxChangeset adopted = awaitReady("orphan-of-same");
    assertThat(emulator.changesets(ENV, db))
        .extracting(ChangesetView::changesetId)
        .hasSize(2)
        .contains(claimed, adopted.getStatus().getChangesetId());
    assertThat(adopted.getStatus().getChangesetId()).isNotEqualTo(claimed);
    awaitEvent(adopted, "ChangesetAdopted", "Normal");
    assertThat(get("claimed").getStatus().getChangesetId()).isEqualTo(claimed);
  }

  /** Whether this API server selects KxChangesets by status.status (the CRD's selectableFields). */
  static boolean selectsByStatus() {
    return FinalFilter.supported(client, List.of(NS));
  }

  @Test
  void kubectlShowsThePrinterColumnsAndWaitReturns() {
    String db = newDatabase();
    startOperator(Map.of());
    resource("kubectl-sample", db);

    Cli cli = new Cli(kubeconfig.getParent().resolve("cli"), kubeconfig);
    Cli.Result wait =
        cli.kubectl(
            "wait", "-n", NS, "--for=condition=Ready", "kxcs/kubectl-sample", "--timeout=60s");
    assertThat(wait.exitCode()).as(wait.output()).isZero();

    Cli.Result get = cli.kubectl("get", "kxcs", "-n", NS, "kubectl-sample");
    assertThat(get.exitCode()).as(get.output()).isZero();
    String[] lines = get.stdout().strip().split("\n");
    assertThat(lines[0].split("\\s+"))
        .containsExactly("NAME", "DATABASE", "CHANGESET", "STATUS", "READY", "REASON", "AGE");
    KxChangeset done = get("kubectl-sample");
    assertThat(lines[1])
        .contains("kubectl-sample")
        .contains(db)
        .contains(done.getStatus().getChangesetId())
        .contains("True")
        .contains("COMPLETED")
        .contains("Completed");
  }

  @Test
  void metricsAndProbesAreServed() throws Exception {
    String db = newDatabase();
    startOperator(Map.of());
    var http = java.net.http.HttpClient.newHttpClient();
    java.util.function.Function<String, java.net.http.HttpResponse<String>> fetch =
        url -> {
          try {
            return http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    String base = "http://127.0.0.1:";
    // Two of one database: while the first runs (the emulator's 5 s), the second is queued, and
    // the database has its per-database series; once both are final it has none.
    resource("metered", db);
    resource("metered-2", db);
    String queued =
        "kxchangeset_in_flight{database=\""
            + db
            + "\",environment=\""
            + ENV
            + "\",resource_namespace=\""
            + NS
            + "\",status=\"NONE\"} 1.0";
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(fetch.apply(base + operator.metricsPort() + "/metrics").body())
                    .contains(queued));
    awaitReady("metered");
    awaitReady("metered-2");
    assertThat(fetch.apply(base + operator.healthPort() + "/healthz").statusCode()).isEqualTo(200);
    assertThat(fetch.apply(base + operator.healthPort() + "/readyz").statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String metrics = fetch.apply(base + operator.metricsPort() + "/metrics").body();
              assertThat(metrics)
                  .contains(
                      "kxchangeset_finspace_calls_seconds_count{operation=\"CreateKxChangeset\",outcome=\"success\"} ")
                  .containsPattern(
                      "kxchangeset_final_total\\{resource_namespace=\""
                          + NS
                          + "\",status=\"COMPLETED\"\\} 2")
                  .doesNotContain("database=\"" + db + "\"")
                  .containsPattern("kxchangeset_time_to_final_seconds_count [1-9]")
                  .contains("jvm_memory_used_bytes")
                  .contains("operator_sdk_")
                  .contains("kxchangeset_leader 1.0")
                  .contains("kxchangeset_oldest_in_flight_seconds 0.0");
              // Every metric the shipped alerts and Grafana dashboard query is one this operator
              // really exports (config/monitoring).
              // (kxchangeset_in_flight has series only while work is in flight: checked above.)
              for (String name : io.kxops.operator.testing.MonitoringFiles.allMetricNames()) {
                if (name.equals("kxchangeset_in_flight")) {
                  continue;
                }
                assertThat(metrics)
                    .as("config/monitoring queries %s", name)
                    .containsPattern("(?m)^" + name + "[{ ]");
              }
            });
  }

  @Test
  void onlyTheWatchedNamespacesAreReconciled() {
    String db = newDatabase();
    client
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("watched").endMetadata().build())
        .create();
    startOperator(Map.of("WATCH_NAMESPACES", "watched"));
    resource("ignored", db);
    KxChangeset inWatched = resource("counted", db);
    inWatched.getMetadata().setNamespace("watched");
    inWatched.getMetadata().setResourceVersion(null);
    inWatched.getMetadata().setUid(null);
    inWatched.getMetadata().setCreationTimestamp(null);
    KxChangeset created = client.resource(inWatched).create();

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              KxChangeset r =
                  client
                      .resources(KxChangeset.class)
                      .inNamespace("watched")
                      .withName("counted")
                      .get();
              return r.getStatus() != null && "COMPLETED".equals(r.getStatus().getStatus());
            });
    assertThat(get("ignored").getStatus()).isNull();
    assertThat(emulator.changesetsByClientToken()).containsKey(created.getMetadata().getUid());
    assertThat(emulator.changesets(ENV, db)).hasSize(1);
  }

  /**
   * With several watched namespaces (an informer each), a burst on one database across them makes
   * exactly one changeset per resource, one at a time: each create's confirmation reads the other
   * namespaces' resources of its database from the API server (selected by spec and create intent;
   * in {@link SelectableFieldsFallbackIT} and on 1.30, whole namespaces). Another database's burst
   * in the same namespaces is what a selection must leave out, and must not slow.
   */
  @Test
  void acrossSeveralWatchedNamespacesADatabaseRunsOneAtATimeWithOneChangesetEach() {
    String db = newDatabase();
    String other = newDatabase();
    List<String> namespaces = List.of(NS, "team-x", "team-y");
    for (String ns : namespaces) {
      if (client.namespaces().withName(ns).get() == null) {
        client
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
      }
    }
    startOperator(Map.of("WATCH_NAMESPACES", String.join(",", namespaces)));
    List<KxChangeset> burst = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      for (String ns : namespaces) {
        burst.add(resourceIn(ns, "burst-" + i, db));
        burst.add(resourceIn(ns, "other-" + i, other));
      }
    }

    Resources.awaitCompleted(client, burst, Duration.ofSeconds(90));
    Map<String, List<String>> byToken = emulator.changesetsByClientToken();
    assertThat(burst).allSatisfy(r -> assertThat(byToken.get(r.getMetadata().getUid())).hasSize(1));
    assertThat(emulator.changesets(ENV, db)).hasSize(2 * namespaces.size());
    assertThat(emulator.maxInFlight(ENV, db)).isEqualTo(1);
    assertThat(emulator.maxInFlight(ENV, other)).isEqualTo(1);
  }

  static KxChangeset resourceIn(String namespace, String name, String db) {
    return client.resource(Resources.staged(namespace, name, db)).create();
  }
}
