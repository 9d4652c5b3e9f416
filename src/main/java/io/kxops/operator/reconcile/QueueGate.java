/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database's queue as one process applies it: the admission locks, and {@link DatabaseQueue}'s
 * rules read on the view, a resource whose turn has not come written as Queued.
 */
final class QueueGate {

  private static final Logger LOG = LoggerFactory.getLogger(QueueGate.class);

  private final ClusterView cluster;
  private final int maxInFlightPerDatabase;
  private final Duration queueYieldAfter;
  private final PollSchedule polls;
  private final Clock clock;
  private final Object[] admissionLocks = new Object[64];

  QueueGate(
      ClusterView cluster,
      int maxInFlightPerDatabase,
      Duration queueYieldAfter,
      PollSchedule polls,
      Clock clock) {
    this.cluster = cluster;
    this.maxInFlightPerDatabase = maxInFlightPerDatabase;
    this.queueYieldAfter = queueYieldAfter;
    this.polls = polls;
    this.clock = clock;
    for (int i = 0; i < admissionLocks.length; i++) {
      admissionLocks[i] = new Object();
    }
  }

  /** The lock under which this process admits to {@code db}: one decision at a time. */
  Object lockOf(DatabaseRef db) {
    return admissionLocks[Math.floorMod(db.key().hashCode(), admissionLocks.length)];
  }

  /** Under the admission lock: queues {@code r} if its turn has not come. */
  Optional<Outcome> queueIfBlocked(KxChangeset r, DatabaseRef db, StatusStore store) {
    List<KxChangeset> peers = cluster.onDatabase(db.key());
    Instant now = clock.instant();
    Duration yieldAfter = queueYieldAfter;
    Optional<KxChangeset> blocker =
        DatabaseQueue.blocker(r, peers, maxInFlightPerDatabase, now, yieldAfter);
    if (blocker.isEmpty()) {
      return Optional.empty();
    }
    String waitingFor = describe(r, blocker.get(), db);
    String why = DatabaseQueue.stuck(r, now, yieldAfter) ? yielded(r) : null;
    LOG.debug("queued behind {}", waitingFor);
    store.write(r, StatusMapper.queued(r, db.region(), waitingFor, why, now));
    // The wake-up comes as an event when the blocker finishes, or when a waiter ahead that keeps
    // failing gives its turn; the slow requeue only covers deletions, which produce no event for
    // this resource.
    Duration again = polls.max();
    Optional<Instant> yields = DatabaseQueue.nextYield(r, peers, now, yieldAfter);
    if (yields.isPresent() && Duration.between(now, yields.get()).compareTo(again) < 0) {
      again = Duration.between(now, yields.get()).plusMillis(100);
    }
    return Optional.of(Outcome.requeue(again));
  }

  /** The one {@code r} waits behind on {@code db}, if its turn has not come; nothing is written. */
  Optional<KxChangeset> blocker(KxChangeset r, DatabaseRef db) {
    return DatabaseQueue.blocker(
        r, cluster.onDatabase(db.key()), maxInFlightPerDatabase, clock.instant(), queueYieldAfter);
  }

  /** Whether the other resources in flight on {@code db} already fill its limit. */
  boolean overLimit(KxChangeset r, DatabaseRef db) {
    return DatabaseQueue.inFlightOthers(r, cluster.onDatabase(db.key())).size()
        >= maxInFlightPerDatabase;
  }

  /**
   * The one {@code me} waits for, as its status may say it. Nothing of another namespace's resource
   * is named — neither its name nor its FinSpace changeset id: that is not this namespace's
   * business (the changeset id would also let this namespace look up the other team's data load).
   */
  static String describe(KxChangeset me, KxChangeset b, DatabaseRef db) {
    if (!Objects.equals(b.getMetadata().getNamespace(), me.getMetadata().getNamespace())) {
      return "a KxChangeset of another namespace on database " + db;
    }
    String id = b.getStatus() == null ? null : b.getStatus().getChangesetId();
    return b.getMetadata().getNamespace()
        + "/"
        + b.getMetadata().getName()
        + (id == null ? "" : " (changeset " + id + ")")
        + " on database "
        + db;
  }

  /** Why a stuck waiter is queued behind others that came later. */
  private String yielded(KxChangeset r) {
    var f = r.getStatus() == null ? null : r.getStatus().getFailure();
    Instant since = DatabaseQueue.unableSince(r);
    return "this resource has been unable to create since "
        + StatusMapper.rfc3339(since)
        + (f == null ? "" : " (" + f.getReason() + ")")
        + ", longer than QUEUE_YIELD_AFTER ("
        + queueYieldAfter
        + "), so it gave its turn to the resources that can, and tries again when none waits ahead";
  }
}
