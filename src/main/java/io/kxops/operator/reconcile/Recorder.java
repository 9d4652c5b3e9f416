/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.Failure;
import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.finspace.Reaction;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.ResourceCheck;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what FinSpace answered into status: a changeset created or adopted, a poll's mirror, a
 * failed call; with the events of a changeset that became final.
 */
final class Recorder {

  private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);

  private final FinSpaceCalls calls;
  private final Targets targets;
  private final RepeatCheck repeats;
  private final PollSchedule polls;
  private final Duration accessDeniedStallAfter;
  private final Clock clock;

  Recorder(
      FinSpaceCalls calls,
      Targets targets,
      RepeatCheck repeats,
      PollSchedule polls,
      Duration accessDeniedStallAfter,
      Clock clock) {
    this.calls = calls;
    this.targets = targets;
    this.repeats = repeats;
    this.polls = polls;
    this.accessDeniedStallAfter = accessDeniedStallAfter;
    this.clock = clock;
  }

  /** Records a changeset FinSpace made for this resource, at once. */
  Outcome recorded(
      KxChangeset r, DatabaseRef db, Changeset cs, Outcome.Event event, StatusStore store) {
    Instant now = now();
    repeats.remember(db, cs);
    KxChangesetStatus next = StatusMapper.mirror(r, db.region(), cs, now);
    store.write(r, next);
    List<Outcome.Event> events = new ArrayList<>(List.of(event));
    events.addAll(finalEvents(r.getStatus(), next));
    return new Outcome(
        next,
        cs.isFinal() ? Optional.empty() : Optional.of(polls.next(cs.createdTimestamp(), now)),
        events,
        cs.isFinal(),
        true);
  }

  /** GetKxChangeset where the changeset lives, mirrored into status. */
  Outcome poll(KxChangeset r, StatusStore store) {
    DatabaseRef db = targets.of(r);
    KxChangesetStatus current = r.getStatus();
    Changeset cs = FinSpaceCalls.call(r, () -> calls.of(r).get(db, current.getChangesetId()));
    repeats.remember(db, cs);
    Instant now = now();
    KxChangesetStatus next = StatusMapper.mirror(r, db.region(), cs, now);
    store.write(r, next);
    Instant recorded = ResourceCheck.parse(current.getCreatedTimestamp());
    Instant created = recorded != null ? recorded : cs.createdTimestamp();
    return new Outcome(
        next,
        cs.isFinal() ? Optional.empty() : Optional.of(polls.next(created, now)),
        finalEvents(current, next),
        cs.isFinal(),
        true);
  }

  /**
   * Records a failed FinSpace call on {@code latest} (the resource as it was when the call failed)
   * as its failure's reaction says.
   */
  Outcome failed(KxChangeset latest, FinSpaceException e, StatusStore store) {
    Instant now = now();
    DatabaseRef db = targets.of(latest);
    KxChangesetStatus next =
        StatusMapper.callFailed(latest, db.region(), e, now, accessDeniedStallAfter);
    String previous = failingReason(latest.getStatus());
    boolean wasInFlight = DatabaseQueue.inFlight(latest);
    boolean wasFailingLong = StatusMapper.failingLong(latest.getStatus());
    store.write(latest, next);
    Failure f = e.failure();
    List<Outcome.Event> events = new ArrayList<>();
    if (!f.reaction().retry() && e.operation() == Operation.CREATE) {
      events.add(Outcome.Event.warning("CreateRejected", e.getMessage()));
    }
    // A Warning for every wait that lasts: a person must act on these, or at least know.
    if ((f.reaction().stall() == Reaction.Stall.AFTER_ACCESS_BOUND
            || f == Failure.DATABASE_NOT_FOUND)
        && !f.reason().equals(previous)) {
      events.add(Outcome.Event.warning(f.reason(), e.getMessage()));
    } else if (StatusMapper.failingLong(next) && !wasFailingLong) {
      events.add(
          Outcome.Event.warning(
              f.reason(),
              e.getMessage()
                  + " (failing for "
                  + StatusMapper.LASTING_FAILURE.toMinutes()
                  + " minutes or more; still retried)"));
    }
    LOG.warn("{} failed ({}): {}", e.operation().apiName(), f.reason(), e.getMessage());
    // A slot given up (a rejected create, an intent withdrawn, a changeset gone) wakes the queue.
    boolean slotFreed = wasInFlight && !DatabaseQueue.inFlight(withStatus(latest, next));
    return new Outcome(next, Optional.empty(), events, slotFreed, f.reaction().retry());
  }

  private static KxChangeset withStatus(KxChangeset r, KxChangesetStatus s) {
    KxChangeset copy = new KxChangeset();
    copy.setMetadata(r.getMetadata());
    copy.setSpec(r.getSpec());
    copy.setStatus(s);
    return copy;
  }

  private static List<Outcome.Event> finalEvents(
      KxChangesetStatus before, KxChangesetStatus after) {
    List<Outcome.Event> events = new ArrayList<>();
    String was = before == null ? null : before.getStatus();
    if (Objects.equals(was, after.getStatus())) {
      return events;
    }
    String id = after.getChangesetId();
    if (Changeset.COMPLETED.equals(after.getStatus())) {
      events.add(
          Outcome.Event.normal("ChangesetCompleted", "FinSpace changeset " + id + " COMPLETED"));
    } else if (Changeset.FAILED.equals(after.getStatus())) {
      var ready = Conditions.find(after.getConditions(), Conditions.READY);
      events.add(
          Outcome.Event.warning(
              "ChangesetFailed",
              ready == null ? "changeset " + id + " FAILED" : ready.getMessage()));
    }
    return events;
  }

  private static String failingReason(KxChangesetStatus s) {
    return s == null || s.getFailure() == null ? null : s.getFailure().getReason();
  }

  private Instant now() {
    return clock.instant();
  }
}
