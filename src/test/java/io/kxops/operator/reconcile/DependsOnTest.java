/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.testing.Resources.ENV;
import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.Dependency;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.status.StatusMapper;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * spec.dependsOn: a dependant creates only once its dependencies are COMPLETED, holds no place in
 * the queue meanwhile, and says why it waits or stalls.
 */
class DependsOnTest extends ProtocolScenario {

  static final DatabaseRef QUOTES = new DatabaseRef("us-east-1", ENV, "quotes");

  KxChangeset res(String name, Instant created, String... dependsOn) {
    KxChangeset r = Resources.changeset(name, created);
    if (dependsOn.length > 0) {
      r.getSpec().setDependsOn(Arrays.stream(dependsOn).map(Dependency::on).toList());
    }
    return cluster.create(r);
  }

  String reason(KxChangeset r) {
    return Conditions.find(now(r).getStatus().getConditions(), Conditions.READY).getReason();
  }

  String message(KxChangeset r) {
    return Conditions.find(now(r).getStatus().getConditions(), Conditions.READY).getMessage();
  }

  boolean stalled(KxChangeset r) {
    var c = Conditions.find(now(r).getStatus().getConditions(), Conditions.STALLED);
    return c != null && Conditions.TRUE.equals(c.getStatus());
  }

  /** Names of the resources whose changesets FinSpace made, in the order it made them. */
  List<String> createdOrder() {
    return finspace.all().stream()
        .sorted(Comparator.comparing(Changeset::createdTimestamp))
        .map(c -> finspace.tokenOf(c.id()))
        .map(
            uid ->
                cluster.all().stream()
                    .filter(r -> r.getMetadata().getUid().equals(uid))
                    .findFirst()
                    .orElseThrow()
                    .getMetadata()
                    .getName())
        .toList();
  }

  void complete(Proc p, KxChangeset r) {
    finspace.setStatus(now(r).getStatus().getChangesetId(), Changeset.COMPLETED);
    Outcome o = p.reconcile(r);
    assertThat(o.wakeDatabase()).isTrue();
    p.watch.catchUp();
  }

  /** Wakes what the adapter would wake after {@code finished}, and returns their names. */
  List<String> woken(Proc p, KxChangeset finished) {
    return p.logic.toWake(now(finished)).stream().map(r -> r.getMetadata().getName()).toList();
  }

  /**
   * A same-second burst applied against its order: d3 needs d2, d2 needs d1, and the names sort d1,
   * d2, d3 only by accident. Applied in reverse, with an unrelated resource between: each dependant
   * steps aside (the ones behind it go first) and creates only after its dependency is COMPLETED.
   */
  @Test
  void aChainAppliedInReverseCompletesInDependencyOrder() {
    KxChangeset c3 = res("c3", T0, "c2");
    KxChangeset c2 = res("c2", T0, "c1");
    KxChangeset other = res("b-other", T0.plusSeconds(1));
    KxChangeset c1 = res("c1", T0.plusSeconds(2));
    Proc p = new Proc(time);
    p.reconcile(c3);
    assertThat(reason(c3)).isEqualTo(Reasons.DEPENDENCY_PENDING);
    assertThat(message(c3)).contains("kdb/c2");
    p.reconcile(c2);
    assertThat(reason(c2)).isEqualTo(Reasons.DEPENDENCY_PENDING);
    p.watch.catchUp();
    p.reconcile(other); // created before c1: its turn comes first
    assertThat(now(other).getStatus().getChangesetId()).isNotNull();
    p.reconcile(c1);
    assertThat(reason(c1)).as("c1 queues behind b-other, not behind c2 or c3").isEqualTo("Queued");
    assertThat(message(c1)).contains("kdb/b-other");

    complete(p, other);
    assertThat(woken(p, other)).containsExactly("c1");
    p.reconcile(c1);
    complete(p, c1);
    assertThat(woken(p, c1)).containsExactly("c2");
    p.reconcile(c2);
    complete(p, c2);
    assertThat(woken(p, c2)).containsExactly("c3");
    p.reconcile(c3);
    complete(p, c3);

    assertThat(createdOrder()).containsExactly("b-other", "c1", "c2", "c3");
  }

  /**
   * A waiter held by its dependency is passed before it has any status: the view shows that what it
   * waits for is not COMPLETED, so its dependency is not queued behind it.
   */
  @Test
  void aDependencyIsNotQueuedBehindItsOwnDependant() {
    KxChangeset d = res("a-dependant", T0, "z-dependency");
    KxChangeset x = res("z-dependency", T0.plusSeconds(1));
    Proc p = new Proc(time);
    p.reconcile(x);
    assertThat(now(x).getStatus().getChangesetId()).isNotNull();
    assertThat(now(d).getStatus()).isNull();
  }

  /** Without dependsOn the queue is as it was: creation order. */
  @Test
  void withoutDependsOnTheQueueKeepsCreationOrder() {
    KxChangeset a = res("a", T0);
    KxChangeset b = res("b", T0.plusSeconds(1));
    Proc p = new Proc(time);
    p.reconcile(b);
    assertThat(reason(b)).isEqualTo("Queued");
    assertThat(message(b)).contains("kdb/a");
  }

  @Test
  void aMissingDependencyWaitsAndWarnsOnceWhenItLasts() {
    KxChangeset d = res("d", T0, "x");
    Proc p = new Proc(time);
    Outcome first = p.reconcile(d);
    assertThat(reason(d)).isEqualTo(Reasons.DEPENDENCY_NOT_FOUND);
    assertThat(stalled(d)).isFalse();
    assertThat(message(d)).contains("kdb/x").contains("missing since 2026-11-28T10:00:00");
    assertThat(first.events()).isEmpty();
    assertThat(first.requeueAfter()).contains(Duration.ofSeconds(5));

    time.advance(Duration.ofMinutes(5));
    p.watch.catchUp();
    Outcome lasting = p.reconcile(d);
    assertThat(lasting.events())
        .extracting(Outcome.Event::reason)
        .containsExactly(Reasons.DEPENDENCY_NOT_FOUND);
    assertThat(lasting.events().get(0).warning()).isTrue();
    assertThat(message(d)).contains("missing since 2026-11-28T10:00:00");
    time.advance(Duration.ofMinutes(1));
    p.watch.catchUp();
    assertThat(p.reconcile(d).events()).as("one Warning per wait").isEmpty();

    KxChangeset x = res("x", T0.plusSeconds(400));
    p.watch.catchUp();
    assertThat(p.logic.dependantsOf(now(x)))
        .as("x's first reconciliation wakes d")
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("d");
    p.reconcile(d);
    assertThat(reason(d)).isEqualTo(Reasons.DEPENDENCY_PENDING);
    assertThat(finspace.calls(Operation.CREATE)).isZero();
  }

  @Test
  void aFailedDependencyStallsItsDependantsWithOneWarning() {
    KxChangeset x = res("x", T0);
    KxChangeset d = res("d", T0.plusSeconds(1), "x");
    KxChangeset e = res("e", T0.plusSeconds(2), "d");
    Proc p = new Proc(time);
    p.reconcile(x);
    finspace.setStatus(now(x).getStatus().getChangesetId(), "FAILED", "Files", "no such key");
    p.reconcile(x);
    p.watch.catchUp();
    assertThat(p.watch.onDatabase(US.key()))
        .extracting(r -> r.getMetadata().getName())
        .doesNotContain("x");
    assertThat(woken(p, x)).contains("d");

    Outcome o = p.reconcile(d);
    assertThat(reason(d)).isEqualTo(Reasons.DEPENDENCY_FAILED);
    assertThat(stalled(d)).isTrue();
    assertThat(message(d)).contains("kdb/x FAILED");
    assertThat(o.events()).singleElement().satisfies(ev -> assertThat(ev.warning()).isTrue());
    assertThat(o.events().get(0).message()).contains("kdb/x FAILED");
    p.watch.catchUp();
    assertThat(p.reconcile(d).events()).as("no Warning per look").isEmpty();

    p.reconcile(e); // d is Stalled: its own dependants stall too
    assertThat(reason(e)).isEqualTo(Reasons.DEPENDENCY_FAILED);
    assertThat(message(e)).contains("kdb/d is Stalled (DependencyFailed");
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(1);
  }

  @Test
  void aDependencyRejectedByFinSpaceStallsItsDependant() {
    KxChangeset x = res("x", T0);
    KxChangeset d = res("d", T0.plusSeconds(1), "x");
    Proc p = new Proc(time);
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ValidationException", 400));
    p.reconcile(x);
    assertThat(StatusMapper.isRejected(now(x))).isTrue();
    p.watch.catchUp();
    p.reconcile(d);
    assertThat(reason(d)).isEqualTo(Reasons.DEPENDENCY_FAILED);
    assertThat(message(d)).contains("kdb/x is Stalled (InvalidRequest");
  }

  @Test
  void aCycleIsReportedOnEveryMember() {
    KxChangeset a = res("a", T0, "b");
    KxChangeset b = res("b", T0, "c");
    KxChangeset c = res("c", T0, "a");
    KxChangeset outside = res("d", T0, "a");
    Proc p = new Proc(time);
    Outcome o = p.reconcile(a);
    assertThat(reason(a)).isEqualTo(Reasons.DEPENDENCY_CYCLE);
    assertThat(stalled(a)).isTrue();
    assertThat(message(a)).contains("a -> b -> c -> a");
    assertThat(o.events()).extracting(Outcome.Event::reason).containsExactly("DependencyCycle");
    p.reconcile(b);
    assertThat(message(b)).contains("b -> c -> a -> b");
    p.watch.catchUp();
    p.reconcile(outside);
    assertThat(reason(outside)).isEqualTo(Reasons.DEPENDENCY_FAILED);
    assertThat(finspace.calls(Operation.CREATE)).isZero();

    // The spec of a waiter can still be edited: breaking the cycle lets all of them go, in order.
    cluster.editSpec(
        c.getMetadata().getUid(),
        s -> {
          s.setDependsOn(null);
          return s;
        });
    p.watch.catchUp();
    p.reconcile(c);
    assertThat(now(c).getStatus().getChangesetId()).isNotNull();
  }

  @Test
  void aDependencyOnAnotherDatabaseStalls() {
    finspace.registerDatabase(QUOTES);
    KxChangeset q = Resources.changeset("q", T0);
    q.getSpec().setDatabaseName("quotes");
    q = cluster.create(q);
    KxChangeset d = res("d", T0.plusSeconds(1), "q");
    Proc p = new Proc(time);
    Outcome o = p.reconcile(d);
    assertThat(reason(d)).isEqualTo(Reasons.DEPENDENCY_ON_OTHER_DATABASE);
    assertThat(stalled(d)).isTrue();
    assertThat(message(d)).contains("kdb/q (database us-east-1/" + ENV + "/quotes)");
    assertThat(o.events())
        .extracting(Outcome.Event::reason)
        .containsExactly(Reasons.DEPENDENCY_ON_OTHER_DATABASE);
    assertThat(finspace.calls(Operation.CREATE)).isZero();
  }

  /**
   * The dependency COMPLETED long ago and left the view: it is read by name (from the API server),
   * and the dependant goes ahead.
   */
  @Test
  void aCompletedDependencyThatLeftTheViewIsFoundByName() {
    KxChangeset x = res("x", T0);
    Proc p = new Proc(time);
    p.reconcile(x);
    complete(p, x);
    assertThat(p.watch.onDatabase(US.key())).isEmpty();
    KxChangeset d = res("d", T0.plusSeconds(60), "x");
    p.watch.catchUp();
    p.reconcile(d);
    assertThat(now(d).getStatus().getChangesetId()).isNotNull();
  }

  /**
   * A dependant that was Stalled on its dependency for longer than QUEUE_YIELD_AFTER is not "stuck"
   * once the dependency is done: the wait was not a failure to create, and it takes its turn in
   * creation order before a resource created after it.
   */
  @Test
  void aWaitForADependencyCostsNoTurnInTheQueue() {
    limit = 2;
    KxChangeset a1 = res("a1", T0);
    KxChangeset a2 = res("a2", T0);
    KxChangeset x = res("x", T0.minusSeconds(1));
    KxChangeset d = res("d", T0.plusSeconds(2), "x");
    KxChangeset later = res("later", T0.plusSeconds(3));
    Proc p = new Proc(time);
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ValidationException", 400));
    p.reconcile(x);
    assertThat(StatusMapper.isRejected(now(x))).isTrue();
    p.watch.catchUp();
    p.reconcile(a1);
    p.watch.catchUp();
    p.reconcile(a2);
    p.watch.catchUp();
    p.reconcile(d);
    assertThat(reason(d)).isEqualTo(Reasons.DEPENDENCY_FAILED);
    time.advance(Duration.ofMinutes(10));
    // x is done after all (here: its changeset recorded as a person's import would).
    var cs = finspace.inject(US, now(x).getSpec().getChangeRequests(), time.instant());
    finspace.setStatus(cs.id(), Changeset.COMPLETED);
    cluster.writeStatus(
        now(x),
        StatusMapper.mirror(now(x), "us-east-1", finspace.get(US, cs.id()), time.instant()));
    p.watch.catchUp();
    p.reconcile(d);
    assertThat(reason(d)).as("a1 and a2 still run").isEqualTo("Queued");
    assertThat(stalled(d)).isFalse();
    assertThat(DatabaseQueue.stuck(now(d), time.instant(), ChangesetLogic.QUEUE_YIELD_AFTER))
        .as("ten minutes Stalled on its dependency are not ten minutes unable to create")
        .isFalse();
    p.watch.catchUp();
    p.reconcile(later);
    assertThat(message(later)).contains("kdb/d");
    complete(p, a1);
    assertThat(woken(p, a1)).containsExactly("d", "later");
  }

  /** The queue's own judgement of a dependant it has not reconciled: only what the view shows. */
  @Test
  void aDependantWhoseDependenciesLeftTheViewTakesItsTurnAgain() {
    KxChangeset d = Resources.changeset("d", T0);
    d.getSpec().setDependsOn(List.of(Dependency.on("x")));
    KxChangeset x = Resources.changeset("x", T0);
    assertThat(Dependencies.held(d, List.of(d, x))).isTrue();
    assertThat(Dependencies.held(d, List.of(d))).as("x final, or gone").isFalse();
    d.setStatus(
        StatusMapper.dependencyBlocked(d, "us-east-1", Reasons.DEPENDENCY_PENDING, "m", false, T0));
    assertThat(Dependencies.held(d, List.of(d))).isFalse();
    d.setStatus(
        StatusMapper.dependencyBlocked(d, "us-east-1", Reasons.DEPENDENCY_FAILED, "m", true, T0));
    assertThat(Dependencies.held(d, List.of(d))).isTrue();
    d.getMetadata().setGeneration(2L);
    assertThat(Dependencies.held(d, List.of(d))).as("an edit is looked at again").isFalse();
  }

  /** An import never creates: its dependsOn (kept from the manifest that created it) is unused. */
  @Test
  void anImportIgnoresDependsOn() {
    var cs = finspace.inject(US, Resources.changeset("i", T0).getSpec().getChangeRequests(), T0);
    KxChangeset i = Resources.changeset("i", T0);
    i.getSpec().setChangesetId(cs.id());
    i.getSpec().setDependsOn(List.of(Dependency.on("missing")));
    i = cluster.create(i);
    Proc p = new Proc(time);
    p.reconcile(i);
    assertThat(now(i).getStatus().getChangesetId()).isEqualTo(cs.id());
  }
}
