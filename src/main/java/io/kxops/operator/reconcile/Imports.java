/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.Failure;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.status.ResourceCheck;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The import path: a resource whose {@code spec.changesetId} names an existing FinSpace changeset.
 * It never creates: it reads the changeset (GetKxChangeset), checks that it holds exactly the
 * spec's change requests, and records it; from then on it is polled like any other.
 *
 * <p>Queue: an import never waits in its database's queue (it sends nothing) and, until recorded,
 * holds no slot. Once recorded it holds one exactly while the changeset is not final, like every
 * recorded changeset: the database is busy at FinSpace then, and a create sent beside it would run
 * past the limit. A changeset made outside the operator was never the operator's to limit, so the
 * import does not wait for a slot before recording it.
 */
final class Imports {

  private static final Logger LOG = LoggerFactory.getLogger(Imports.class);

  private final Clock clock;
  private final PollSchedule polls;

  Imports(Clock clock, PollSchedule polls) {
    this.clock = clock;
    this.polls = polls;
  }

  /** True when the resource imports an existing changeset instead of creating one. */
  static boolean requested(KxChangeset r) {
    return r.getSpec() != null && importedId(r) != null;
  }

  /** The changeset id the spec imports, or null. */
  static String importedId(KxChangeset r) {
    String id = r.getSpec() == null ? null : r.getSpec().getChangesetId();
    return id == null || id.isBlank() ? null : id.trim();
  }

  /**
   * Reads the named changeset and records it, or says why it cannot be this resource's.
   *
   * @param claims the other resources of the database that record or import the same id, read after
   *     {@code inFlight} (so that a create recorded meanwhile is in one or the other)
   * @param inFlight the other resources of the database in the view (those with a create intent),
   *     read at least as fresh as {@code r} in every watched namespace: a create that may have made
   *     the changeset wrote its intent before the changeset existed, so before {@code r} was
   *     created
   * @param finspace FinSpace as the resource's namespace calls it
   */
  Outcome reconcile(
      KxChangeset r,
      DatabaseRef db,
      List<KxChangeset> claims,
      List<KxChangeset> inFlight,
      FinSpace finspace,
      StatusStore store) {
    String id = importedId(r);
    Optional<KxChangeset> first = claimedBy(r, id, claims);
    if (first.isPresent()) {
      // Looked at again slowly: the other resource may be deleted, which wakes no one here.
      write(r, db, Reasons.DUPLICATE_IMPORT, duplicate(r, id, first.get(), db), store);
      return Outcome.requeue(polls.max());
    }
    Changeset cs;
    try {
      cs = finspace.get(db, id);
    } catch (FinSpaceException e) {
      if (e.failure() != Failure.CHANGESET_NOT_FOUND) {
        throw new ReconcileFailure(r, e);
      }
      // Not the create path's grace: nothing was just created, so the name is most likely wrong.
      // Still looked at again slowly, in case it was made a moment ago or the database comes.
      String message =
          "spec.changesetId "
              + id
              + ": FinSpace has no such changeset in database "
              + db
              + " (or no such database); check spec.changesetId, spec.environmentId,"
              + " spec.databaseName and spec.region. spec.changesetId cannot be changed: to"
              + " import another changeset, create a new KxChangeset";
      write(r, db, Failure.CHANGESET_NOT_FOUND.reason(), message, store);
      return Outcome.requeue(polls.max());
    }
    if (!Objects.equals(cs.changeRequests(), r.getSpec().getChangeRequests())) {
      String message =
          "FinSpace changeset "
              + id
              + " holds change requests "
              + cs.changeRequests()
              + " but spec.changeRequests is "
              + r.getSpec().getChangeRequests()
              + "; an import must state them exactly, in order. Nothing was recorded; correct"
              + " spec.changeRequests (or delete this KxChangeset)";
      // The changeset at FinSpace never changes, so only a spec edit can change the answer.
      write(r, db, Reasons.SPEC_MISMATCH, message, store);
      return Outcome.idle();
    }
    Optional<KxChangeset> maker = mayHaveMade(cs, inFlight);
    if (maker.isPresent()) {
      String message =
          "FinSpace changeset "
              + id
              + " may have been made by the create of "
              + who(r, maker.get())
              + ", whose answer is not recorded yet (its create intent was recorded at "
              + maker.get().getStatus().getCreateIntent().getAttemptedAt()
              + "); importing it now could let two KxChangesets record one changeset. Waiting"
              + " until that create is recorded";
      store.write(r, StatusMapper.importWaiting(r, db.region(), message, now()));
      return Outcome.requeue(polls.max());
    }
    Instant now = now();
    var next = StatusMapper.mirror(r, db.region(), cs, now);
    store.write(r, next);
    LOG.info("imported changeset {} of {} ({})", cs.id(), db, cs.status());
    Outcome.Event event =
        Outcome.Event.normal(
            "ChangesetImported",
            "Imported FinSpace changeset "
                + cs.id()
                + " of database "
                + db
                + " ("
                + cs.status()
                + ", created "
                + StatusMapper.rfc3339(cs.createdTimestamp())
                + "); no changeset was created");
    return new Outcome(
        next,
        cs.isFinal() ? Optional.empty() : Optional.of(polls.next(cs.createdTimestamp(), now)),
        List.of(event),
        false,
        true);
  }

  private void write(
      KxChangeset r, DatabaseRef db, String reason, String message, StatusStore store) {
    store.write(r, StatusMapper.importRefused(r, db.region(), reason, message, now()));
  }

  /**
   * The resource that has a prior claim on changeset {@code id}, when it is not {@code r}: one that
   * records it in its status, else an import of it created before {@code r} or in the same second.
   *
   * <p>Not queue order: an import created later in the same second may sort first by name, and the
   * earlier one may have read the claims before it existed and be about to record the changeset.
   * Created in one second, each yields to the other (both DuplicateImport until one is deleted);
   * created in different seconds, the later one saw the earlier one (the claims are read after it
   * was created) and yields, and the earlier one may go on whether or not it saw the later one.
   */
  private static Optional<KxChangeset> claimedBy(
      KxChangeset r, String id, List<KxChangeset> others) {
    Optional<KxChangeset> recorded = others.stream().filter(o -> recordedBy(o, id)).findFirst();
    if (recorded.isPresent()) {
      return recorded;
    }
    Instant created = DatabaseQueue.creation(r);
    return others.stream()
        .filter(o -> id.equals(importedId(o)))
        .filter(o -> !DatabaseQueue.creation(o).isAfter(created))
        .sorted(DatabaseQueue.ORDER)
        .findFirst();
  }

  /**
   * A resource whose create intent may have made {@code cs} without its answer being recorded: the
   * intent sends the same change requests (FinSpace makes what it is sent) and was recorded before
   * {@code cs} was created, clocks apart by at most {@link Intents#CLOCK_SKEW}. (An intent recorded
   * later cannot have made it: its create is sent after the intent.)
   */
  private static Optional<KxChangeset> mayHaveMade(Changeset cs, List<KxChangeset> inFlight) {
    String digest = Intents.digest(cs.changeRequests());
    return inFlight.stream()
        .filter(o -> StatusMapper.hasIntent(o.getStatus()))
        .filter(o -> !StatusMapper.hasChangeset(o.getStatus()))
        .filter(o -> digest.equals(o.getStatus().getCreateIntent().getRequestsDigest()))
        .filter(
            o -> {
              Instant at = ResourceCheck.parse(o.getStatus().getCreateIntent().getAttemptedAt());
              return at == null
                  || cs.createdTimestamp() == null
                  || !at.minus(Intents.CLOCK_SKEW).isAfter(cs.createdTimestamp());
            })
        .findFirst();
  }

  /**
   * The import waits: this process's view of the database's other KxChangesets is not yet as fresh
   * as the import in every watched namespace, and a create that may have made the changeset could
   * be missing from it.
   */
  Outcome viewBehind(KxChangeset r, DatabaseRef db, StatusStore store) {
    String message =
        "this operator's view of the other KxChangesets of the database is behind this import (a"
            + " watch lags, or another namespace could not be read); nothing is recorded until it"
            + " has caught up";
    store.write(r, StatusMapper.importWaiting(r, db.region(), message, now()));
    return Outcome.requeue(polls.initial());
  }

  /** How a status names another resource: never one of another namespace by name. */
  private static String who(KxChangeset r, KxChangeset other) {
    return Objects.equals(other.getMetadata().getNamespace(), r.getMetadata().getNamespace())
        ? other.getMetadata().getNamespace() + "/" + other.getMetadata().getName()
        : "a KxChangeset of another namespace";
  }

  private static String duplicate(KxChangeset r, String id, KxChangeset owner, DatabaseRef db) {
    String who = who(r, owner);
    boolean recorded = recordedBy(owner, id);
    return "FinSpace changeset "
        + id
        + " of database "
        + db
        + " is already "
        + (recorded ? "recorded" : "imported")
        + " by "
        + who
        + (recorded || DatabaseQueue.creation(owner).isBefore(DatabaseQueue.creation(r))
            ? ""
            : " (applied in the same second as this one: neither records it while both exist)")
        + "; one changeset is mirrored by one KxChangeset. Delete this one";
  }

  private static boolean recordedBy(KxChangeset o, String id) {
    return o.getStatus() != null && id.equals(o.getStatus().getChangesetId());
  }

  private Instant now() {
    return clock.instant();
  }
}
