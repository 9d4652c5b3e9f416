/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.Dependency;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.status.ResourceCheck;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * spec.dependsOn: whether a resource's dependencies let it create now, and who waits for whom.
 *
 * <p>A resource whose dependencies are not all COMPLETED does not create and takes no place in its
 * database's queue ({@link #held}): the resources behind it go first, and it takes its turn in
 * creation order once they are done. So the queue's order is creation order, amended by dependsOn.
 * Only the resource's own admission reads its dependencies' truth (by name: a final one has left
 * the operator's cache); the queue judges the others from the view and their status.
 */
final class Dependencies {

  /** The reasons of a resource held back by its dependencies, waiting or Stalled. */
  static final Set<String> REASONS =
      Set.of(
          Reasons.DEPENDENCY_PENDING,
          Reasons.DEPENDENCY_NOT_FOUND,
          Reasons.DEPENDENCY_FAILED,
          Reasons.DEPENDENCY_CYCLE,
          Reasons.DEPENDENCY_ON_OTHER_DATABASE);

  /** How a DependencyNotFound message says since when the dependency is missing. */
  static final String MISSING_SINCE = "; missing since ";

  /** How a DependencyNotFound message says that the wait has lasted (its Warning was sent). */
  static final String LASTING = " (for 5 minutes or more)";

  private final ClusterView cluster;
  private final Function<KxChangeset, DatabaseRef> targetOf;
  private final Clock clock;
  private final PollSchedule polls;

  Dependencies(
      ClusterView cluster,
      Function<KxChangeset, DatabaseRef> targetOf,
      Clock clock,
      PollSchedule polls) {
    this.cluster = cluster;
    this.targetOf = targetOf;
    this.clock = clock;
    this.polls = polls;
  }

  /** The names spec.dependsOn lists, each once, in order. */
  static List<String> names(KxChangeset r) {
    if (r.getSpec() == null || r.getSpec().getDependsOn() == null) {
      return List.of();
    }
    Set<String> out = new LinkedHashSet<>();
    for (Dependency d : r.getSpec().getDependsOn()) {
      if (d != null && d.getName() != null && !d.getName().isBlank()) {
        out.add(d.getName().trim());
      }
    }
    return List.copyOf(out);
  }

  /**
   * True when {@code r} may not take a turn in its database's queue because of its dependencies: a
   * dependency the view holds is not COMPLETED, or {@code r}'s status (for its current spec) says
   * it waits for one that does not exist or stalls on one. A status that says DependencyPending
   * alone does not hold it once its dependencies have left the view (final ones leave it): its
   * admission then reads them, and a later resource must not pass it meanwhile.
   */
  static boolean held(KxChangeset r, List<KxChangeset> sameDatabase) {
    List<String> names = names(r);
    if (names.isEmpty()) {
      return false;
    }
    var ready = r.getStatus() == null ? null : ready(r.getStatus());
    if (ready != null
        && REASONS.contains(ready.getReason())
        && !Reasons.DEPENDENCY_PENDING.equals(ready.getReason())
        && Objects.equals(ready.getObservedGeneration(), r.getMetadata().getGeneration())) {
      return true;
    }
    String ns = r.getMetadata().getNamespace();
    return sameDatabase.stream()
        .filter(o -> Objects.equals(ns, o.getMetadata().getNamespace()))
        .filter(o -> names.contains(o.getMetadata().getName()))
        .filter(o -> !DatabaseQueue.sameResource(o, r))
        .anyMatch(o -> !completed(o));
  }

  /** The resources of {@code sameDatabase} whose spec.dependsOn names {@code x}. */
  static List<KxChangeset> dependantsOf(KxChangeset x, List<KxChangeset> sameDatabase) {
    String ns = x.getMetadata().getNamespace();
    String name = x.getMetadata().getName();
    return sameDatabase.stream()
        .filter(o -> Objects.equals(ns, o.getMetadata().getNamespace()))
        .filter(o -> !DatabaseQueue.sameResource(o, x))
        .filter(o -> names(o).contains(name))
        .toList();
  }

  /**
   * The shortest cycle of spec.dependsOn through {@code r} among the resources of its namespace in
   * {@code sameDatabase} that are not final, as names from {@code r} back to {@code r}; empty when
   * there is none. A final resource ends every path: it waits for nothing any more.
   */
  static List<String> cycle(KxChangeset r, List<KxChangeset> sameDatabase) {
    String ns = r.getMetadata().getNamespace();
    String me = r.getMetadata().getName();
    Map<String, KxChangeset> byName = new HashMap<>();
    for (KxChangeset o : sameDatabase) {
      if (Objects.equals(ns, o.getMetadata().getNamespace())
          && !DatabaseQueue.sameResource(o, r)
          && !StatusMapper.isFinal(o.getStatus())) {
        byName.put(o.getMetadata().getName(), o);
      }
    }
    Map<String, String> parent = new HashMap<>();
    ArrayDeque<String> todo = new ArrayDeque<>();
    for (String n : names(r)) {
      if (byName.containsKey(n) && parent.putIfAbsent(n, me) == null) {
        todo.add(n);
      }
    }
    while (!todo.isEmpty()) {
      String n = todo.poll();
      for (String next : names(byName.get(n))) {
        if (next.equals(me)) {
          List<String> path = new ArrayList<>(List.of(me));
          for (String at = n; !at.equals(me); at = parent.get(at)) {
            path.add(1, at);
          }
          path.add(me);
          return path;
        }
        if (byName.containsKey(next) && parent.putIfAbsent(next, n) == null) {
          todo.add(next);
        }
      }
    }
    return List.of();
  }

  /**
   * Holds {@code r} back when its dependencies do not let it create yet: writes why and says when
   * to look again. Empty when every dependency is COMPLETED (or it has none).
   */
  Optional<Outcome> hold(KxChangeset r, DatabaseRef db, StatusStore store) {
    List<String> names = names(r);
    if (names.isEmpty()) {
      return Optional.empty();
    }
    String ns = r.getMetadata().getNamespace();
    List<KxChangeset> peers = cluster.onDatabase(db.key());
    List<String> cycle = cycle(r, peers);
    if (!cycle.isEmpty()) {
      return Optional.of(
          block(
              r,
              db,
              Reasons.DEPENDENCY_CYCLE,
              "spec.dependsOn forms a cycle: "
                  + String.join(" -> ", cycle)
                  + " (namespace "
                  + ns
                  + "); none of them can ever start. Remove one entry: the spec of a KxChangeset"
                  + " that waits can still be edited",
              true,
              store));
    }
    List<String> missing = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<String> elsewhere = new ArrayList<>();
    for (String name : names) {
      Optional<KxChangeset> found = cluster.named(ns, name);
      if (found.isEmpty()) {
        missing.add(ns + "/" + name);
        continue;
      }
      KxChangeset d = found.get();
      DatabaseRef theirs = targetOf.apply(d);
      KxChangesetStatus s = d.getStatus();
      if (!theirs.key().equals(db.key())) {
        elsewhere.add(ns + "/" + name + " (database " + theirs + ")");
      } else if (completed(d)) {
        continue;
      } else if (s != null && Changeset.FAILED.equals(s.getStatus())) {
        failed.add(ns + "/" + name + " FAILED (changeset " + s.getChangesetId() + ")");
      } else if (stalled(s) != null) {
        var c = stalled(s);
        failed.add(ns + "/" + name + " is Stalled (" + c.getReason() + ": " + c.getMessage() + ")");
      } else {
        var ready = s == null ? null : ready(s);
        pending.add(
            ns
                + "/"
                + name
                + (s != null && s.getChangesetId() != null
                    ? " (changeset " + s.getChangesetId() + ", " + s.getStatus() + ")"
                    : ready == null ? " (not reconciled yet)" : " (" + ready.getReason() + ")"));
      }
    }
    if (!elsewhere.isEmpty()) {
      return Optional.of(
          block(
              r,
              db,
              Reasons.DEPENDENCY_ON_OTHER_DATABASE,
              "spec.dependsOn names "
                  + String.join(", ", elsewhere)
                  + ", but this KxChangeset targets database "
                  + db
                  + ": order is kept between changesets of one database only. Remove the entry",
              true,
              store));
    }
    if (!failed.isEmpty()) {
      return Optional.of(
          block(
              r,
              db,
              Reasons.DEPENDENCY_FAILED,
              "not created: its dependency "
                  + String.join("; ", failed)
                  + ". Fix or replace the dependency (a new KxChangeset of the same name), or"
                  + " remove it from spec.dependsOn; this one goes ahead once its dependencies are"
                  + " COMPLETED",
              true,
              store));
    }
    if (!missing.isEmpty()) {
      return Optional.of(notFound(r, db, missing, store));
    }
    if (!pending.isEmpty()) {
      return Optional.of(
          block(
              r,
              db,
              Reasons.DEPENDENCY_PENDING,
              "waiting for its dependencies to complete: "
                  + String.join(", ", pending)
                  + "; it takes no place in the queue of database "
                  + db
                  + " meanwhile",
              false,
              store));
    }
    return Optional.empty();
  }

  /**
   * {@code r} with a Stalled condition of an earlier dependency check removed, for its admission
   * once its dependencies are done: a queued status would otherwise read that Stalled as a failure
   * to create and send the resource behind every other waiter.
   */
  static KxChangeset released(KxChangeset r) {
    KxChangesetStatus s = r.getStatus();
    var stalled = stalled(s);
    if (stalled == null || !REASONS.contains(stalled.getReason())) {
      return r;
    }
    KxChangesetStatus next = s.copy();
    next.getConditions().removeIf(c -> Conditions.STALLED.equals(c.getType()));
    KxChangeset copy = new KxChangeset();
    copy.setMetadata(r.getMetadata());
    copy.setSpec(r.getSpec());
    copy.setStatus(next);
    return copy;
  }

  private Outcome notFound(KxChangeset r, DatabaseRef db, List<String> missing, StatusStore store) {
    Instant now = clock.instant();
    var ready = r.getStatus() == null ? null : ready(r.getStatus());
    Instant since = now;
    boolean warned = false;
    if (ready != null
        && Reasons.DEPENDENCY_NOT_FOUND.equals(ready.getReason())
        && ready.getMessage() != null
        && ready.getMessage().contains(MISSING_SINCE)) {
      String m = ready.getMessage();
      int at = m.lastIndexOf(MISSING_SINCE) + MISSING_SINCE.length();
      int end = m.indexOf(LASTING, at);
      Instant parsed = ResourceCheck.parse(end < 0 ? m.substring(at) : m.substring(at, end));
      since = parsed == null ? now : parsed;
      warned = m.contains(LASTING);
    }
    boolean lasting =
        !Duration.between(since, now).minus(StatusMapper.LASTING_FAILURE).isNegative();
    String message =
        "waiting for "
            + String.join(", ", missing)
            + ": no KxChangeset of that name exists (yet); it may not be applied yet. This one"
            + " takes no place in the queue of database "
            + db
            + " meanwhile"
            + MISSING_SINCE
            + StatusMapper.rfc3339(since)
            + (lasting ? LASTING : "");
    KxChangesetStatus next =
        StatusMapper.dependencyBlocked(
            r, db.region(), Reasons.DEPENDENCY_NOT_FOUND, message, false, now);
    store.write(r, next);
    List<Outcome.Event> events =
        lasting && !warned
            ? List.of(Outcome.Event.warning(Reasons.DEPENDENCY_NOT_FOUND, message))
            : List.of();
    // A dependency that is created wakes its dependants; the backoff covers one that is not.
    return new Outcome(next, Optional.of(polls.next(since, now)), events, !wasHeld(r), true);
  }

  private Outcome block(
      KxChangeset r,
      DatabaseRef db,
      String reason,
      String message,
      boolean stall,
      StatusStore store) {
    Instant now = clock.instant();
    KxChangesetStatus next =
        StatusMapper.dependencyBlocked(r, db.region(), reason, message, stall, now);
    var before = r.getStatus() == null ? null : ready(r.getStatus());
    boolean news =
        before == null
            || !reason.equals(before.getReason())
            || !Objects.equals(ready(next).getMessage(), before.getMessage());
    store.write(r, next);
    List<Outcome.Event> events =
        stall && news ? List.of(Outcome.Event.warning(reason, message)) : List.of();
    // Woken when a dependency finishes (or is created); the slow requeue covers the rest (an
    // edit of a dependency, a deletion).
    return new Outcome(next, Optional.of(polls.max()), events, !wasHeld(r), true);
  }

  /**
   * Whether {@code r}'s status already said it waits for its dependencies: if not, it may have been
   * a waiter ahead of others, and those are woken now that it steps aside.
   */
  private static boolean wasHeld(KxChangeset r) {
    var ready = r.getStatus() == null ? null : ready(r.getStatus());
    return ready != null && REASONS.contains(ready.getReason());
  }

  /** COMPLETED: the only state that lets a dependant go on. */
  static boolean completed(KxChangeset r) {
    return StatusMapper.isFinal(r.getStatus())
        && Changeset.COMPLETED.equals(r.getStatus().getStatus());
  }

  private static io.kxops.operator.api.v1alpha1.Condition ready(KxChangesetStatus s) {
    return Conditions.find(s.getConditions(), Conditions.READY);
  }

  private static io.kxops.operator.api.v1alpha1.Condition stalled(KxChangesetStatus s) {
    var c = s == null ? null : Conditions.find(s.getConditions(), Conditions.STALLED);
    return c != null && Conditions.TRUE.equals(c.getStatus()) ? c : null;
  }
}
