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
 * Per-database admission: at most {@code limit} changesets of one database are in flight in
 * FinSpace; the rest wait in creation order (creationTimestamp, then name, then namespace).
 *
 * <p>Every resource applies the same rule to the same ordered list, so two resources never both
 * decide they are next, even when reconciled on different threads.
 */
public final class DatabaseQueue {

  /** The queue order. */
  public static final Comparator<KxChangeset> ORDER =
      Comparator.comparing((KxChangeset r) -> creation(r))
          .thenComparing(r -> r.getMetadata().getName())
          .thenComparing(r -> String.valueOf(r.getMetadata().getNamespace()));

  private DatabaseQueue() {}

  /**
   * The changeset {@code me} waits for — the one just ahead of it in the queue, or the one in
   * flight when none waits ahead — or empty when {@code me} may create its changeset now.
   *
   * @param sameDatabase every KxChangeset of the database ({@code me} may be among them)
   */
  public static Optional<KxChangeset> blocker(
      KxChangeset me, List<KxChangeset> sameDatabase, int limit) {
    List<KxChangeset> others =
        sameDatabase.stream().filter(r -> !sameResource(r, me)).sorted(ORDER).toList();
    // Changesets FinSpace already holds and that are not final count wherever they sort:
    // a late-sorting resource may have been admitted while an earlier one was rejected.
    List<KxChangeset> inFlight =
        others.stream()
            .filter(r -> StatusMapper.hasChangeset(r.getStatus()))
            .filter(r -> !StatusMapper.isFinal(r.getStatus()))
            .toList();
    List<KxChangeset> waitingAhead =
        others.stream()
            .filter(DatabaseQueue::waiting)
            .filter(r -> ORDER.compare(r, me) < 0)
            .toList();
    if (inFlight.size() + waitingAhead.size() < limit) {
      return Optional.empty();
    }
    // Name the changeset immediately ahead, else the one in flight: that answer does not change
    // while the queue advances, so waiting resources are not rewritten at every hand-off (which
    // made status writes grow with the square of the queue length; docs/benchmarks.md).
    return waitingAhead.isEmpty()
        ? Optional.of(inFlight.get(0))
        : Optional.of(waitingAhead.get(waitingAhead.size() - 1));
  }

  /**
   * The changesets to wake when one of the database finished: the first {@code limit} of those
   * still waiting, in queue order. The ones behind them could only queue again (each a
   * reconciliation for nothing: 3,600 of them per 1,000 changesets over 100 databases); they are
   * woken in turn as the queue advances, and their slow requeue covers the rest.
   */
  public static List<KxChangeset> next(List<KxChangeset> sameDatabase, int limit) {
    return sameDatabase.stream().filter(DatabaseQueue::waiting).sorted(ORDER).limit(limit).toList();
  }

  /** Waiting for its turn: no changeset yet, not refused by FinSpace, not being deleted. */
  private static boolean waiting(KxChangeset r) {
    return !StatusMapper.hasChangeset(r.getStatus())
        && !StatusMapper.isRejected(r)
        && r.getMetadata().getDeletionTimestamp() == null;
  }

  private static Instant creation(KxChangeset r) {
    String t = r.getMetadata().getCreationTimestamp();
    return t == null ? Instant.MAX : Instant.parse(t);
  }

  private static boolean sameResource(KxChangeset a, KxChangeset b) {
    String ua = a.getMetadata().getUid();
    String ub = b.getMetadata().getUid();
    if (ua != null && ub != null) {
      return ua.equals(ub);
    }
    return a.getMetadata().getName().equals(b.getMetadata().getName())
        && String.valueOf(a.getMetadata().getNamespace())
            .equals(String.valueOf(b.getMetadata().getNamespace()));
  }
}
