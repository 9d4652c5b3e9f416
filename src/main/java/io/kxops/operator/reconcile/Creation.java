/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The create step: a create intent recorded, confirmed against every process's intents, and
 * CreateKxChangeset sent with exactly what it records (first, resent with its token, or after a
 * List found nothing it made); FinSpace's answer goes to the {@link Recorder}.
 */
final class Creation {

  private static final Logger LOG = LoggerFactory.getLogger(Creation.class);

  private final ClusterView cluster;
  private final QueueGate queue;
  private final FinSpaceCalls calls;
  private final Recorder recorder;
  private final PollSchedule polls;
  private final Clock clock;
  private final int maxInFlightPerDatabase;
  private final Duration confirmTimeout;
  private final Duration adoptAfter;

  Creation(
      ClusterView cluster,
      QueueGate queue,
      FinSpaceCalls calls,
      Recorder recorder,
      PollSchedule polls,
      Clock clock,
      int maxInFlightPerDatabase,
      Duration confirmTimeout,
      Duration adoptAfter) {
    this.cluster = cluster;
    this.queue = queue;
    this.calls = calls;
    this.recorder = recorder;
    this.polls = polls;
    this.clock = clock;
    this.maxInFlightPerDatabase = maxInFlightPerDatabase;
    this.confirmTimeout = confirmTimeout;
    this.adoptAfter = adoptAfter;
  }

  /** Under the admission lock, once the queue let {@code r} through: its create intent. */
  KxChangeset recordIntent(KxChangeset r, DatabaseRef db, StatusStore store) {
    Instant now = now();
    return store.write(r, StatusMapper.intentRecorded(r, Intents.of(db, r, now), now));
  }

  /**
   * Confirms a fresh intent against every process's intents, then creates. Nothing has reached
   * FinSpace for it yet, so withdrawing it is safe.
   */
  Outcome confirmAndCreate(KxChangeset r, DatabaseRef db, StatusStore store) {
    if (!cluster.awaitSeen(r, confirmTimeout)) {
      return withdraw(
          r,
          "the operator's watch did not deliver its own create intent within "
              + confirmTimeout.toSeconds()
              + " s, so it cannot rule out another operator process admitting a changeset at the"
              + " same time; retrying",
          store);
    }
    List<KxChangeset> inFlight = DatabaseQueue.inFlightOthers(r, cluster.onDatabase(db.key()));
    if (inFlight.size() >= maxInFlightPerDatabase) {
      LOG.info("withdrawing create intent: {} in flight on {}", inFlight.size(), db);
      return withdraw(
          r,
          "another changeset of database "
              + db
              + " was admitted at the same time (by another operator process); queued again",
          store);
    }
    return create(
        r, store, "ChangesetCreated", Intents.sendDeadline(r.getStatus().getCreateIntent()));
  }

  /**
   * Records the resumed attempt (a status write with the resourceVersion as precondition) before
   * sending the create again: of two processes acting on the same intent, or one resuming while
   * another withdraws it, only one write succeeds, so an intent is never withdrawn while a create
   * for it is being sent. Then waits until the watch delivered that write, so the decision is taken
   * on a view that holds every intent written before it: the intent may never have been confirmed
   * (its confirmation timed out and the withdrawal's write failed; JOSDK retries on the same view),
   * and a view that missed a rival's intent would send a changeset past the limit. Null when the
   * watch did not deliver it in time.
   */
  KxChangeset markResumed(KxChangeset r, StatusStore store) {
    KxChangeset marked = store.write(r, StatusMapper.resumed(r, now()));
    return cluster.awaitSeen(marked, confirmTimeout) ? marked : null;
  }

  /** Resends the intent's create with its token, while FinSpace still honours it. */
  Outcome resend(KxChangeset r, StatusStore store) {
    KxChangeset marked = markResumed(r, store);
    if (marked == null) {
      return Outcome.requeue(polls.initial());
    }
    CreateIntent intent = marked.getStatus().getCreateIntent();
    if (queue.overLimit(marked, Intents.target(intent)) || !tokenFresh(intent)) {
      // Another is in flight after all, or time passed since the decision (a slow write, a
      // paused process): ask FinSpace first (resume's List).
      return Outcome.requeue(Duration.ZERO);
    }
    // It must reach FinSpace while the token still holds.
    return create(marked, store, "ChangesetCreated", Intents.sendDeadline(intent));
  }

  /**
   * Creates after FinSpace was asked at {@code decidedAt} and held nothing this intent made (or a
   * person chose 'none' then; {@code listed} is null): whatever takes effect with the token did so
   * after decidedAt, so this create's window starts there — not after the status write, whose
   * answer may come back late (or the process pause after it) while another process lists, creates
   * with the token and records it.
   */
  Outcome createAfterList(
      KxChangeset r, StatusStore store, Instant decidedAt, List<ChangesetSummary> listed) {
    KxChangeset marked = markResumed(r, store);
    if (marked == null) {
      return Outcome.requeue(polls.initial());
    }
    DatabaseRef db = Intents.target(marked.getStatus().getCreateIntent());
    if (listed != null
        && queue.overLimit(marked, db)
        && !mayGoAheadOfUnrecorded(marked, db, listed)) {
      return Outcome.requeue(polls.initial());
    }
    return create(marked, store, "ChangesetCreated", decidedAt.plus(Intents.SEND_WINDOW));
  }

  /**
   * Whether {@code r}, over the limit only because of other create intents without a changeset id,
   * may go ahead of them. Such intents may be ones whose process crashed before confirming them,
   * and they must not wait for each other forever; but one of them may also have been confirmed and
   * sent, its answer lost. So {@code r} goes ahead only when every one of them sorts after it, none
   * can be sent with its token any more nor is still on its way (past its send deadline on any
   * clock within the skew, plus the last attempt's transit), and FinSpace (the List just read) runs
   * fewer changesets on the database than the limit: whatever they sent is then either visible
   * there, or was never made.
   */
  boolean mayGoAheadOfUnrecorded(KxChangeset r, DatabaseRef db, List<ChangesetSummary> listed) {
    Instant now = now();
    boolean othersSettled =
        DatabaseQueue.inFlightOthers(r, cluster.onDatabase(db.key())).stream()
            .allMatch(
                o ->
                    !StatusMapper.hasChangeset(o.getStatus())
                        && DatabaseQueue.ORDER.compare(r, o) < 0
                        && StatusMapper.hasIntent(o.getStatus())
                        && now.isAfter(
                            Intents.sendDeadline(o.getStatus().getCreateIntent())
                                .plus(Intents.CLOCK_SKEW.multipliedBy(2))
                                .plus(Intents.TRANSIT)));
    long running =
        listed.stream()
            .filter(c -> !Changeset.COMPLETED.equals(c.status()))
            .filter(c -> !Changeset.FAILED.equals(c.status()))
            .count();
    return othersSettled && running < maxInFlightPerDatabase;
  }

  /** Whether a resend with {@code intent}'s token may still be decided (see freshWindow). */
  boolean tokenFresh(CreateIntent intent) {
    return age(intent).compareTo(freshWindow()) < 0;
  }

  /** A resend with the intent's token is decided only this long after the intent. */
  private Duration freshWindow() {
    return adoptAfter.compareTo(Intents.SEND_WINDOW) < 0 ? adoptAfter : Intents.SEND_WINDOW;
  }

  /** CreateKxChangeset with exactly what the intent records. */
  private Outcome create(KxChangeset r, StatusStore store, String eventReason, Instant sendBy) {
    CreateIntent intent = r.getStatus().getCreateIntent();
    DatabaseRef db = Intents.target(intent);
    Changeset cs =
        FinSpaceCalls.call(
            r,
            () ->
                calls
                    .of(r)
                    .create(db, r.getSpec().getChangeRequests(), intent.getClientToken(), sendBy));
    LOG.info("created changeset {} on {} ({})", cs.id(), db, cs.status());
    return recorder.recorded(
        r,
        db,
        cs,
        Outcome.Event.normal(
            eventReason, "Created FinSpace changeset " + cs.id() + " on database " + db),
        store);
  }

  private Outcome withdraw(KxChangeset r, String why, StatusStore store) {
    KxChangesetStatus next = StatusMapper.withdrawn(r, why, now());
    store.write(r, next);
    // Jittered, so that two processes that collided do not collide again.
    Duration again = polls.between(Duration.ofMillis(500), Duration.ofSeconds(2));
    return new Outcome(next, Optional.of(again), List.of(), true, true);
  }

  private Duration age(CreateIntent intent) {
    return Duration.between(Instant.parse(intent.getAttemptedAt()), now());
  }

  private Instant now() {
    return clock.instant();
  }
}
