/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.testing.FakeCluster;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Adversarial review of the wave that landed issue-17-memory, issue-18, issue-19-runtime and
 * issue-19-fair: interleavings that try to break "one KxChangeset makes exactly one FinSpace
 * changeset" and "at most N changesets run on a database at once, in order".
 */
class ReviewWaveTest extends ProtocolScenario {

  /**
   * The access check before a resumed create reads the region from the spec, defaulting to the
   * operator's region now, but the create goes where the intent points: a spec without a region
   * meant the operator's region when the intent was recorded. After a restart with another
   * AWS_REGION and an ALLOWED_REGIONS that excludes the old one, the check passes (it checks the
   * new region) and the resume sends CreateKxChangeset to the old, no longer allowed region.
   */
  @Test
  void aResumedCreateIsCheckedAgainstTheRegionItsIntentTargets() {
    KxChangeset a = add("a", T0); // no spec.region: the operator's region, us-east-1
    Proc before = new Proc(time);
    finspace.failNext(Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0));
    before.reconcile(a); // intent for us-east-1; the create never reached FinSpace
    assertThat(now(a).getStatus().getCreateIntent().getRegion()).isEqualTo("us-east-1");
    long createsBefore = finspace.calls(Operation.CREATE);

    // Restarted with AWS_REGION=eu-west-1 and ALLOWED_REGIONS=eu-west-1.
    ChangesetLogic[] self = new ChangesetLogic[1];
    FakeCluster.Process watch = cluster.process(r -> self[0].targetOf(r).key());
    ChangesetLogic after =
        self[0] =
            new ChangesetLogic(
                finspace,
                watch,
                time,
                new ChangesetLogic.Settings(
                    "eu-west-1",
                    limit,
                    adoptAfter,
                    Duration.ofMinutes(10),
                    ChangesetLogic.CONFIRM_TIMEOUT),
                new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5),
                AccessPolicies.NONE,
                new AccessCheck.Rules("finspace-access", false, Set.of("eu-west-1")));
    time.advance(Duration.ofSeconds(30)); // the token is still fresh: a resend
    try {
      after.reconcile(watch.cached(a.getMetadata().getUid()), watch);
    } catch (ReconcileFailure e) {
      after.failed(e.latest(), e.failure(), watch);
    }

    assertThat(finspace.calls(Operation.CREATE) - createsBefore)
        .as("nothing is sent to us-east-1, which ALLOWED_REGIONS no longer allows")
        .isZero();
    var stalled = Conditions.find(now(a).getStatus().getConditions(), Conditions.STALLED);
    assertThat(stalled).isNotNull();
    assertThat(stalled.getReason()).isEqualTo(Reasons.FORBIDDEN);
  }

  /**
   * A waiter whose create FinSpace rejected (Stalled InvalidRequest) and whose spec a person has
   * just fixed (a new generation) can create again, and it was Stalled for less than
   * QUEUE_YIELD_AFTER: it is not stuck, so no later waiter may pass it. But DatabaseQueue.waiting
   * leaves it out while its Stalled condition still names InvalidRequest (stalledForGood ignores
   * the generation, unlike isRejected): a later waiter woken before the fixed one is reconciled
   * again is admitted ahead of it.
   */
  @Test
  void aFixedRejectedWaiterIsNotPassedBeforeItIsReconciledAgain() {
    KxChangeset r = add("r", T0);
    Proc p = new Proc(time);
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ValidationException", 400));
    p.reconcile(r); // rejected: Stalled InvalidRequest, the intent withdrawn, the slot freed
    var rejected = Conditions.find(now(r).getStatus().getConditions(), Conditions.STALLED);
    assertThat(rejected.getReason()).isEqualTo("InvalidRequest");
    KxChangeset x = add("x", T0.plusSeconds(1));
    p.watch.catchUp();
    p.reconcile(x); // x takes the slot
    KxChangeset b = add("b", T0.plusSeconds(2));
    p.watch.catchUp();
    p.reconcile(b); // b queues behind x
    assertThat(now(b).getStatus().getCreateIntent()).isNull();
    time.advance(Duration.ofSeconds(30));
    // A person fixes r's spec: generation 2, r may create again (30 s < QUEUE_YIELD_AFTER).
    assertThat(
            cluster.editSpec(
                r.getMetadata().getUid(),
                s -> {
                  s.setChangeRequests(List.of(ChangeRequest.put("s3://bucket/db/fixed/", "/f/")));
                  return s;
                }))
        .isTrue();
    finspace.setStatus(now(x).getStatus().getChangesetId(), Changeset.COMPLETED);
    p.watch.catchUp();
    p.reconcile(x); // x final: the queue wakes the next waiter
    p.watch.catchUp();
    // The queue wakes b, not r (DatabaseQueue.next leaves r out); b is reconciled before r.
    List<String> woken =
        p.logic.toWake(now(x)).stream().map(o -> o.getMetadata().getName()).toList();

    p.reconcile(b);

    assertThat(now(b).getStatus().getCreateIntent())
        .as(
            "b must not be admitted ahead of r, which came first and is not stuck (woken: %s)",
            woken)
        .isNull();
  }

  /**
   * "A waiter that has been unable to create for QUEUE_YIELD_AFTER is stuck", and "the failure
   * record stays ... so a stuck resource does not take its place back". But the Forbidden status
   * drops the failure record and starts a new Stalled condition: a waiter whose creates have failed
   * (DatabaseNotFound) for six minutes, and whose namespace's policy then stops allowing its
   * database, is no longer stuck and holds the later waiter of another namespace for another
   * QUEUE_YIELD_AFTER, though it has been unable to create all along.
   */
  @Test
  void aStuckWaiterThatBecomesForbiddenDoesNotTakeItsPlaceBack() {
    KxChangeset a = add("a", T0);
    KxChangeset kb = Resources.changeset("b", T0.plusSeconds(1));
    kb.getMetadata().setNamespace("team-b");
    KxChangeset b = cluster.create(kb);
    java.util.Map<String, io.kxops.operator.api.v1alpha1.KxAccessPolicy> policies =
        new java.util.HashMap<>();
    ChangesetLogic[] self = new ChangesetLogic[1];
    FakeCluster.Process watch = cluster.process(r -> self[0].targetOf(r).key());
    ChangesetLogic logic =
        self[0] =
            new ChangesetLogic(
                finspace,
                watch,
                time,
                new ChangesetLogic.Settings(
                    "us-east-1",
                    1,
                    adoptAfter,
                    Duration.ofMinutes(10),
                    ChangesetLogic.CONFIRM_TIMEOUT),
                new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5),
                policies::get,
                AccessCheck.Rules.OPEN);
    java.util.function.Consumer<KxChangeset> reconcile =
        r -> {
          watch.catchUp();
          try {
            logic.reconcile(watch.cached(r.getMetadata().getUid()), watch);
          } catch (ReconcileFailure e) {
            logic.failed(e.latest(), e.failure(), watch);
          }
        };
    // a's creates fail: the database does not exist (yet) in FinSpace's answer.
    for (int i = 0; i < 12; i++) {
      finspace.failNext(
          Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ResourceNotFoundException", 404));
      reconcile.accept(a);
      reconcile.accept(b);
      assertThat(now(b).getStatus().getCreateIntent()).as("b waits behind a at first").isNull();
      time.advance(Duration.ofSeconds(20));
    }
    // Four minutes of DatabaseNotFound. Now a's namespace's policy no longer allows trades.
    policies.put("kdb", AccessGateTest.policy(List.of("quotes"), null));
    reconcile.accept(a);
    assertThat(Conditions.find(now(a).getStatus().getConditions(), Conditions.STALLED).getReason())
        .isEqualTo(Reasons.FORBIDDEN);
    time.advance(Duration.ofMinutes(2)); // a unable to create for six minutes in all

    reconcile.accept(b);

    assertThat(now(b).getStatus().getChangesetId())
        .as("b passes a, unable to create since %s (now %s)", T0, time.instant())
        .isNotNull();
  }

  /**
   * Issue 18 keeps the conditions when an intent is recorded after a failure that never stalls
   * (DatabaseNotFound), so Ready does not flap. But when the resource queued in between, the kept
   * conditions say "Queued: waiting for ... to finish" while it holds a create intent and its
   * create is on its way (kubectl shows QUEUED for a resource that is in flight).
   */
  @Test
  void aRecordedIntentIsNeverShownAsQueued() {
    KxChangeset a = add("a", T0);
    Proc p = new Proc(time);
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ResourceNotFoundException", 404));
    p.reconcile(a); // DatabaseNotFound: the intent withdrawn, the failure recorded
    time.advance(ChangesetLogic.QUEUE_YIELD_AFTER.plusSeconds(1)); // a is stuck
    KxChangeset y = add("y", time.instant());
    p.watch.catchUp();
    p.reconcile(y); // y passes the stuck a and takes the slot
    assertThat(now(y).getStatus().getChangesetId()).isNotNull();
    p.reconcile(a); // a queues behind y, its failure record kept
    assertThat(Conditions.find(now(a).getStatus().getConditions(), Conditions.READY).getReason())
        .isEqualTo(Reasons.QUEUED);
    finspace.setStatus(now(y).getStatus().getChangesetId(), Changeset.COMPLETED);
    p.reconcile(y);
    p.watch.catchUp();
    io.kxops.operator.api.v1alpha1.KxChangesetStatus[] recorded = {null};
    p.afterWrite = s -> recorded[0] = s; // the next write: a's create intent
    p.reconcile(a);

    assertThat(recorded[0].getCreateIntent()).isNotNull();
    var ready = Conditions.find(recorded[0].getConditions(), Conditions.READY);
    assertThat(ready.getReason())
        .as("Ready while the create intent is recorded: %s", ready.getMessage())
        .isNotEqualTo(Reasons.QUEUED);
  }

  /**
   * Adoption's claim set reads final resources with a fieldSelector on spec.environmentId and
   * spec.databaseName (FinalFilter.finalOn), but a resource's database is its create intent's
   * target. On an API server without the CEL rule (the case SpecChanged exists for), b's spec is
   * edited after b made its changeset; b completes and leaves the cache; its changeset is then
   * claimed by nobody the operator can see, and a, whose create never reached FinSpace, adopts it:
   * a makes no changeset of its own, and one changeset is recorded by two resources. Fixed: the
   * claim set also selects by the intent's target (status.createIntent, selectable); FakeCluster
   * evaluates FinalFilter's own selectors.
   */
  @Test
  void adoptionSeesTheChangesetOfAFinalResourceWhoseSpecNoLongerNamesItsDatabase() {
    limit = 2;
    KxChangeset a = add("a", T0);
    Proc p = new Proc(time);
    finspace.failNext(Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0));
    p.reconcile(a); // a's intent; its create never reached FinSpace
    KxChangeset b =
        add("b", T0.plusSeconds(1), a.getSpec().getChangeRequests().toArray(new ChangeRequest[0]));
    p.watch.catchUp();
    p.reconcile(b);
    String bs = now(b).getStatus().getChangesetId();
    assertThat(bs).isNotNull();
    // An API server without the CEL rule stores an edit of b's database name.
    cluster.freezeSpec = false;
    assertThat(
            cluster.editSpec(
                b.getMetadata().getUid(),
                s -> {
                  s.setDatabaseName("renamed");
                  return s;
                }))
        .isTrue();
    finspace.setStatus(bs, Changeset.COMPLETED);
    p.watch.catchUp();
    p.reconcile(b); // polled where its intent points: COMPLETED, and it leaves the view
    p.watch.catchUp();
    assertThat(now(b).getStatus().getStatus()).isEqualTo(Changeset.COMPLETED);

    time.advance(Duration.ofMinutes(9).plusSeconds(30));
    p.reconcile(a);

    String as = now(a).getStatus().getChangesetId();
    assertThat(as).as("a's own changeset, not the one b records").isNotEqualTo(bs);
  }

  /**
   * Fairness (README: "one resource that cannot create (another team's, say) holds the others for
   * at most the bound"). Team a's KxAccessPolicy names a role STS refuses: its first create attempt
   * fails with RoleNotAssumed before anything reaches FinSpace (README's table says so), yet the
   * create intent is kept (the failure does not prove nothing was created, since a resend could
   * follow an earlier attempt that did). So a holds the database's slot for as long as its role is
   * broken, and team b's changeset on the same database waits past QUEUE_YIELD_AFTER. Not a breach
   * of the limit; a gap between the fairness bound and the intent rule, for the first attempt at
   * least (nothing was ever sent with that intent's token). Fixed: SdkFinSpace marks a call none of
   * whose attempts was transmitted, and a first attempt so marked withdraws the intent.
   */
  @Test
  void aFirstCreateWhoseRoleStsRefusesHoldsOtherNamespacesPastTheYieldBound() {
    KxChangeset ka = Resources.changeset("a", T0);
    ka.getMetadata().setNamespace("team-a");
    KxChangeset a = cluster.create(ka);
    KxChangeset kb = Resources.changeset("b", T0.plusSeconds(1));
    kb.getMetadata().setNamespace("team-b");
    KxChangeset b = cluster.create(kb);
    Proc p = new Proc(time);
    finspace.refuseCreatesWith(
        a.getMetadata().getUid(), FinSpaceErrors.notSent(Operation.CREATE, "RoleNotAssumed"));
    Duration bound = ChangesetLogic.QUEUE_YIELD_AFTER;
    for (Duration t = Duration.ZERO;
        t.compareTo(bound.plusMinutes(1)) <= 0;
        t = t.plusSeconds(30)) {
      p.watch.catchUp();
      p.reconcile(a); // every attempt: STS refuses a's role
      p.watch.catchUp();
      p.reconcile(b);
      time.advance(Duration.ofSeconds(30));
    }
    assertThat(finspace.createdWith(a.getMetadata().getUid()))
        .as("nothing of a's ever reached FinSpace")
        .isZero();
    var ready = Conditions.find(now(b).getStatus().getConditions(), Conditions.READY);
    assertThat(now(b).getStatus().getChangesetId())
        .as(
            "b, of another namespace, is created once a has been unable to create for %s (b: %s,"
                + " %s)",
            bound, ready.getReason(), ready.getMessage())
        .isNotNull();
  }

  /**
   * The same for a role that may read the database but not create on it: FinSpace answers the
   * create's only transmitted attempt with AccessDenied. It refused before acting, so nothing was
   * made with a's token; a keeping its intent (the slot) for as long as the role is wrong would
   * hold every namespace on that database (review of 2026-12-06).
   */
  @Test
  void aFirstCreateDeniedOnItsOnlyAttemptHoldsOtherNamespacesNoLongerThanTheYieldBound() {
    KxChangeset ka = Resources.changeset("a", T0);
    ka.getMetadata().setNamespace("team-a");
    KxChangeset a = cluster.create(ka);
    KxChangeset kb = Resources.changeset("b", T0.plusSeconds(1));
    kb.getMetadata().setNamespace("team-b");
    KxChangeset b = cluster.create(kb);
    Proc p = new Proc(time);
    finspace.refuseCreatesWith(
        a.getMetadata().getUid(),
        FinSpaceErrors.of(Operation.CREATE, "AccessDeniedException", 403).sentOnce());
    p.watch.catchUp();
    p.reconcile(a);
    assertThat(now(a).getStatus().getCreateIntent()).as("withdrawn: nothing was made").isNull();
    Duration bound = ChangesetLogic.QUEUE_YIELD_AFTER;
    for (Duration t = Duration.ZERO;
        t.compareTo(bound.plusMinutes(1)) <= 0;
        t = t.plusSeconds(30)) {
      p.watch.catchUp();
      p.reconcile(a);
      p.watch.catchUp();
      p.reconcile(b);
      time.advance(Duration.ofSeconds(30));
    }
    assertThat(finspace.createdWith(a.getMetadata().getUid())).isZero();
    assertThat(now(b).getStatus().getChangesetId())
        .as("b, of another namespace, is created once a has been unable to create for %s", bound)
        .isNotNull();
  }

  /**
   * An AccessDenied that answered an SDK retry proves nothing of the attempt before it (its answer
   * lost, the permission revoked in between): the intent stays, and with it the slot.
   */
  @Test
  void aCreateDeniedOnARetryKeepsItsIntent() {
    KxChangeset a = add("a", T0);
    Proc p = new Proc(time);
    finspace.refuseCreatesWith(
        a.getMetadata().getUid(),
        FinSpaceErrors.of(Operation.CREATE, "AccessDeniedException", 403));
    p.watch.catchUp();
    p.reconcile(a);
    assertThat(now(a).getStatus().getCreateIntent()).isNotNull();
    assertThat(DatabaseQueue.inFlight(now(a))).isTrue();
  }

  /**
   * Issue 16's import against a create whose answer was lost. a's create made changeset x, but its
   * process died before recording it. Someone runs {@code export} (FinSpace lists x, which no
   * KxChangeset records) and applies an import of x. If the import records x at once, a's resend
   * with its token then returns x too: one changeset recorded by two resources. The import must
   * wait while a create intent that may have made x is unrecorded, and a must keep x.
   */
  @Test
  void anImportWaitsForAnUnrecordedCreateThatMayHaveMadeItsChangeset() {
    KxChangeset a = add("a", T0);
    Proc p1 = new Proc(time);
    p1.crashBeforeRecord = true;
    p1.reconcile(a); // intent, confirmed, created; the process dies before recording it
    String x =
        finspace.all().stream()
            .filter(c -> a.getMetadata().getUid().equals(finspace.tokenOf(c.id())))
            .findFirst()
            .orElseThrow()
            .id();
    assertThat(now(a).getStatus().getChangesetId()).isNull();

    time.advance(Duration.ofSeconds(20));
    KxChangeset ki =
        Resources.changeset(
            "imported",
            time.instant(),
            a.getSpec().getChangeRequests().toArray(new ChangeRequest[0]));
    ki.getSpec().setChangesetId(x);
    KxChangeset imported = cluster.create(ki);
    Proc p2 = new Proc(time);
    p2.watch.catchUp();
    p2.reconcile(imported); // must not record x while a may have made it
    p2.watch.catchUp();
    p2.reconcile(a); // the resend with a's token: FinSpace answers x
    p2.watch.catchUp();
    p2.reconcile(imported);

    assertThat(now(a).getStatus().getChangesetId()).as("a made x").isEqualTo(x);
    assertThat(cluster.all())
        .filteredOn(r -> r.getStatus() != null && x.equals(r.getStatus().getChangesetId()))
        .as("resources recording x")
        .hasSize(1);
    assertThat(
            Conditions.find(now(imported).getStatus().getConditions(), Conditions.READY)
                .getReason())
        .isEqualTo(Reasons.DUPLICATE_IMPORT);
  }
}
