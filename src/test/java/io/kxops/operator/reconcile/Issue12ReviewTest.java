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
import io.kxops.operator.testing.FakeCluster;
import io.kxops.operator.testing.FinSpaceErrors;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An adversarial review of the create-intent protocol (issue 12): each test is one sequence of
 * events that breaks a promise — (P1) one KxChangeset makes exactly one FinSpace changeset, (P2) at
 * most MAX_IN_FLIGHT_PER_DATABASE changesets run on a database at once — inside the assumptions the
 * README states, unless the test says otherwise.
 *
 * <p>Every operator process here has its own clock, its own watch (a {@link FakeCluster.Process})
 * and its own {@link ChangesetLogic}; FinSpace has its own clock and honours a client token for 10
 * minutes from its first use.
 */
class Issue12ReviewTest extends ProtocolScenario {

  {
    // ADOPT_AFTER as these tests were written against (the send window caps it at 7m50s).
    adoptAfter = Duration.ofMinutes(9);
  }

  // ---------------------------------------------------------------------------------------------
  // P2: firstAmongUnrecorded lets an intent that never sent go ahead of one whose create ran.
  // ---------------------------------------------------------------------------------------------

  /**
   * Same-second arrivals, names against arrival order ("b" arrives first, "a" sorts first). Process
   * 1 admits b (a is still waiting, no intent), confirms, creates; the answer is lost. Process 2,
   * whose watch has not delivered b's intent, admits a, writes a's intent and dies before
   * confirming it. When a is resumed, b is in flight (intent, no changeset id), so a asks FinSpace:
   * nothing of a's was made, and {@code firstAmongUnrecorded} says a, sorting ahead of b, goes
   * first — but b's create did run. Two changesets run at limit 1.
   */
  @Test
  void anUnconfirmedIntentSortingFirstDoesNotCreateWhileAConfirmedOnesCreateRuns() {
    KxChangeset b = add("b", T0);
    Proc p1 = new Proc(time);
    Proc p2 = new Proc(time); // its watch delivered b's creation, nothing after
    KxChangeset a = add("a", T0);
    p2.watch.catchUp(); // a's creation

    p1.crashBeforeRecord = true;
    p1.reconcile(b); // intent, confirmed (a has none), created; the answer is lost
    assertThat(finspace.changesets(US)).hasSize(1);

    // p2 has not seen b's intent: a is first in the queue and nothing is in flight.
    p2.watch.catchUpTo(p2.watch.seen());
    KxChangeset aAsP2SeesIt = p2.watch.cached(a.getMetadata().getUid());
    assertThat(aAsP2SeesIt.getStatus()).isNull();
    p2.crashBeforeConfirm = true;
    try {
      p2.logic.reconcile(aAsP2SeesIt, p2);
    } catch (Crash e) {
      // died after writing a's intent
    }
    assertThat(now(a).getStatus().getCreateIntent()).isNotNull();

    Proc p3 = new Proc(time); // a new process (or p2 restarted), fully caught up
    time.advance(Duration.ofSeconds(5));
    p3.reconcile(a);

    assertThat(inFlightOfLiveResources())
        .as("changesets running on the database at limit 1")
        .hasSizeLessThanOrEqualTo(1);
  }

  /**
   * The same without a crash: process 2 confirms a's intent, sees b's, and withdraws — but the
   * withdrawing status write fails (a 500 from the API server). JOSDK retries a; the intent is
   * still there, so a is resumed, and goes ahead of b's running changeset as above.
   */
  @Test
  void aFailedWithdrawalDoesNotLetTheWithdrawnIntentCreate() {
    KxChangeset b = add("b", T0);
    Proc p1 = new Proc(time);
    Proc p2 = new Proc(time);
    KxChangeset a = add("a", T0);
    p2.watch.catchUp();

    p1.crashBeforeRecord = true;
    p1.reconcile(b);

    p2.withdrawFails = true;
    try {
      p2.logic.reconcile(p2.watch.cached(a.getMetadata().getUid()), p2);
    } catch (Crash e) {
      // the reconciliation failed on the withdrawal's write
    }
    assertThat(now(a).getStatus().getCreateIntent()).isNotNull();
    assertThat(finspace.changesets(US)).as("a's confirmation held a back").hasSize(1);

    p2.withdrawFails = false;
    time.advance(Duration.ofSeconds(2));
    p2.watch.catchUp();
    p2.reconcile(a); // JOSDK's retry

    assertThat(inFlightOfLiveResources())
        .as("changesets running on the database at limit 1")
        .hasSizeLessThanOrEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------
  // P2: the documented "adopt-changeset=none" on AdoptionAmbiguousFinal creates past the limit.
  // ---------------------------------------------------------------------------------------------

  /**
   * a's create never reaches FinSpace; two changesets with a's requests appear after its intent
   * (the orphans of two deleted identical KxChangesets — the README's documented limit) and finish.
   * At ADOPT_AFTER a is Stalled AdoptionAmbiguousFinal, which frees its slot: b is admitted and
   * runs. A person follows the README and sets the annotation to "none": a creates at once, without
   * asking the queue. Two changesets run at limit 1.
   */
  @Test
  void choosingNoneOnAnAmbiguityWhoseCandidatesAreFinalWaitsForTheQueue() {
    Proc p = new Proc(time);
    KxChangeset a = add("a", T0);
    p.watch.catchUp();
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0)); // never sent
    p.reconcile(a);
    assertThat(now(a).getStatus().getCreateIntent()).isNotNull();
    for (int i = 1; i <= 2; i++) {
      Changeset orphan =
          finspace.inject(US, a.getSpec().getChangeRequests(), T0.plus(Duration.ofMinutes(i)));
      finspace.setStatus(orphan.id(), Changeset.COMPLETED);
    }
    time.advance(Duration.ofMinutes(10));
    p.watch.catchUp();
    p.reconcile(a);
    assertThat(Conditions.find(now(a).getStatus().getConditions(), Conditions.STALLED).getReason())
        .isEqualTo("AdoptionAmbiguousFinal");

    KxChangeset b = add("b", T0.plusSeconds(1));
    p.watch.catchUp();
    p.reconcile(b);
    assertThat(now(b).getStatus().getChangesetId()).as("the queue moved on").isNotNull();

    KxChangeset annotated = now(a);
    annotated.getMetadata().setAnnotations(Map.of(ChangesetLogic.ADOPT_ANNOTATION, "none"));
    p.logic.reconcile(annotated, p);

    assertThat(inFlightOfLiveResources())
        .as("changesets running on the database at limit 1")
        .hasSizeLessThanOrEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------
  // P1: adoption reads the other resources from a watch that lags behind the List.
  // ---------------------------------------------------------------------------------------------

  /**
   * Limit 2, identical requests. a's create never reached FinSpace. 9.5 minutes later process 2
   * admits b (a holds one slot, b takes the other), creates and records b's changeset. Process 1,
   * whose watch has not yet delivered b's intent nor its changeset id, resumes a: past ADOPT_AFTER,
   * it lists the database, finds b's changeset (after a's intent, a's requests), sees no rival and
   * no claim in its stale view, and adopts it. Two resources record one changeset; a's own data is
   * never loaded as a changeset of its own.
   */
  @Test
  void adoptionNeverTakesTheChangesetOfARivalThisProcessHasNotSeenYet() {
    limit = 2;
    KxChangeset a = add("a", T0);
    Proc p1 = new Proc(time);
    finspace.failNext(Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0));
    p1.reconcile(a); // a's intent; its create never reached FinSpace
    KxChangeset b =
        add("b", T0.plusSeconds(1), a.getSpec().getChangeRequests().toArray(new ChangeRequest[0]));
    p1.watch.catchUp(); // p1 sees b, still without an intent

    time.advance(Duration.ofMinutes(9).plusSeconds(30));
    Proc p2 = new Proc(time);
    p2.reconcile(b); // b: intent, confirmed (1 in flight < 2), created and recorded
    String bs = now(b).getStatus().getChangesetId();
    assertThat(bs).isNotNull();

    p1.reconcile(a); // p1's watch lags by b's two status writes

    String as = now(a).getStatus().getChangesetId();
    assertThat(as)
        .as("a records the changeset b's create made, which b records too")
        .isNotEqualTo(bs);
  }

  // ---------------------------------------------------------------------------------------------
  // P1: the freshness window leaves one minute, shared by clock skew and the create's own time.
  // ---------------------------------------------------------------------------------------------

  /**
   * Process 1's clock runs 20 s ahead of FinSpace, process 2's 20 s behind (both well inside the
   * stated 60 s). Process 1 records the intent, creates, and dies before recording the answer. 9
   * min 39 s later (true time) process 2 resumes: by its clock the intent is 8 min 59 s old, so it
   * resends with the same token. The SDK's first attempt is throttled and its retry reaches
   * FinSpace 25 s later (the SDK's call timeout is 60 s): FinSpace's token is 10 min 4 s old,
   * expired, and a second changeset is made. No process was frozen for ten minutes.
   */
  @Test
  void aResendInsideTheFreshWindowNeverReachesFinSpaceAfterTheTokenExpired() {
    KxChangeset r = add("r", T0);
    Proc p1 = new Proc(Clock.offset(time, Duration.ofSeconds(20)));
    p1.crashBeforeRecord = true;
    p1.reconcile(r); // intent at FinSpace time + 20 s; created at FinSpace time T0; answer lost
    assertThat(finspace.changesets(US)).hasSize(1);

    time.advance(Duration.ofMinutes(9).plusSeconds(39));
    Proc p2 = new Proc(Clock.offset(time, Duration.ofSeconds(-20)));
    p2.beforeSend = () -> time.advance(Duration.ofSeconds(25));
    p2.reconcile(r);

    assertThat(finspace.createdWith(r.getMetadata().getUid()))
        .as("changesets created with r's token")
        .isEqualTo(1);
  }

  /** The same with no clock skew at all: only the resend's own time inside the SDK call. */
  @Test
  void aResendInsideTheFreshWindowWithoutClockSkewNeverOutlivesTheToken() {
    KxChangeset r = add("r", T0);
    Proc p1 = new Proc(time);
    p1.crashBeforeRecord = true;
    p1.reconcile(r);
    time.advance(Duration.ofMinutes(8).plusSeconds(59));
    Proc p2 = new Proc(time);
    // One minute between the freshness check and the request reaching FinSpace (a stop-the-world
    // pause, a starved CPU, throttled SDK attempts up to its 60 s call timeout): nowhere near the
    // ten-minute freeze the README names as the only risk.
    p2.beforeSend = () -> time.advance(Duration.ofSeconds(61));
    p2.reconcile(r);
    assertThat(finspace.createdWith(r.getMetadata().getUid()))
        .as("changesets created with r's token")
        .isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------
  // Liveness: an operator restarted with another AWS_REGION takes an intent for a spec change.
  // ---------------------------------------------------------------------------------------------

  /**
   * r names no region. The operator (AWS_REGION=us-east-1) records r's intent on us-east-1; the
   * create never reaches FinSpace. The operator is restarted with AWS_REGION=eu-west-1 (issue 12's
   * failure 5). The intent's target is frozen, but the check that the spec still matches the intent
   * reads the region from the new default: r is Stalled SpecChanged ("restore the spec", which
   * nobody changed) and, with its intent, holds its database's slot for good: the queue behind it
   * never moves.
   */
  @Test
  void anIntentRecordedUnderAnotherDefaultRegionIsNotTakenForASpecChange() {
    KxChangeset r = add("r", T0);
    Proc p1 = new Proc(time);
    finspace.failNext(Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0));
    p1.reconcile(r);
    assertThat(now(r).getStatus().getCreateIntent().getRegion()).isEqualTo("us-east-1");

    time.advance(Duration.ofSeconds(30));
    defaultRegion = "eu-west-1";
    Proc p2 = new Proc(time);
    p2.reconcile(r);

    var stalled = Conditions.find(now(r).getStatus().getConditions(), Conditions.STALLED);
    assertThat(stalled == null ? null : stalled.getReason()).isNotEqualTo("SpecChanged");
    assertThat(now(r).getStatus().getChangesetId())
        .as("created where the intent says, us-east-1")
        .isNotNull();
    assertThat(finspace.createdWith(r.getMetadata().getUid())).isEqualTo(1);
  }
}
