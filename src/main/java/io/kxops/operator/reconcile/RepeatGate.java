/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Caller;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The repeat step of admission: REFUSE_REPEATED_HISTORY as {@link RepeatCheck} finds it. */
final class RepeatGate {

  private static final Logger LOG = LoggerFactory.getLogger(RepeatGate.class);

  private final RepeatCheck repeats;
  private final ClusterView cluster;
  private final FinSpaceCalls calls;
  private final Clock clock;

  RepeatGate(RepeatCheck repeats, ClusterView cluster, FinSpaceCalls calls, Clock clock) {
    this.repeats = repeats;
    this.cluster = cluster;
    this.calls = calls;
    this.clock = clock;
  }

  /**
   * REFUSE_REPEATED_HISTORY, before any intent: a resource whose requests repeat a changeset made
   * before it is Stalled and sends nothing (a Warning event when that is news). It gives its turn
   * up at once: the next waiter is woken.
   */
  Optional<Outcome> refuse(KxChangeset r, DatabaseRef db, StatusStore store) {
    Caller caller = calls.callerOf(r);
    List<KxChangeset> seen = cluster.onDatabase(db.key());
    Optional<RepeatCheck.Repeat> repeat =
        FinSpaceCalls.call(r, () -> repeats.find(r, db, seen, caller, calls.as(caller)));
    if (repeat.isEmpty() || RepeatCheck.confirmed(r, repeat.get())) {
      repeat.ifPresent(
          x -> LOG.info("re-running the requests of changeset {}, as annotated", x.newest().id()));
      return Optional.empty();
    }
    String message = RepeatCheck.message(r, db, repeat.get());
    var stalled = Conditions.stalledWith(r, Reasons.REPEATS_HISTORY);
    boolean news =
        stalled == null
            || !repeat.get().newest().id().equals(RepeatCheck.repeatedId(stalled.getMessage()));
    LOG.info("not created, repeats history: {}", message);
    KxChangesetStatus next =
        StatusMapper.importRefused(
            r, db.region(), Reasons.REPEATS_HISTORY, message, clock.instant());
    store.write(r, next);
    List<Outcome.Event> events =
        news ? List.of(Outcome.Event.warning(Reasons.REPEATS_HISTORY, message)) : List.of();
    return Optional.of(new Outcome(next, Optional.empty(), events, true, true));
  }
}
