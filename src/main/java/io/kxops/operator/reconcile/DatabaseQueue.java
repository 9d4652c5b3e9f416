/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.status.StatusMapper;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Per-database admission: at most {@code limit} changesets of one database are in flight; the rest
 * wait in creation order (creationTimestamp, then name, then namespace).
 *
 * <p>In flight is every resource with a create intent or a changeset that is not final, wherever it
 * sorts: from the moment its intent is written, its create may have reached FinSpace. A resource
 * Stalled for a reason that gives up the slot (a changeset FinSpace no longer finds, a rejected
 * create) is neither in flight nor waiting.
 */
public final class DatabaseQueue {

  /** The queue order. */
  public static final Comparator<KxChangeset> ORDER =
      Comparator.comparing((KxChangeset r) -> creation(r))
          .thenComparing(r -> String.valueOf(r.getMetadata().getName()))
          .thenComparing(r -> String.valueOf(r.getMetadata().getNamespace()));

  private DatabaseQueue() {}

  /**
   * The changeset {@code me} waits for — the one just ahead of it in the queue, or one in flight
   * when none waits ahead — or empty when {@code me} may create its changeset now.
   *
   * @param sameDatabase every KxChangeset of the database ({@code me} may be among them)
   */
  public static Optional<KxChangeset> blocker(
      KxChangeset me, List<KxChangeset> sameDatabase, int limit) {
    List<KxChangeset> others =
        sameDatabase.stream().filter(r -> !sameResource(r, me)).sorted(ORDER).toList();
    List<KxChangeset> inFlight = others.stream().filter(DatabaseQueue::inFlight).toList();
    List<KxChangeset> waitingAhead =
        others.stream()
            .filter(DatabaseQueue::waiting)
            .filter(r -> ORDER.compare(r, me) < 0)
            .toList();
    if (inFlight.size() + waitingAhead.size() < limit) {
      return Optional.empty();
    }
    // Name the changeset immediately ahead, else one in flight: that answer does not change while
    // the queue advances, so waiting resources are not rewritten at every hand-off.
    return waitingAhead.isEmpty()
        ? Optional.of(inFlight.get(0))
        : Optional.of(waitingAhead.get(waitingAhead.size() - 1));
  }

  /** The resources other than {@code me} in flight on the database. */
  public static List<KxChangeset> inFlightOthers(KxChangeset me, List<KxChangeset> sameDatabase) {
    return sameDatabase.stream()
        .filter(r -> !sameResource(r, me))
        .filter(DatabaseQueue::inFlight)
        .toList();
  }

  /**
   * The changesets to wake when one of the database finished: the first {@code limit} of those
   * still waiting, in queue order. The ones behind them could only queue again; they are woken in
   * turn as the queue advances, and their slow requeue covers the rest.
   */
  public static List<KxChangeset> next(List<KxChangeset> sameDatabase, int limit) {
    return sameDatabase.stream().filter(DatabaseQueue::waiting).sorted(ORDER).limit(limit).toList();
  }

  /** Holds a slot: a create may have reached FinSpace, and the changeset is not final. */
  public static boolean inFlight(KxChangeset r) {
    var s = r.getStatus();
    if (StatusMapper.stalledForGood(s)) {
      return false;
    }
    return StatusMapper.hasChangeset(s) ? !StatusMapper.isFinal(s) : StatusMapper.hasIntent(s);
  }

  /** Waiting for its turn: no intent, no changeset, no import, not refused, not being deleted. */
  static boolean waiting(KxChangeset r) {
    var s = r.getStatus();
    return r.getSpec() != null
        && !Imports.requested(r) // an import never creates, so it never takes a turn
        && !StatusMapper.hasChangeset(s)
        && !StatusMapper.hasIntent(s)
        && !StatusMapper.isRejected(r)
        && !StatusMapper.stalledForGood(s)
        && r.getMetadata().getDeletionTimestamp() == null;
  }

  private static Instant creation(KxChangeset r) {
    String t = r.getMetadata().getCreationTimestamp();
    try {
      return t == null ? Instant.MAX : Instant.parse(t);
    } catch (RuntimeException e) {
      return Instant.MAX;
    }
  }

  static boolean sameResource(KxChangeset a, KxChangeset b) {
    String ua = a.getMetadata().getUid();
    String ub = b.getMetadata().getUid();
    if (ua != null && ub != null) {
      return ua.equals(ub);
    }
    return String.valueOf(a.getMetadata().getName())
            .equals(String.valueOf(b.getMetadata().getName()))
        && String.valueOf(a.getMetadata().getNamespace())
            .equals(String.valueOf(b.getMetadata().getNamespace()));
  }
}
