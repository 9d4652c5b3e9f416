/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.testing.Resources.DB;
import static io.kxops.operator.testing.Resources.ENV;
import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.testing.FakeCluster;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
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
class Issue12ReviewTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef US = new DatabaseRef("us-east-1", ENV, DB);

  /** True time; FinSpace's clock. */
  MutableClock time;

  FakeFinSpace finspace;
  FakeCluster cluster;
  int limit = 1;

  /** AWS_REGION of the processes built from now on. */
  String defaultRegion = "us-east-1";

  @BeforeEach
  void setUp() {
    time = new MutableClock(T0);
    finspace = new FakeFinSpace(time);
    finspace.registerDatabase(US);
    cluster = new FakeCluster(time);
  }

  /** A process died at this point: the reconciliation stops here, its memory is gone. */
  static final class Crash extends RuntimeException {
    Crash(String where) {
      super("process killed " + where);
    }
  }

  /** One operator process: its clock, its watch, its logic, and the faults it meets. */
  final class Proc implements StatusStore {
    final Clock clock;
    final ClusterView view;
    final FakeCluster.Process watch;
    final ChangesetLogic logic;

    /** The process dies right after it wrote a create intent, before it confirmed it. */
    boolean crashBeforeConfirm;

    /** The process dies right before it writes a changeset id (the create's answer is lost). */
    boolean crashBeforeRecord;

    /** The API server answers 500 to the status write that withdraws a create intent. */
    boolean withdrawFails;

    /** What a CreateKxChangeset call does before it reaches FinSpace (an SDK retry's backoff). */
    Runnable beforeCreateReachesFinSpace = () -> {};

    Proc(Clock clock) {
      this.clock = clock;
      ChangesetLogic[] self = new ChangesetLogic[1];
      this.watch = cluster.process(r -> self[0].targetOf(r).key());
      this.view = watch;
      this.logic = self[0] = logic(clock, confirming(watch));
    }

    /** A process whose logic reads {@code view} (for example one informer per namespace). */
    Proc(Clock clock, Function<Function<KxChangeset, String>, ClusterView> view) {
      this.clock = clock;
      ChangesetLogic[] self = new ChangesetLogic[1];
      this.watch = null;
      this.view = view.apply(r -> self[0].targetOf(r).key());
      this.logic = self[0] = logic(clock, confirming(this.view));
    }

    private ChangesetLogic logic(Clock clock, ClusterView v) {
      return new ChangesetLogic(
          new FinSpace() {
            @Override
            public Changeset create(
                DatabaseRef db, List<ChangeRequest> requests, String token, Instant sendBy) {
              beforeCreateReachesFinSpace.run();
              // What SdkFinSpace's send deadline does, on this process's clock.
              if (clock.instant().isAfter(sendBy)) {
                throw FinSpaceErrors.of(Operation.CREATE, "SendWindowClosed", 0);
              }
              return finspace.create(db, requests, token, sendBy);
            }

            @Override
            public Changeset get(DatabaseRef db, String changesetId) {
              return finspace.get(db, changesetId);
            }

            @Override
            public List<ChangesetSummary> list(DatabaseRef db) {
              return finspace.list(db);
            }
          },
          v,
          clock,
          new ChangesetLogic.Settings(
              defaultRegion,
              limit,
              Duration.ofMinutes(9),
              Duration.ofMinutes(10),
              ChangesetLogic.CONFIRM_TIMEOUT),
          new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5));
    }

    private ClusterView confirming(ClusterView v) {
      return new ClusterView() {
        @Override
        public List<KxChangeset> onDatabase(String databaseKey) {
          return v.onDatabase(databaseKey);
        }

        @Override
        public boolean awaitSeen(KxChangeset written, Duration timeout) {
          if (crashBeforeConfirm) {
            throw new Crash("after writing its create intent, before confirming it");
          }
          return v.awaitSeen(written, timeout);
        }
      };
    }

    @Override
    public KxChangeset write(KxChangeset r, KxChangesetStatus next) {
      if (crashBeforeRecord && next != null && next.getChangesetId() != null) {
        throw new Crash("before the status write of the changeset id");
      }
      if (withdrawFails
          && next != null
          && next.getCreateIntent() == null
          && r.getStatus() != null
          && r.getStatus().getCreateIntent() != null) {
        throw new Crash("by a failed status write (500) of the withdrawal; JOSDK retries");
      }
      return ((StatusStore) view).write(r, next);
    }

    /** One reconciliation of the resource as this process's cache holds it now. */
    Outcome reconcile(KxChangeset r) {
      KxChangeset current = cached(r);
      try {
        return logic.reconcile(current, this);
      } catch (ReconcileFailure e) {
        return logic.failed(e.latest(), e.failure(), this);
      } catch (Crash e) {
        return null;
      }
    }

    KxChangeset cached(KxChangeset r) {
      String uid = r.getMetadata().getUid();
      return view.onDatabase(US.key()).stream()
          .filter(o -> uid.equals(o.getMetadata().getUid()))
          .findFirst()
          .orElseThrow(() -> new AssertionError("this process does not see " + uid));
    }
  }

  KxChangeset add(String name, Instant created, ChangeRequest... requests) {
    return cluster.create(Resources.changeset(name, created, requests));
  }

  KxChangeset now(KxChangeset r) {
    return cluster.get(r.getMetadata().getUid());
  }

  /** The changesets FinSpace runs on the database now for resources that exist. */
  List<String> inFlightOfLiveResources() {
    List<String> live = cluster.all().stream().map(r -> r.getMetadata().getUid()).toList();
    return finspace.inFlightByDatabase().getOrDefault(US.key(), List.of()).stream()
        .filter(c -> live.contains(finspace.tokenOf(c.id())))
        .map(c -> c.id() + " (token " + finspace.tokenOf(c.id()) + ")")
        .toList();
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
    p2.beforeCreateReachesFinSpace = () -> time.advance(Duration.ofSeconds(25));
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
    p2.beforeCreateReachesFinSpace = () -> time.advance(Duration.ofSeconds(61));
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
