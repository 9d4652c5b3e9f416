/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A recorded create intent without a changeset id, finished exactly once: resent with its token
 * while FinSpace honours it, else FinSpace asked first whether its create took effect ({@link
 * Adoption}): adopted, Stalled as ambiguous for a person to choose, or created after the List.
 */
final class Resumption {

  private static final Logger LOG = LoggerFactory.getLogger(Resumption.class);

  private final ClusterView cluster;
  private final AccessGate access;
  private final QueueGate queue;
  private final Creation creation;
  private final Recorder recorder;
  private final FinSpaceCalls calls;
  private final PollSchedule polls;
  private final Clock clock;

  Resumption(
      ClusterView cluster,
      AccessGate access,
      QueueGate queue,
      Creation creation,
      Recorder recorder,
      FinSpaceCalls calls,
      PollSchedule polls,
      Clock clock) {
    this.cluster = cluster;
    this.access = access;
    this.queue = queue;
    this.creation = creation;
    this.recorder = recorder;
    this.calls = calls;
    this.polls = polls;
    this.clock = clock;
  }

  /** An intent exists but no changeset id: finish what it started, exactly once. */
  Outcome resume(KxChangeset r, StatusStore store) {
    CreateIntent intent = r.getStatus().getCreateIntent();
    DatabaseRef db = Intents.target(intent);
    // Every way on from here may send CreateKxChangeset (a resend, a create after the List) or
    // adopt one: checked like a first create. A refused intent is kept, not withdrawn (see
    // AccessGate).
    Optional<Outcome> refused = access.refuse(r, db, store);
    if (refused.isPresent()) {
      return refused.get();
    }
    String pick = Adoption.pick(r);
    if (pick != null && Adoption.isAmbiguous(r)) {
      return resolveByPick(r, db, pick, store);
    }
    boolean sameSpec = Intents.matchesSpec(intent, Targets.ofSpec(r, intent), r);
    boolean overLimit = queue.overLimit(r, db);
    boolean tokenFresh = creation.tokenFresh(intent);
    if (sameSpec && tokenFresh && !overLimit && !Adoption.isAmbiguous(r)) {
      // A retry while FinSpace still honours the token: the same token and body make FinSpace
      // return this intent's changeset if it made one, and make it once if not. No guessing.
      return creation.resend(r, store);
    }
    // The token may have expired (or the spec or the database's queue changed): ask FinSpace
    // whether the intent's create took effect before sending anything.
    // Whatever FinSpace lists took effect before it; whatever it does not, took effect after this.
    Instant listedAt = now();
    FinSpace api = calls.of(r);
    List<ChangesetSummary> listed = FinSpaceCalls.call(r, () -> api.list(db));
    Adoption.Lookup found = lookup(r, intent, db, listed);
    if (found.changeset() != null) {
      // Before adopting, read the other resources on a view at least as fresh as the List: a
      // rival whose create is in the List wrote its intent before that create, so once this
      // process's watch has delivered a write made after the List, the rival's intent (or its
      // recorded changeset id) is in the view. The write is the resumed-attempt mark, with the
      // resourceVersion as precondition like every other.
      KxChangeset marked = creation.markResumed(r, store);
      if (marked == null) {
        return Outcome.requeue(polls.initial());
      }
      r = marked;
      overLimit = queue.overLimit(r, db);
      found = lookup(r, intent, db, listed);
    }
    if (found.changeset() != null) {
      Changeset cs = found.changeset();
      LOG.info("adopted changeset {}: an earlier create of this intent took effect", cs.id());
      return recorder.recorded(
          r,
          db,
          cs,
          Outcome.Event.normal(
              "ChangesetAdopted",
              "Recorded FinSpace changeset "
                  + cs.id()
                  + ", which an earlier attempt of this resource's create made (created "
                  + StatusMapper.rfc3339(cs.createdTimestamp())
                  + ", after the create intent of "
                  + intent.getAttemptedAt()
                  + ", with its change requests)"),
          store);
    }
    if (found.ambiguity() != null) {
      boolean wasInFlight = DatabaseQueue.inFlight(r);
      KxChangeset written =
          store.write(
              r, StatusMapper.ambiguous(r, found.ambiguity(), found.candidatesFinal(), now()));
      if (wasInFlight && !DatabaseQueue.inFlight(written)) {
        return new Outcome(written.getStatus(), Optional.of(polls.max()), List.of(), true, true);
      }
      return Outcome.requeue(polls.max());
    }
    // FinSpace holds nothing this intent made.
    if (!sameSpec) {
      store.write(r, StatusMapper.specChanged(r, now()));
      return Outcome.requeue(polls.max());
    }
    if (overLimit && !creation.mayGoAheadOfUnrecorded(r, db, listed)) {
      // Keep the intent: another process may be about to send it (withdrawing it then would let a
      // later, fresh intent miss that changeset). Wait for the others to finish.
      return Outcome.requeue(polls.initial());
    }
    return creation.createAfterList(r, store, listedAt, listed);
  }

  /** A person chose with the adopt annotation. */
  private Outcome resolveByPick(KxChangeset r, DatabaseRef db, String pick, StatusStore store) {
    if (Adoption.ADOPT_NONE.equals(pick)) {
      CreateIntent intent = r.getStatus().getCreateIntent();
      if (!Intents.matchesSpec(intent, Targets.ofSpec(r, intent), r)) {
        store.write(r, StatusMapper.specChanged(r, now()));
        return Outcome.requeue(polls.max());
      }
      if (!DatabaseQueue.inFlight(r)) {
        // AdoptionAmbiguousFinal gave the database's slot up and the queue moved on: take a slot
        // again as any new create does (queue, a fresh intent, its confirmation).
        return readmit(r, db, store);
      }
      return creation.createAfterList(r, store, now(), null);
    }
    Changeset cs = FinSpaceCalls.call(r, () -> calls.of(r).get(db, pick));
    // The claims on the pick read by its id (the API server's LISTs by changeset id where they
    // are selectable): another namespace's watch may not have delivered an import that records
    // it, and a running changeset's record is not among the final resources othersOn reads.
    String rejected =
        Adoption.rejectPick(r, pick, cs, DatabaseQueue.others(r, cluster.claiming(db, pick)));
    if (rejected != null) {
      store.write(r, StatusMapper.ambiguous(r, rejected, false, now()));
      return Outcome.requeue(polls.max());
    }
    return recorder.recorded(
        r,
        db,
        cs,
        Outcome.Event.normal(
            "ChangesetAdopted",
            "Adopted FinSpace changeset "
                + cs.id()
                + " as chosen by annotation "
                + Adoption.ADOPT_ANNOTATION),
        store);
  }

  /** Admits a resource whose intent no longer holds a slot, as a new one is admitted. */
  private Outcome readmit(KxChangeset r, DatabaseRef db, StatusStore store) {
    Optional<Outcome> refused = access.refuse(r, db, store);
    if (refused.isPresent()) {
      return refused.get();
    }
    KxChangeset written;
    synchronized (queue.lockOf(db)) {
      Optional<KxChangeset> blocker = queue.blocker(r, db);
      if (blocker.isPresent()) {
        LOG.debug("adopt-changeset=none waits behind {}", QueueGate.describe(r, blocker.get(), db));
        return Outcome.requeue(polls.max());
      }
      written = creation.recordIntent(r, db, store);
    }
    return creation.confirmAndCreate(written, db, store);
  }

  /** Whether the intent's create took effect, as {@code listed} shows (see {@link Adoption}). */
  private Adoption.Lookup lookup(
      KxChangeset r, CreateIntent intent, DatabaseRef db, List<ChangesetSummary> listed) {
    return Adoption.lookup(
        r,
        intent,
        listed,
        othersOn(r, db),
        id -> FinSpaceCalls.call(r, () -> calls.of(r).get(db, id)));
  }

  /**
   * The other resources of {@code db}, final ones included: the view first, then the final ones it
   * leaves out (read after it, so a resource that became final in between is in one or the other).
   */
  private List<KxChangeset> othersOn(KxChangeset r, DatabaseRef db) {
    List<KxChangeset> all = new ArrayList<>(cluster.onDatabase(db.key()));
    all.addAll(cluster.finalOn(db));
    return DatabaseQueue.others(r, all);
  }

  private Instant now() {
    return clock.instant();
  }
}
