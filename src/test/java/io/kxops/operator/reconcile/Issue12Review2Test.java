/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.testing.FinSpaceErrors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The second adversarial review of the create-intent protocol (issue 12), after the send deadline
 * (SendDeadline, SEND_WINDOW) and mayGoAheadOfUnrecorded: each test is one sequence of events that
 * breaks (P1) one KxChangeset makes exactly one FinSpace changeset or (P2) at most
 * MAX_IN_FLIGHT_PER_DATABASE changesets run on a database at once.
 *
 * <p>Every operator process has its own clock, watch and logic; its FinSpace client checks the send
 * deadline on the process's clock, as SdkFinSpace's interceptor does, at the moment the attempt
 * leaves; the attempt then reaches FinSpace (which honours a token for 10 minutes from its first
 * use) after its transit.
 */
class Issue12Review2Test extends ProtocolScenario {

  // ---------------------------------------------------------------------------------------------
  // P1: the create after a List carries a deadline measured from after its status write.
  // ---------------------------------------------------------------------------------------------

  /**
   * r's first create never reached FinSpace. 8 minutes later process 1 resumes r: past the fresh
   * window, it lists the database (nothing), records the resumed attempt, and computes its create's
   * send deadline from "now" — after that status write. The write's answer is slow (or the process
   * pauses right after it): meanwhile process 2 resumes r, lists (nothing), records its own attempt
   * (the precondition holds: process 1's write is the latest), creates with r's token and records
   * the changeset. Eleven minutes later process 1 goes on: its deadline is now + 7m50s, so its
   * create leaves, and FinSpace, whose token expired a minute ago, makes a second changeset. No
   * clock skew, no transit delay: the paused process the send deadline exists to stop.
   */
  @Test
  void aCreateAfterAListNeverLeavesLongAfterThatList() {
    KxChangeset r = add("r", T0);
    Proc p1 = new Proc(time);
    finspace.failNext(Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0));
    p1.reconcile(r); // r's intent; its create never reached FinSpace
    assertThat(now(r).getStatus().getCreateIntent()).isNotNull();
    assertThat(finspace.changesets(US)).isEmpty();

    time.advance(Duration.ofMinutes(8));
    p1.watch.catchUp();
    Proc p2 = new Proc(time);
    p1.afterWrite =
        resumed -> {
          p2.watch.catchUp(); // process 1's resumed mark
          p2.reconcile(r); // lists, marks, creates, records
          assertThat(now(r).getStatus().getChangesetId()).isNotNull();
          time.advance(Duration.ofMinutes(11));
        };
    p1.reconcile(r);

    assertThat(finspace.createdWith(r.getMetadata().getUid()))
        .as("changesets created with r's token")
        .isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------
  // P2: mayGoAheadOfUnrecorded allows for clock skew but not for the last attempt's transit.
  // ---------------------------------------------------------------------------------------------

  /**
   * Same-second arrivals, "b" admitted first, "a" sorting first (the first review's scenario).
   * Process 1 (clock 60 s behind FinSpace) admits b, confirms it and creates; the SDK's attempts
   * are throttled and its last one leaves exactly at b's send deadline. Process 2 (whose watch had
   * not delivered b's intent) wrote a's intent and died before confirming it. Process 3 (clock 60 s
   * ahead of FinSpace) resumes a one second after b's last attempt left: by its clock b's deadline
   * plus twice the skew has passed, FinSpace lists nothing running (the attempt is still on its
   * way, inside the stated 10 s), so a goes ahead. b's attempt arrives: two changesets run at limit
   * 1.
   */
  @Test
  void anUnrecordedIntentGoesAheadOnlyOnceTheOthersLastAttemptHasArrived() {
    KxChangeset b = add("b", T0);
    Proc p1 = new Proc(Clock.offset(time, Duration.ofSeconds(-60)));
    Proc p2 = new Proc(Clock.offset(time, Duration.ofSeconds(60)));
    KxChangeset a = add("a", T0);
    p2.watch.catchUp(); // a's creation, nothing after

    p1.crashBeforeRecord = true; // its watch has not delivered a yet
    p1.beforeSend =
        () -> {
          // While b's first attempts are throttled, process 2 admits a and dies.
          p2.crashBeforeConfirm = true;
          p2.reconcile(a);
          assertThat(now(a).getStatus().getCreateIntent()).as("a's intent").isNotNull();
          // b's last attempt leaves exactly at b's send deadline, on process 1's clock.
          Instant deadline =
              Instant.parse(now(b).getStatus().getCreateIntent().getAttemptedAt())
                  .plus(ChangesetLogic.SEND_WINDOW);
          time.advance(Duration.between(p1.clock.instant(), deadline));
        };
    p1.inTransit =
        () -> {
          time.advance(Duration.ofSeconds(1));
          Proc p3 = new Proc(Clock.offset(time, Duration.ofSeconds(60)));
          p3.reconcile(a); // lists nothing running, goes ahead, creates
          time.advance(Duration.ofSeconds(5)); // b's attempt arrives 6 s after it left
        };
    p1.reconcile(b);

    assertThat(inFlightOfLiveResources())
        .as("changesets running on the database at limit 1")
        .hasSizeLessThanOrEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------
  // P2: an intent that was never confirmed is resent on a view that never saw the others.
  // ---------------------------------------------------------------------------------------------

  /**
   * Same-second arrivals, b admitted first, a sorting first. During a lease hand-over process 1
   * admits b, confirms it, creates and records its changeset. Process 2, whose watch has stopped
   * delivering (it had seen b without an intent), admits a and writes a's intent; its confirmation
   * times out, so it withdraws the intent — and that status write fails (a 500). JOSDK retries a
   * seconds later: a's intent is young, and on process 2's view, still without b's intent, nothing
   * else is in flight, so the retry resends a's create with its token. a's intent was never
   * confirmed, and two changesets run at limit 1.
   */
  @Test
  void anIntentNeverConfirmedIsNotResentOnAViewThatMissesTheOthers() {
    KxChangeset b = add("b", T0);
    Proc p1 = new Proc(time); // its watch has not delivered a yet
    KxChangeset a = add("a", T0); // same second, sorts first
    Proc p2 = new Proc(time); // has seen a and b, both without an intent
    p2.watch.watchDelivers = false;

    p1.reconcile(b); // intent, confirmed, created, recorded
    assertThat(now(b).getStatus().getChangesetId()).isNotNull();

    p2.withdrawFails = true;
    p2.reconcile(a); // intent; not confirmed (its watch is stalled); the withdrawal fails
    assertThat(now(a).getStatus().getCreateIntent()).isNotNull();
    assertThat(finspace.changesets(US)).as("a's confirmation held a back").hasSize(1);

    p2.withdrawFails = false;
    time.advance(Duration.ofSeconds(3));
    p2.reconcile(a); // JOSDK's retry, on the same stalled view

    assertThat(inFlightOfLiveResources())
        .as("changesets running on the database at limit 1")
        .hasSizeLessThanOrEqualTo(1);
  }

  /**
   * The same, but the watch stays stalled past ADOPT_AFTER (the fresh-token resend now waits for a
   * confirmation that never comes): JOSDK's retry lists the database, finds nothing of a's, and on
   * the same stale view — b not in flight — creates a's changeset after the List. Two run at limit
   * 1. Nothing but a watch that stopped delivering, which the confirmation exists to catch.
   */
  @Test
  void anIntentNeverConfirmedIsNotCreatedAfterAListOnAViewThatMissesTheOthers() {
    KxChangeset b = add("b", T0);
    Proc p1 = new Proc(time);
    KxChangeset a = add("a", T0);
    Proc p2 = new Proc(time);
    p2.watch.watchDelivers = false;

    p1.reconcile(b);
    assertThat(now(b).getStatus().getChangesetId()).isNotNull();

    p2.withdrawFails = true;
    p2.reconcile(a);
    assertThat(now(a).getStatus().getCreateIntent()).isNotNull();
    p2.withdrawFails = false;

    time.advance(Duration.ofMinutes(7).plusSeconds(5));
    p2.reconcile(a); // a retry past ADOPT_AFTER: lists, nothing of a's, creates

    assertThat(inFlightOfLiveResources())
        .as("changesets running on the database at limit 1")
        .hasSizeLessThanOrEqualTo(1);
  }
}
