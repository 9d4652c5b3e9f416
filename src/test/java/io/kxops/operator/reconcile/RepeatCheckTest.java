/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.reconcile.ChangesetLogicTest.T0;
import static io.kxops.operator.reconcile.ChangesetLogicTest.TRADES;
import static io.kxops.operator.reconcile.ChangesetLogicTest.condition;
import static io.kxops.operator.reconcile.ChangesetLogicTest.reasons;
import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Caller;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.testing.FinSpaceErrors;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** REFUSE_REPEATED_HISTORY: history applied again is refused, against the in-memory FinSpace. */
class RepeatCheckTest {

  static final List<ChangeRequest> SYM = List.of(ChangeRequest.put("s3://bucket/db/sym/", "/"));
  static final ChangeRequest[] SYM_ARRAY = SYM.toArray(ChangeRequest[]::new);

  /** A requests digest, as the history cache keeps them. */
  static final String D = Intents.digest(SYM);

  final ChangesetLogicTest rig = new ChangesetLogicTest();

  @BeforeEach
  void setUp() {
    rig.setUp();
  }

  /** A changeset made {@code daysAgo} days before T0, in {@code status}. */
  Changeset history(List<ChangeRequest> requests, int daysAgo, String status) {
    Changeset cs = rig.finspace.inject(TRADES, requests, T0.minus(Duration.ofDays(daysAgo)));
    if (!"PENDING".equals(status)) {
      rig.finspace.setStatus(cs.id(), status);
    }
    return cs;
  }

  static void annotate(KxChangeset r, String value) {
    Map<String, String> a = new HashMap<>();
    a.put(ChangesetLogic.RERUN_ANNOTATION, value);
    r.getMetadata().setAnnotations(a);
  }

  @Test
  void aRepeatOfACompletedChangesetMadeBeforeTheResourceIsRefusedAndNothingIsSent() {
    Changeset old = history(SYM, 30, Changeset.COMPLETED);
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY);

    Outcome o = rig.step(r);

    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();
    assertThat(r.getStatus().getCreateIntent()).isNull();
    assertThat(r.getStatus().getChangesetId()).isNull();
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("RepeatsHistory");
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(r, "Stalled").getMessage())
        .startsWith("spec.changeRequests repeat FinSpace changeset " + old.id())
        .contains("COMPLETED")
        .contains("spec.changesetId: " + old.id())
        .contains("finspace.kxops.io/allow-rerun-of=" + old.id());
    assertThat(reasons(o)).containsExactly("RepeatsHistory");
    assertThat(o.events().get(0).warning()).isTrue();
    assertThat(o.wakeDatabase()).as("its turn goes to the next waiter").isTrue();
    assertThat(o.requeueAfter()).isEmpty();

    // Looked at again without a change: left alone, nothing asked of FinSpace, no new event.
    int calls = rig.finspace.calls(Operation.LIST) + rig.finspace.calls(Operation.GET);
    Outcome again = rig.step(r);
    assertThat(again.events()).isEmpty();
    assertThat(rig.finspace.calls(Operation.LIST) + rig.finspace.calls(Operation.GET))
        .isEqualTo(calls);
    assertThat(rig.finspace.changesets(TRADES)).hasSize(1);
  }

  @Test
  void aRefusedResourceHoldsNoTurnAndTheQueueMovesOn() {
    history(SYM, 30, Changeset.COMPLETED);
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY); // first in queue order
    KxChangeset next = rig.add("day", T0.plusSeconds(1));

    rig.step(r);

    assertThat(DatabaseQueue.waiting(r)).isFalse();
    assertThat(DatabaseQueue.inFlight(r)).isFalse();
    assertThat(rig.logic.toWake(r)).containsExactly(next);
    rig.step(next);
    assertThat(next.getStatus().getChangesetId()).isNotBlank();
    assertThat(rig.finspace.calls(Operation.CREATE)).isEqualTo(1);
  }

  @Test
  void theAnnotationNamingTheRepeatedChangesetLetsItCreateOnce() {
    Changeset old = history(SYM, 1, Changeset.COMPLETED);
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY);
    rig.step(r);
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("RepeatsHistory");

    // A value naming another changeset (a stale one, copied from Git) lets nothing through.
    annotate(r, "someOtherChangesetId");
    assertThat(RepeatCheck.refusedAsIs(r)).isTrue();
    assertThat(DatabaseQueue.waiting(r)).isFalse();

    annotate(r, old.id());
    assertThat(RepeatCheck.refusedAsIs(r)).isFalse();
    assertThat(DatabaseQueue.waiting(r)).as("it takes a turn again").isTrue();
    Outcome o = rig.step(r);

    assertThat(reasons(o)).containsExactly("ChangesetCreated");
    assertThat(rig.finspace.calls(Operation.CREATE)).isEqualTo(1);
    assertThat(condition(r, "Stalled")).isNull();
    rig.step(r);
    assertThat(rig.finspace.calls(Operation.CREATE)).isEqualTo(1);
    assertThat(rig.finspace.changesets(TRADES)).hasSize(2);
  }

  @Test
  void anAnnotatedResourceQueuesAsOneThatCanCreateNotAsAStuckOne() {
    Changeset old = history(SYM, 1, Changeset.COMPLETED);
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY);
    rig.step(r);
    rig.clock.advance(Duration.ofMinutes(30)); // refused long ago, longer than QUEUE_YIELD_AFTER
    KxChangeset running = rig.add("day", T0.plusSeconds(1));
    rig.step(running); // in flight: r must queue behind it
    annotate(r, old.id());

    rig.step(r);

    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("Queued");
    assertThat(condition(r, "Stalled")).isNull();
    assertThat(r.getStatus().getFailure()).as("no failure record: it never failed").isNull();
    assertThat(DatabaseQueue.stuck(r, rig.clock.instant(), ChangesetLogic.QUEUE_YIELD_AFTER))
        .isFalse();
  }

  @Test
  void anAnnotationNamingAnOlderRunDoesNotReRunTheNewestOne() {
    // Day 1 ran the requests; day 2 re-ran them deliberately, its manifest annotated with day 1's
    // id. After a rebuild, that manifest is applied again: its own run (day 2) is now the newest.
    Changeset day1 = history(SYM, 2, Changeset.COMPLETED);
    Changeset day2 = history(SYM, 1, Changeset.COMPLETED);
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY);
    annotate(r, day1.id());

    rig.step(r);

    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("RepeatsHistory");
    assertThat(condition(r, "Stalled").getMessage())
        .startsWith("spec.changeRequests repeat FinSpace changeset " + day2.id())
        .contains("1 earlier changeset(s) hold them too")
        .contains("names " + day1.id());
  }

  @Test
  void aRunningChangesetMadeBeforeTheResourceIsARepeatAFailedOneIsNot() {
    Changeset running = rig.finspace.inject(TRADES, SYM, T0.minusSeconds(60));
    rig.finspace.setStatus(running.id(), "PROCESSING");
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY);
    rig.step(r);
    assertThat(condition(r, "Stalled").getMessage()).contains(running.id()).contains("PROCESSING");
    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();

    // It failed after all: a spec edit (a new generation) is checked again and creates.
    rig.finspace.setStatus(running.id(), Changeset.FAILED);
    r.getMetadata().setGeneration(2L);
    Outcome o = rig.step(r);
    assertThat(reasons(o)).containsExactly("ChangesetCreated");
  }

  @Test
  void changesetsMadeAfterTheResourceOrWithOtherRequestsAreNoRepeat() {
    history(List.of(ChangeRequest.put("s3://bucket/db/other/", "/")), 3, Changeset.COMPLETED);
    Changeset later = rig.finspace.inject(TRADES, SYM, T0.plusSeconds(5));
    rig.finspace.setStatus(later.id(), Changeset.COMPLETED);
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY);
    rig.clock.advance(Duration.ofSeconds(10));

    Outcome o = rig.step(r);

    assertThat(reasons(o)).containsExactly("ChangesetCreated");
  }

  @Test
  void withTheSettingOffRepeatsAreCreatedAsBeforeWithoutAnyRead() {
    history(SYM, 30, Changeset.COMPLETED);
    rig.refuseRepeats = false;
    rig.logic = rig.newLogic();
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY);

    Outcome o = rig.step(r);

    assertThat(reasons(o)).containsExactly("ChangesetCreated");
    assertThat(rig.finspace.calls(Operation.LIST)).isZero();
    assertThat(rig.finspace.calls(Operation.GET)).isZero();
  }

  @Test
  void aRefusedResourceCanBeTurnedIntoAnImportOfTheChangeset() {
    Changeset old = history(SYM, 30, Changeset.COMPLETED);
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY);
    rig.step(r);

    r.getSpec().setChangesetId(old.id());
    r.getMetadata().setGeneration(2L);
    Outcome o = rig.step(r);

    assertThat(reasons(o)).containsExactly("ChangesetImported");
    assertThat(r.getStatus().getChangesetId()).isEqualTo(old.id());
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("True");
    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();
  }

  @Test
  void aFailedCheckIsRetriedAndNeverCreatesWithoutIt() {
    history(SYM, 30, Changeset.COMPLETED);
    KxChangeset r = rig.add("sym", T0, SYM_ARRAY);
    rig.finspace.failNext(
        Operation.LIST, FinSpaceErrors.of(Operation.LIST, "ThrottlingException", 429));

    Outcome o = rig.step(r);

    assertThat(o.retry()).isTrue();
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("Throttled");
    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();
    assertThat(r.getStatus().getCreateIntent()).isNull();
    rig.step(r);
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("RepeatsHistory");
    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();
  }

  @Test
  void eachChangesetIsReadOnceAndAListStartedLateEnoughIsReused() {
    for (int day = 1; day <= 5; day++) {
      String d = "2020.01.0" + day;
      history(
          List.of(ChangeRequest.put("s3://bucket/db/" + d + "/", "/" + d + "/")), day, "COMPLETED");
    }
    KxChangeset a = rig.add("a", T0);
    KxChangeset b = rig.add("b", T0);
    KxChangeset c = rig.add("c", T0);
    rig.clock.advance(Duration.ofMinutes(2));

    rig.step(a);
    assertThat(rig.finspace.calls(Operation.LIST)).isEqualTo(1);
    assertThat(rig.finspace.calls(Operation.GET)).isEqualTo(5);
    for (KxChangeset next : List.of(b, c)) {
      rig.finspace.setStatus(rig.finspace.changesets(TRADES).get(5).id(), "COMPLETED");
      rig.finspace
          .changesets(TRADES)
          .forEach(cs -> rig.finspace.setStatus(cs.id(), Changeset.COMPLETED));
      rig.step(
          rig.cluster.stream()
              .filter(
                  x ->
                      x.getStatus() != null
                          && x.getStatus().getChangesetId() != null
                          && !Changeset.COMPLETED.equals(x.getStatus().getStatus()))
              .findFirst()
              .orElseThrow());
      rig.step(next);
      assertThat(next.getStatus().getChangesetId()).isNotBlank();
    }
    // Three creates: one List and one Get per changeset of history, for all of them.
    assertThat(rig.finspace.calls(Operation.CREATE)).isEqualTo(3);
    assertThat(rig.finspace.calls(Operation.LIST)).isEqualTo(1);
    assertThat(rig.finspace.calls(Operation.GET)).isEqualTo(5 + 2); // + the polls of a and b
  }

  @Test
  void aListStartedTooSoonAfterTheResourceIsNotReused() {
    history(SYM, 30, Changeset.COMPLETED);
    KxChangeset a = rig.add("a", T0);
    rig.step(a); // lists at T0: too soon to show everything created before a later resource
    rig.finspace.setStatus(a.getStatus().getChangesetId(), Changeset.COMPLETED);
    rig.step(a);
    rig.clock.advance(Duration.ofSeconds(30));
    KxChangeset b = rig.add("b", rig.clock.instant());
    rig.step(b);
    assertThat(rig.finspace.calls(Operation.LIST)).isEqualTo(2);
    // History's one changeset for a, and a's poll: a's own changeset (made before b) is known
    // from its create, so b's check reads nothing.
    assertThat(rig.finspace.calls(Operation.GET)).isEqualTo(2);
  }

  /** Completes the changesets of the resources in flight, and lets each see it. */
  void completeInFlight() {
    rig.cluster.stream()
        .filter(x -> x.getStatus() != null && x.getStatus().getChangesetId() != null)
        .filter(x -> !Changeset.COMPLETED.equals(x.getStatus().getStatus()))
        .toList()
        .forEach(
            x -> {
              rig.finspace.setStatus(x.getStatus().getChangesetId(), Changeset.COMPLETED);
              rig.step(x);
            });
  }

  @Test
  void aBurstAppliedTogetherCostsOneListPerDatabase() {
    history(SYM, 30, Changeset.COMPLETED);
    List<KxChangeset> burst = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      // Applied over 9 s, all seen before the first check lists: every one shares its List.
      burst.add(rig.add("b" + i, T0.plusSeconds(i), ChangeRequest.put("s3://b/" + i + "/", "/")));
    }
    rig.clock.advance(Duration.ofSeconds(1));
    for (KxChangeset r : burst) {
      rig.step(r);
      assertThat(r.getStatus().getChangesetId()).as(r.getMetadata().getName()).isNotBlank();
      rig.clock.advance(Duration.ofSeconds(3)); // each waits for the one before it
      completeInFlight();
    }
    assertThat(rig.finspace.calls(Operation.CREATE)).isEqualTo(10);
    assertThat(rig.finspace.calls(Operation.LIST)).isEqualTo(1);
    // A resource applied more than APPLIED_TOGETHER after the newest one seen before that List
    // (b9, at T0 + 9 s) is checked against a List of its own.
    KxChangeset late = rig.add("late", T0.plusSeconds(20), ChangeRequest.put("s3://b/x/", "/"));
    rig.step(late);
    assertThat(rig.finspace.calls(Operation.LIST)).isEqualTo(2);
  }

  @Test
  void aReusedListIsCompletedByWhatThisProcessCreatedSince() {
    // a's check lists the database (empty); a creates; b, applied 3 s later with the same
    // requests, reuses a's List, which does not show a's changeset: the process's own memory does.
    KxChangeset a = rig.add("a", T0, SYM_ARRAY);
    rig.step(a);
    String made = a.getStatus().getChangesetId();
    rig.clock.advance(Duration.ofSeconds(3));
    completeInFlight();
    KxChangeset b = rig.add("b", rig.clock.instant(), SYM_ARRAY);

    rig.step(b);

    assertThat(condition(b, "Stalled").getReason()).isEqualTo("RepeatsHistory");
    assertThat(condition(b, "Stalled").getMessage()).contains(made);
    assertThat(rig.finspace.calls(Operation.CREATE)).isEqualTo(1);
    assertThat(rig.finspace.calls(Operation.LIST))
        .as("a refusal rests on a List made for it, not on the reused one")
        .isEqualTo(2);
  }

  @Test
  void aRepeatOfARunningChangesetThatFailedSinceTheReusedListIsNoRepeat() {
    // Another client's changeset, running when a's check listed; it fails before b's check, which
    // reuses that List: the refusal it would make is checked against a new List, and b creates.
    Changeset other = rig.finspace.inject(TRADES, SYM, T0.minusSeconds(120));
    rig.finspace.setStatus(other.id(), "PROCESSING");
    KxChangeset a = rig.add("a", T0, ChangeRequest.put("s3://bucket/db/a/", "/"));
    rig.step(a);
    rig.finspace.setStatus(other.id(), Changeset.FAILED);
    rig.clock.advance(Duration.ofSeconds(2));
    completeInFlight();
    KxChangeset b = rig.add("b", rig.clock.instant(), SYM_ARRAY);

    Outcome o = rig.step(b);

    assertThat(reasons(o)).containsExactly("ChangesetCreated");
    assertThat(rig.finspace.calls(Operation.LIST)).isEqualTo(2);
  }

  @Test
  void theHistoryCacheForgetsDatabasesBeyondItsEntryBound() {
    HistoryCache cache = new HistoryCache(100, 3);
    cache.of("a").digest("x", D);
    cache.of("a").digest("y", D);
    cache.of("b").digest("z", D);
    cache.of("b").digest("w", D);
    cache.of("b"); // 4 entries > 3: the least recently checked, a, is forgotten
    assertThat(cache.databases()).isEqualTo(1);
    assertThat(cache.entries()).isEqualTo(2);
    assertThat(cache.of("a").size()).isZero();
  }

  @Test
  void theHistoryCachesCountFollowsEveryChangeAndDropsAForgottenDatabaseForGood() {
    HistoryCache cache = new HistoryCache(1, 100);
    HistoryCache.Database a = cache.of("a");
    a.digest("x", D);
    a.digest("x", D); // the same changeset again: still one entry
    assertThat(cache.entries()).isEqualTo(1);
    cache.of("b"); // one database at most: a is forgotten
    a.digest("y", D); // a check that still holds a goes on with it
    a.last(new Caller("one", null), new HistoryCache.Listing(T0, List.of()));
    assertThat(cache.entries()).as("a no longer counts").isZero();
    cache.of("b").digest("z", D);
    assertThat(cache.entries()).isEqualTo(1);
  }

  @Test
  void theHistoryCacheForgetsTheLeastRecentlyCheckedDatabase() {
    HistoryCache cache = new HistoryCache(2, 100);
    cache.of("a").digest("x", D);
    cache.of("b");
    cache.of("a"); // a is now the most recent
    cache.of("c");
    assertThat(cache.databases()).isEqualTo(2);
    assertThat(cache.of("a").digest("x")).isEqualTo(D);
    assertThat(cache.of("b").size()).as("b was forgotten").isZero();
  }

  @Test
  void theHistoryCacheGivesBackTheDigestItWasGivenAndRefusesWhatIsNoDigest() {
    HistoryCache.Database a = new HistoryCache().of("a");
    String other = Intents.digest(List.of(ChangeRequest.delete("/sym")));
    a.digest("x", D);
    a.digest("y", other);
    assertThat(a.digest("x")).isEqualTo(D);
    assertThat(a.digest("y")).isEqualTo(other);
    assertThat(a.digest("z")).isNull();
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> a.digest("w", "sha256:abc"));
  }

  /**
   * A platform's history whole: 100 databases of 990 changesets each (the memory benchmark's
   * 100,000 KxChangesets, 99,000 final) stay remembered, so a daily load on each database does not
   * read its history again; with the bound of 20,000 before, every database past the 20th was.
   */
  @Test
  void theHistoryCacheHoldsAHundredDatabasesOfNineHundredNinetyChangesetsEach() {
    HistoryCache cache = new HistoryCache();
    for (int db = 0; db < 100; db++) {
      HistoryCache.Database d = cache.of("db" + db);
      for (int i = 0; i < 990; i++) {
        d.digest("cs" + db + "-" + i, D);
      }
    }
    for (int db = 0; db < 100; db++) {
      assertThat(cache.of("db" + db).size()).as("db%d", db).isEqualTo(990);
    }
    assertThat(cache.databases()).isEqualTo(100);
    assertThat(cache.entries()).isEqualTo(99_000);
  }
}
