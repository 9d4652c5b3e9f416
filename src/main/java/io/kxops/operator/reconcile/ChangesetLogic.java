/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.ErrorClass;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconcile rules of design.md §2 for one KxChangeset, free of JOSDK: decide, call FinSpace,
 * and return an {@link Outcome}. Failed FinSpace calls are thrown (so JOSDK's retry applies) and
 * turned into an Outcome by {@link #failed}.
 */
public final class ChangesetLogic {

  /** Tunables from the operator configuration. */
  public record Settings(
      String defaultRegion,
      int maxInFlightPerDatabase,
      Duration adoptAfter,
      Duration accessDeniedStallAfter) {}

  /** How far FinSpace's clock may run behind the API server's when matching creation times. */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(ChangesetLogic.class);

  private final FinSpace finspace;
  private final ClusterView cluster;
  private final Clock clock;
  private final Settings settings;
  private final PollSchedule polls;

  /** Since when each resource's calls have failed with the same reason (uid → reason, since). */
  private final Map<String, Failing> failing = new ConcurrentHashMap<>();

  private record Failing(String reason, Instant since) {}

  public ChangesetLogic(
      FinSpace finspace, ClusterView cluster, Clock clock, Settings settings, PollSchedule polls) {
    this.finspace = finspace;
    this.cluster = cluster;
    this.clock = clock;
    this.settings = settings;
    this.polls = polls;
  }

  /** The database a resource targets; its region defaults to the operator's. */
  public DatabaseRef databaseOf(KxChangeset r) {
    String region = r.getSpec().getRegion();
    return new DatabaseRef(
        region == null || region.isBlank() ? settings.defaultRegion() : region,
        r.getSpec().getEnvironmentId(),
        r.getSpec().getDatabaseName());
  }

  /** One reconciliation. Throws {@link FinSpaceException} when a FinSpace call fails. */
  public Outcome reconcile(KxChangeset r) {
    KxChangesetStatus current = r.getStatus();
    DatabaseRef db = databaseOf(r);
    if (StatusMapper.hasChangeset(current)) {
      return StatusMapper.isFinal(current) ? Outcome.idle(current) : poll(r, db);
    }
    if (StatusMapper.isRejected(r)) {
      return Outcome.idle(current); // FinSpace refused this spec; an edit brings a new generation
    }
    Instant now = clock.instant();
    Optional<KxChangeset> blocker =
        DatabaseQueue.blocker(r, cluster.onDatabase(db.key()), settings.maxInFlightPerDatabase());
    if (blocker.isPresent()) {
      KxChangeset b = blocker.get();
      String waitingFor =
          b.getMetadata().getNamespace()
              + "/"
              + b.getMetadata().getName()
              + (StatusMapper.hasChangeset(b.getStatus())
                  ? " (changeset " + b.getStatus().getChangesetId() + ")"
                  : "")
              + " on database "
              + db;
      LOG.debug("queued behind {}", waitingFor);
      // The wake-up comes as an event when the blocker finishes; the slow requeue only covers
      // deletions, which produce no event for this resource: of a blocker in flight, or of the
      // one woken ahead of this resource before it could start.
      return new Outcome(
          StatusMapper.queued(r, db.region(), waitingFor, now),
          Optional.of(polls.max()),
          List.of(),
          false,
          true);
    }
    Optional<Changeset> adopted =
        age(r, now).compareTo(settings.adoptAfter()) >= 0
            ? findEarlierAttempt(r, db)
            : Optional.empty();
    if (adopted.isPresent()) {
      Changeset cs = adopted.get();
      LOG.info("adopted changeset {} created by an earlier attempt", cs.id());
      return afterCreate(
          r,
          db,
          cs,
          Outcome.Event.normal(
              "ChangesetAdopted",
              "Adopted FinSpace changeset "
                  + cs.id()
                  + " created by an earlier attempt whose client token has expired"));
    }
    Changeset cs = finspace.create(db, r.getSpec().getChangeRequests(), r.getMetadata().getUid());
    LOG.info("created changeset {} on {} ({})", cs.id(), db, cs.status());
    return afterCreate(
        r,
        db,
        cs,
        Outcome.Event.normal(
            "ChangesetCreated", "Created FinSpace changeset " + cs.id() + " on database " + db));
  }

  private Outcome afterCreate(KxChangeset r, DatabaseRef db, Changeset cs, Outcome.Event event) {
    Instant now = clock.instant();
    failing.remove(uid(r));
    KxChangesetStatus next = StatusMapper.mirror(r, db.region(), cs, now);
    List<Outcome.Event> events = new ArrayList<>(List.of(event));
    events.addAll(finalEvents(r.getStatus(), next));
    return new Outcome(
        next,
        cs.isFinal() ? Optional.empty() : Optional.of(polls.next(cs.createdTimestamp(), now)),
        events,
        cs.isFinal(),
        true);
  }

  private Outcome poll(KxChangeset r, DatabaseRef db) {
    KxChangesetStatus current = r.getStatus();
    Changeset cs = finspace.get(db, current.getChangesetId());
    Instant now = clock.instant();
    failing.remove(uid(r));
    KxChangesetStatus next = StatusMapper.mirror(r, db.region(), cs, now);
    Instant created =
        current.getCreatedTimestamp() == null
            ? cs.createdTimestamp()
            : Instant.parse(current.getCreatedTimestamp());
    return new Outcome(
        next,
        cs.isFinal() ? Optional.empty() : Optional.of(polls.next(created, now)),
        finalEvents(current, next),
        cs.isFinal(),
        true);
  }

  /**
   * Token-expiry recovery: a changeset that an earlier attempt created for this resource, if one
   * exists — created after the resource, claimed by no other KxChangeset, and holding exactly this
   * spec's change requests.
   */
  private Optional<Changeset> findEarlierAttempt(KxChangeset r, DatabaseRef db) {
    Instant notBefore = Instant.parse(r.getMetadata().getCreationTimestamp()).minus(CLOCK_SKEW);
    List<ChangesetSummary> listed = finspace.list(db);
    // Read after the List: a sibling whose create returned while the List ran has recorded its
    // changeset by now, and must not have it adopted by this resource too.
    Set<String> claimed =
        cluster.onDatabase(db.key()).stream()
            .filter(o -> !Objects.equals(o.getMetadata().getUid(), r.getMetadata().getUid()))
            .map(o -> o.getStatus() == null ? null : o.getStatus().getChangesetId())
            .filter(Objects::nonNull)
            .collect(Collectors.toSet());
    List<ChangesetSummary> candidates =
        listed.stream()
            .filter(s -> s.createdTimestamp() == null || !s.createdTimestamp().isBefore(notBefore))
            .filter(s -> !claimed.contains(s.id()))
            .sorted(
                Comparator.comparing(
                    ChangesetSummary::createdTimestamp,
                    Comparator.nullsLast(Comparator.naturalOrder())))
            .toList();
    for (ChangesetSummary s : candidates) {
      Changeset cs = finspace.get(db, s.id());
      if (r.getSpec().getChangeRequests().equals(cs.changeRequests())) {
        return Optional.of(cs);
      }
    }
    return Optional.empty();
  }

  /** The outcome of a failed FinSpace call: conditions, events, and whether to keep retrying. */
  public Outcome failed(KxChangeset r, FinSpaceException e) {
    Instant now = clock.instant();
    DatabaseRef db = databaseOf(r);
    Failing f =
        failing.compute(
            uid(r),
            (k, old) ->
                old != null && old.reason().equals(e.reason())
                    ? old
                    : new Failing(e.reason(), now));
    KxChangesetStatus next =
        StatusMapper.callFailed(
            r, db.region(), e, now, f.since(), settings.accessDeniedStallAfter());
    String previousReason = reasonOf(r.getStatus());
    List<Outcome.Event> events = new ArrayList<>();
    boolean terminal = e.errorClass() == ErrorClass.TERMINAL;
    if (terminal && e.operation() == Operation.CREATE) {
      events.add(Outcome.Event.warning("CreateRejected", e.getMessage()));
    }
    if (Reasons.ACCESS_DENIED.equals(e.reason()) && !e.reason().equals(previousReason)) {
      events.add(Outcome.Event.warning("AccessDenied", e.getMessage()));
    }
    LOG.warn(
        "{} failed ({}, {}): {}",
        e.operation().apiName(),
        e.errorClass(),
        e.reason(),
        e.getMessage());
    // A rejected create no longer holds its place in the database's queue.
    return new Outcome(
        next, Optional.empty(), events, terminal && e.operation() == Operation.CREATE, !terminal);
  }

  /** The changesets of {@code finished}'s database that may start now that it is done. */
  public List<KxChangeset> toWake(KxChangeset finished) {
    String uid = finished.getMetadata().getUid();
    List<KxChangeset> peers =
        cluster.onDatabase(databaseOf(finished).key()).stream()
            .filter(r -> !Objects.equals(r.getMetadata().getUid(), uid))
            .toList();
    return DatabaseQueue.next(peers, settings.maxInFlightPerDatabase());
  }

  /** Forgets in-memory state of a deleted resource. */
  public void forget(String uid) {
    failing.remove(uid);
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

  private static String reasonOf(KxChangesetStatus s) {
    if (s == null) {
      return null;
    }
    var stalled = Conditions.find(s.getConditions(), Conditions.STALLED);
    if (stalled != null && Conditions.TRUE.equals(stalled.getStatus())) {
      return stalled.getReason();
    }
    var reconciling = Conditions.find(s.getConditions(), Conditions.RECONCILING);
    return reconciling == null ? null : reconciling.getReason();
  }

  private static Duration age(KxChangeset r, Instant now) {
    String t = r.getMetadata().getCreationTimestamp();
    return t == null ? Duration.ZERO : Duration.between(Instant.parse(t), now);
  }

  private static String uid(KxChangeset r) {
    return String.valueOf(r.getMetadata().getUid());
  }
}
