/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.ChangesetView;
import io.kxops.emulator.FailureRule;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.Dependency;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.status.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * spec.dependsOn end to end: a real API server, the operator, and the FinSpace emulator over the
 * real AWS SDK. Two changesets may run on a database at once, so only dependsOn keeps a chain in
 * order; the emulator's records prove when each changeset was created and completed.
 */
class DependsOnIT {

  static final String NS = "deps";
  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final AtomicInteger DATABASES = new AtomicInteger();

  @AutoClose static ClusterFixture cluster;
  static KubernetesClient client;
  static FinSpaceEmulator emulator;

  @BeforeAll
  static void start() {
    cluster =
        ClusterFixture.withNamespaces(NS)
            .emulator(e -> e.pending(Duration.ofMillis(300)).processing(Duration.ofMillis(700)))
            .operator(Map.of("WATCH_NAMESPACES", NS, "MAX_IN_FLIGHT_PER_DATABASE", "2"))
            .start();
    client = cluster.client();
    emulator = cluster.emulator();
  }

  static String newDatabase() {
    String db = "deps" + DATABASES.incrementAndGet();
    emulator.registerDatabase(ENV, db);
    return db;
  }

  static KxChangeset apply(String name, String db, String... dependsOn) {
    return applyFrom(name, db, "s3://kdb-staging/" + db + "/" + name + "/", dependsOn);
  }

  static KxChangeset applyFrom(String name, String db, String s3Path, String... dependsOn) {
    KxChangeset r = new KxChangeset();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(NS);
    KxChangesetSpec spec =
        new KxChangesetSpec(ENV, db, null, List.of(ChangeRequest.put(s3Path, "/" + name + "/")));
    if (dependsOn.length > 0) {
      spec.setDependsOn(Arrays.stream(dependsOn).map(Dependency::on).toList());
    }
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

  static boolean stalledWith(String name, String reason) {
    Condition c = condition(name, "Stalled");
    return c != null && "True".equals(c.getStatus()) && reason.equals(c.getReason());
  }

  static List<Event> events(KxChangeset r) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> r.getMetadata().getUid().equals(e.getInvolvedObject().getUid()))
        .toList();
  }

  /** The emulator's changeset made for {@code r} (its uid is the client token). */
  static ChangesetView changesetOf(String db, KxChangeset r) {
    return emulator.changesets(ENV, db).stream()
        .filter(c -> r.getMetadata().getUid().equals(c.clientToken()))
        .findFirst()
        .orElseThrow();
  }

  /**
   * A burst in one second, in name order, where each one needs the next: load-a after load-b after
   * load-c after load-d. Creation order and name order both say a first, and two may run at once;
   * dependsOn alone puts them in the order d, c, b, a, each created only once the one before it
   * COMPLETED. An unrelated resource in the burst is not held up by them.
   */
  @Test
  void aBurstAgainstItsOrderCompletesInDependencyOrder() {
    String db = newDatabase();
    KxChangeset a = apply("load-a", db, "load-b");
    KxChangeset b = apply("load-b", db, "load-c");
    KxChangeset c = apply("load-c", db, "load-d");
    KxChangeset d = apply("load-d", db);
    KxChangeset free = apply("load-free", db);
    List<KxChangeset> chain = List.of(d, c, b, a);

    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                chain.stream()
                    .allMatch(
                        r ->
                            "COMPLETED"
                                .equals(get(r.getMetadata().getName()).getStatus().getStatus())));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "COMPLETED".equals(get("load-free").getStatus().getStatus()));

    List<ChangesetView> made = chain.stream().map(r -> changesetOf(db, r)).toList();
    assertThat(emulator.changesets(ENV, db)).hasSize(5);
    for (int i = 1; i < made.size(); i++) {
      ChangesetView before = made.get(i - 1);
      ChangesetView after = made.get(i);
      assertThat(after.createdTimestamp())
          .as(
              "%s created after %s COMPLETED",
              chain.get(i).getMetadata().getName(), chain.get(i - 1).getMetadata().getName())
          .isAfterOrEqualTo(before.lastModifiedTimestamp());
    }
    assertThat(
            emulator.changesets(ENV, db).stream()
                .sorted(Comparator.comparing(ChangesetView::createdTimestamp))
                .filter(cs -> !cs.clientToken().equals(free.getMetadata().getUid()))
                .map(ChangesetView::changesetId)
                .toList())
        .containsExactlyElementsOf(made.stream().map(ChangesetView::changesetId).toList());
    // Two may run at once: the unrelated one ran beside the chain, not after all of it.
    assertThat(changesetOf(db, free).createdTimestamp())
        .isBefore(changesetOf(db, a).createdTimestamp());
  }

  @Test
  void aFailedDependencyStallsItsDependantsWithTheReason() {
    String db = newDatabase();
    emulator
        .lifecycle()
        .addFailureRule(
            FailureRule.s3Path("s3://kdb-staging/" + db + "/broken*")
                .inDatabase(ENV, db)
                .withErrorType("One or more inputs to this request were not found.")
                .withErrorMessage("s3://kdb-staging/broken/ does not exist"));
    applyFrom("base", db, "s3://kdb-staging/" + db + "/broken/");
    KxChangeset next = apply("next", db, "base");
    apply("after-next", db, "next");

    await().atMost(Duration.ofSeconds(60)).until(() -> stalledWith("next", "DependencyFailed"));
    assertThat(condition("next", "Stalled").getMessage()).contains("deps/base FAILED");
    assertThat(condition("next", "Ready").getStatus()).isEqualTo("False");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stalledWith("after-next", "DependencyFailed"));
    assertThat(condition("after-next", "Stalled").getMessage()).contains("deps/next is Stalled");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(events(next))
                    .filteredOn(e -> "DependencyFailed".equals(e.getReason()))
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getMessage()).contains("deps/base FAILED");
                        }));
    assertThat(emulator.changesets(ENV, db)).as("only base was created").hasSize(1);
  }

  @Test
  void aCycleAndAReferenceToAnotherDatabaseAreReported() {
    String db = newDatabase();
    String other = newDatabase();
    apply("ring-a", db, "ring-b");
    apply("ring-b", db, "ring-a");
    apply("elsewhere", other);
    apply("crosses", db, "elsewhere");

    await().atMost(Duration.ofSeconds(30)).until(() -> stalledWith("ring-a", "DependencyCycle"));
    await().atMost(Duration.ofSeconds(30)).until(() -> stalledWith("ring-b", "DependencyCycle"));
    assertThat(condition("ring-a", "Stalled").getMessage()).contains("ring-a -> ring-b -> ring-a");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stalledWith("crosses", "DependencyOnOtherDatabase"));
    assertThat(condition("crosses", "Stalled").getMessage())
        .contains("deps/elsewhere (database us-east-1/" + ENV + "/" + other + ")");
    assertThat(emulator.changesets(ENV, db)).isEmpty();
  }

  /**
   * Applied before its dependency: it waits (DependencyNotFound), and the dependency's arrival
   * wakes it; it is created only once the dependency COMPLETED.
   */
  @Test
  void aDependantAppliedBeforeItsDependencyWaitsForIt() {
    String db = newDatabase();
    KxChangeset early = apply("early", db, "late");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              Condition c = condition("early", "Ready");
              return c != null && "DependencyNotFound".equals(c.getReason());
            });
    assertThat(condition("early", "Stalled")).isNull();
    KxChangeset late = apply("late", db);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "COMPLETED".equals(get("early").getStatus().getStatus()));
    Instant lateDone = changesetOf(db, late).lastModifiedTimestamp();
    assertThat(changesetOf(db, early).createdTimestamp()).isAfterOrEqualTo(lateDone);
  }
}
