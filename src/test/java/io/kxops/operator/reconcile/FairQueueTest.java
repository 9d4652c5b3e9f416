/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.testing.Resources.DB;
import static io.kxops.operator.testing.Resources.ENV;
import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.CallFailure;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fair queue: a waiter that cannot create gives its turn after QUEUE_YIELD_AFTER, never while
 * it holds a create intent, and no status names another namespace's resources.
 */
class FairQueueTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef TRADES = new DatabaseRef("us-east-1", ENV, DB);
  static final Duration BOUND = Duration.ofSeconds(30);

  MutableClock clock;
  FakeFinSpace finspace;
  List<KxChangeset> cluster;
  ChangesetLogic logic;
  int maxInFlight = 1;

  @BeforeEach
  void setUp() {
    clock = new MutableClock(T0);
    finspace = new FakeFinSpace(clock);
    finspace.registerDatabase(TRADES);
    cluster = new ArrayList<>();
    logic = newLogic();
  }

  final StatusStore store =
      (r, next) -> {
        r.setStatus(next);
        return r;
      };

  ChangesetLogic newLogic() {
    ClusterView view =
        new ClusterView() {
          @Override
          public List<KxChangeset> onDatabase(String key) {
            return cluster.stream()
                .filter(r -> logic.targetOf(r).key().equals(key))
                .collect(Collectors.toList());
          }

          @Override
          public java.util.Optional<KxChangeset> named(String namespace, String name) {
            return cluster.stream()
                .filter(r -> namespace.equals(r.getMetadata().getNamespace()))
                .filter(r -> name.equals(r.getMetadata().getName()))
                .findFirst();
          }

          @Override
          public boolean awaitSeen(KxChangeset written, Duration timeout) {
            return true;
          }
        };
    return new ChangesetLogic(
        finspace,
        view,
        clock,
        new ChangesetLogic.Settings(
            "us-east-1",
            maxInFlight,
            Duration.ofMinutes(7),
            Duration.ofMinutes(10),
            ChangesetLogic.CONFIRM_TIMEOUT,
            BOUND),
        new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5));
  }

  KxChangeset add(String namespace, String name, Instant created) {
    KxChangeset r = Resources.changeset(name, created);
    r.getMetadata().setNamespace(namespace);
    cluster.add(r);
    return r;
  }

  Outcome step(KxChangeset r) {
    try {
      return logic.reconcile(r, store);
    } catch (ReconcileFailure e) {
      return logic.failed(e.latest(), e.failure(), store);
    }
  }

  /** One reconciliation of {@code r} whose create FinSpace answers with a 404 (nothing made). */
  Outcome stepNotFound(KxChangeset r) {
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ResourceNotFoundException", 404));
    return step(r);
  }

  static Condition condition(KxChangeset r, String type) {
    return Conditions.find(r.getStatus().getConditions(), type);
  }

  static String ready(KxChangeset r) {
    return condition(r, Conditions.READY).getReason();
  }

  @Test
  void aWaiterWhoseCreatesKeepFailingGivesItsTurnAfterTheBound() {
    KxChangeset a = add("team-a", "a-first", T0);
    KxChangeset b = add("team-b", "b-second", T0.plusSeconds(1));

    stepNotFound(a);
    assertThat(a.getStatus().getCreateIntent()).as("404 proves nothing was made").isNull();
    assertThat(a.getStatus().getFailure().getSince()).isEqualTo("2026-11-28T10:00:00Z");
    Outcome queued = step(b);
    assertThat(ready(b)).isEqualTo("Queued");
    // B need not wait for an event: it looks again when A's failure reaches the bound.
    assertThat(queued.requeueAfter()).contains(BOUND.plusMillis(100));

    clock.advance(BOUND.minusSeconds(1));
    stepNotFound(a); // each attempt writes a fresh intent; the failure's start stays
    assertThat(a.getStatus().getFailure().getSince()).isEqualTo("2026-11-28T10:00:00Z");
    step(b);
    assertThat(ready(b)).as("not before the bound").isEqualTo("Queued");
    assertThat(b.getStatus().getChangesetId()).isNull();

    clock.advance(Duration.ofSeconds(1));
    step(b);
    assertThat(b.getStatus().getChangesetId()).as("B goes once A failed for the bound").isNotNull();

    // A, reconciled again, waits behind B and says why; it keeps its failure record, so it does not
    // take its place back.
    Outcome aQueued = step(a);
    assertThat(ready(a)).isEqualTo("Queued");
    assertThat(condition(a, Conditions.READY).getMessage())
        .contains("unable to create since 2026-11-28T10:00:00Z (DatabaseNotFound)")
        .contains("QUEUE_YIELD_AFTER")
        .contains("gave its turn");
    assertThat(a.getStatus().getFailure().getReason()).isEqualTo("DatabaseNotFound");
    assertThat(aQueued.requeueAfter()).contains(Duration.ofSeconds(60));
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(3);

    // B done: A is next and tries again.
    finspace.setStatus(b.getStatus().getChangesetId(), Changeset.COMPLETED);
    assertThat(step(b).wakeDatabase()).isTrue();
    assertThat(logic.toWake(b)).containsExactly(a);
    step(a);
    assertThat(a.getStatus().getChangesetId()).isNotNull();
    assertThat(a.getStatus().getFailure()).as("a create that succeeds ends the failure").isNull();
  }

  @Test
  void aStuckWaiterGoesBehindEveryWaiterThatCanCreateAndKeepsItsOrderAmongStuckOnes() {
    KxChangeset a = add("team-a", "a1", T0);
    KxChangeset a2 = add("team-a", "a2", T0.plusSeconds(1));
    KxChangeset b = add("team-b", "b1", T0.plusSeconds(2));
    KxChangeset c = add("team-c", "c1", T0.plusSeconds(3));
    stepNotFound(a);
    clock.advance(BOUND);
    stepNotFound(a2); // a1 gave its turn to a2, which fails as well
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(2);
    clock.advance(BOUND);

    Instant now = clock.instant();
    List<String> order =
        cluster.stream()
            .sorted(DatabaseQueue.turnOrder(now, BOUND))
            .map(r -> r.getMetadata().getName())
            .toList();
    assertThat(order).containsExactly("b1", "c1", "a1", "a2");
    KxChangeset finished = Resources.changeset("done", T0.minusSeconds(9)); // not in the cluster
    assertThat(logic.toWake(finished)).containsExactly(b);

    step(c);
    assertThat(ready(c)).as("b is still ahead of c").isEqualTo("Queued");
    assertThat(condition(c, Conditions.READY).getMessage()).doesNotContain("gave its turn");
    step(b);
    assertThat(b.getStatus().getChangesetId()).isNotNull();
    step(c);
    assertThat(c.getStatus().getChangesetId()).as("at most one in flight").isNull();
  }

  @Test
  void aWaiterHoldingACreateIntentIsNeverSkipped() {
    KxChangeset a = add("team-a", "a-first", T0);
    KxChangeset b = add("team-b", "b-second", T0.plusSeconds(1));
    // Throttled, then an answer lost: A's create may have reached FinSpace, so A keeps its intent
    // and its slot however long it fails.
    for (int i = 0; i < 5; i++) {
      finspace.failNext(
          Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ThrottlingException", 429));
      step(a);
      assertThat(a.getStatus().getCreateIntent()).isNotNull();
      clock.advance(BOUND);
      step(b);
      assertThat(ready(b)).isEqualTo("Queued");
      assertThat(b.getStatus().getCreateIntent()).isNull();
    }
    assertThat(DatabaseQueue.stuck(a, clock.instant(), BOUND)).isFalse();
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(5);
  }

  @Test
  void anAccessDeniedStallWithAnIntentKeepsTheSlot() {
    KxChangeset a = add("team-a", "a-first", T0);
    KxChangeset b = add("team-b", "b-second", T0.plusSeconds(1));
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "AccessDeniedException", 403));
    step(a);
    clock.advance(Duration.ofMinutes(11));
    finspace.failNext(
        Operation.LIST, FinSpaceErrors.of(Operation.LIST, "AccessDeniedException", 403));
    step(a);
    assertThat(condition(a, Conditions.STALLED).getReason()).isEqualTo("AccessDenied");
    assertThat(a.getStatus().getCreateIntent()).isNotNull();
    step(b);
    assertThat(ready(b)).isEqualTo("Queued");
    assertThat(b.getStatus().getChangesetId()).isNull();
  }

  @Test
  void aStalledWaiterGivesItsTurnAfterTheBoundAndStaysBehind() {
    KxChangeset a = add("team-a", "a-first", T0);
    KxChangeset b = add("team-b", "b-second", T0.plusSeconds(1));
    // Stalled without an intent, for a reason this operator does not act on (an access policy's
    // Forbidden, say): nothing was sent.
    KxChangesetStatus stalled = new KxChangesetStatus();
    stalled.setConditions(
        Conditions.from(null, 1, T0).stalled("Forbidden", "outside the policy").build());
    a.setStatus(stalled);

    step(b);
    assertThat(ready(b)).isEqualTo("Queued");
    clock.advance(BOUND);
    step(b);
    assertThat(b.getStatus().getChangesetId()).isNotNull();

    step(a);
    assertThat(ready(a)).isEqualTo("Queued");
    assertThat(a.getStatus().getFailure())
        .as("the Stalled time becomes the failure record, so A stays behind")
        .isEqualTo(new CallFailure("Forbidden", "2026-11-28T10:00:00Z"));
    assertThat(DatabaseQueue.stuck(a, clock.instant(), BOUND)).isTrue();
  }

  @Test
  void noStatusNamesAnotherNamespacesResourceOrItsChangeset() {
    KxChangeset a = add("team-a", "secret-load", T0);
    KxChangeset b = add("team-b", "b-load", T0.plusSeconds(1));
    KxChangeset b2 = add("team-b", "b-later", T0.plusSeconds(2));
    step(a);
    String id = a.getStatus().getChangesetId();
    assertThat(id).isNotNull();

    step(b);
    step(b2);
    for (KxChangeset r : List.of(b, b2)) {
      String written = io.fabric8.kubernetes.client.utils.Serialization.asJson(r.getStatus());
      assertThat(written).doesNotContain("secret-load", "team-a", id);
    }
    assertThat(condition(b, Conditions.READY).getMessage())
        .isEqualTo(
            "waiting for a KxChangeset of another namespace on database " + TRADES + " to finish");
    // Its own namespace's are named, with their changeset.
    assertThat(condition(b2, Conditions.READY).getMessage()).contains("team-b/b-load");
  }
}
