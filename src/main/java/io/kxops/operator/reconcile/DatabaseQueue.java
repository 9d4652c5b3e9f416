/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.status.ResourceCheck;
import io.kxops.operator.status.StatusMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Per-database admission: at most {@code limit} changesets of one database are in flight; the rest
 * wait in creation order (creationTimestamp, then name, then namespace), except that a waiter
 * unable to create for longer than the yield bound goes behind the waiters that can, and a waiter
 * whose spec.dependsOn is not done yet takes no turn at all (the ones behind it go first).
 *
 * <p>In flight is every resource with a create intent or a changeset that is not final, wherever it
 * sorts: from the moment its intent is written, its create may have reached FinSpace. A resource
 * Stalled for a reason that gives up the slot (a changeset FinSpace no longer finds, a rejected
 * create) is neither in flight nor waiting.
 *
 * <p>Fairness: a waiter (no intent, no changeset) whose create keeps failing, or which is Stalled,
 * since longer than {@code yieldAfter} is <em>stuck</em>. Stuck waiters keep their order among
 * themselves but sort after every waiter that is not stuck, so one resource that cannot create
 * (another namespace's, say) holds nobody's turn for longer than the bound. Only waiters move: a
 * resource holding a create intent is in flight and counts against the limit, stuck or not.
 */
public final class DatabaseQueue {

  /** The queue order. */
  public static final Comparator<KxChangeset> ORDER =
      ((Comparator<KxChangeset>) DatabaseQueue::compareCreation)
          .thenComparing(r -> String.valueOf(r.getMetadata().getName()))
          .thenComparing(r -> String.valueOf(r.getMetadata().getNamespace()));

  private DatabaseQueue() {}

  /**
   * The changeset {@code me} waits for — the one just ahead of it in the queue, or one in flight
   * when none waits ahead — or empty when {@code me} may create its changeset now.
   *
   * @param sameDatabase every KxChangeset of the database ({@code me} may be among them)
   * @param now the time stuck waiters are judged at
   * @param yieldAfter how long a waiter may be unable to create before it gives its turn
   */
  public static Optional<KxChangeset> blocker(
      KxChangeset me, List<KxChangeset> sameDatabase, int limit, Instant now, Duration yieldAfter) {
    Comparator<KxChangeset> turn = turnOrder(now, yieldAfter);
    List<KxChangeset> others =
        sameDatabase.stream().filter(r -> !sameResource(r, me)).sorted(turn).toList();
    List<KxChangeset> inFlight =
        others.stream().filter(DatabaseQueue::inFlight).sorted(ORDER).toList();
    List<KxChangeset> waitingAhead =
        others.stream()
            .filter(r -> takesTurn(r, sameDatabase))
            .filter(r -> turn.compare(r, me) < 0)
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

  /**
   * When the next waiter ahead of {@code me} that is failing but not stuck yet becomes stuck (and
   * gives {@code me} its place), or empty when none will: {@code me} need not wait for an event.
   */
  public static Optional<Instant> nextYield(
      KxChangeset me, List<KxChangeset> sameDatabase, Instant now, Duration yieldAfter) {
    Comparator<KxChangeset> turn = turnOrder(now, yieldAfter);
    return sameDatabase.stream()
        .filter(r -> !sameResource(r, me))
        .filter(r -> takesTurn(r, sameDatabase))
        .filter(r -> turn.compare(r, me) < 0)
        .map(DatabaseQueue::unableSince)
        .filter(since -> since != null)
        .map(since -> since.plus(yieldAfter))
        .filter(at -> at.isAfter(now))
        .min(Comparator.naturalOrder());
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
   * still waiting, in turn order (stuck ones last). The ones behind them could only queue again;
   * they are woken in turn as the queue advances, and their slow requeue covers the rest.
   */
  public static List<KxChangeset> next(
      List<KxChangeset> sameDatabase, int limit, Instant now, Duration yieldAfter) {
    return sameDatabase.stream()
        .filter(r -> takesTurn(r, sameDatabase))
        .sorted(turnOrder(now, yieldAfter))
        .limit(limit)
        .toList();
  }

  /**
   * The order in which waiters take their turn at {@code now}: the queue order, with every stuck
   * waiter after every waiter that is not.
   */
  static Comparator<KxChangeset> turnOrder(Instant now, Duration yieldAfter) {
    return Comparator.comparing((KxChangeset r) -> stuck(r, now, yieldAfter)).thenComparing(ORDER);
  }

  /**
   * True when {@code r} waits for its turn but has been unable to create since at least {@code
   * yieldAfter} before {@code now}: it gives its turn to the waiters that can. Never true for a
   * resource with a create intent (that one is in flight, not waiting).
   */
  public static boolean stuck(KxChangeset r, Instant now, Duration yieldAfter) {
    if (!waiting(r)) {
      return false;
    }
    Instant since = unableSince(r);
    return since != null && !now.isBefore(since.plus(yieldAfter));
  }

  /**
   * Since when {@code r} has been unable to create: the start of its current run of failed creates
   * ({@code status.failure.since}) or of its Stalled condition, whichever is earlier; null when
   * neither is recorded.
   */
  public static Instant unableSince(KxChangeset r) {
    var s = r.getStatus();
    if (s == null) {
      return null;
    }
    Instant since = s.getFailure() == null ? null : ResourceCheck.parse(s.getFailure().getSince());
    var stalled = Conditions.find(s.getConditions(), Conditions.STALLED);
    // RepeatsHistory is a person's decision, not an inability: once let go, it waits like any
    // other.
    if (stalled != null
        && Conditions.TRUE.equals(stalled.getStatus())
        && !Reasons.REPEATS_HISTORY.equals(stalled.getReason())) {
      Instant t = ResourceCheck.parse(stalled.getLastTransitionTime());
      if (t != null && (since == null || t.isBefore(since))) {
        since = t;
      }
    }
    return since;
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
  public static boolean waiting(KxChangeset r) {
    var s = r.getStatus();
    return r.getSpec() != null
        && !Imports.requested(r) // an import never creates, so it never takes a turn
        && !StatusMapper.hasChangeset(s)
        && !StatusMapper.hasIntent(s)
        && !StatusMapper.isRejected(r)
        && !StatusMapper.stalledForGoodAtThisGeneration(r)
        && !RepeatCheck.refusedAsIs(r) // waits for a person, not for its turn
        && r.getMetadata().getDeletionTimestamp() == null;
  }

  /**
   * Creation order. The API server writes creationTimestamp as {@code yyyy-MM-ddTHH:mm:ssZ}, whose
   * text sorts as its time does: compared as text, because parsing two instants for every
   * comparison of every sort of a database's queue was 3.5 % of the operator's CPU in the benchmark
   * (docs/benchmarks.md); any other form is parsed.
   */
  static int compareCreation(KxChangeset a, KxChangeset b) {
    String x = a.getMetadata().getCreationTimestamp();
    String y = b.getMetadata().getCreationTimestamp();
    if (canonical(x) && canonical(y)) {
      return x.compareTo(y);
    }
    return creation(a).compareTo(creation(b));
  }

  /** Whether {@code t} is {@code yyyy-MM-ddTHH:mm:ssZ}: fixed width, digits where digits go. */
  static boolean canonical(String t) {
    if (t == null || t.length() != 20) {
      return false;
    }
    for (int i = 0; i < 20; i++) {
      char c = t.charAt(i);
      boolean ok =
          switch (i) {
            case 4, 7 -> c == '-';
            case 10 -> c == 'T';
            case 13, 16 -> c == ':';
            case 19 -> c == 'Z';
            default -> c >= '0' && c <= '9';
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waiting, and free to take its turn: a waiter held back by spec.dependsOn ({@link
   * Dependencies#held}) is passed by the resources behind it, so one that waits for a later one
   * cannot block the queue.
   */
  static boolean takesTurn(KxChangeset r, List<KxChangeset> sameDatabase) {
    return waiting(r) && !Dependencies.held(r, sameDatabase);
  }

  /** metadata.creationTimestamp; {@link Instant#MAX} when missing or unreadable. */
  static Instant creation(KxChangeset r) {
    String t = r.getMetadata().getCreationTimestamp();
    try {
      return t == null ? Instant.MAX : Instant.parse(t);
    } catch (RuntimeException e) {
      return Instant.MAX;
    }
  }

  /** {@code all} without {@code r} itself. */
  static List<KxChangeset> others(KxChangeset r, List<KxChangeset> all) {
    return all.stream().filter(o -> !sameResource(o, r)).toList();
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
