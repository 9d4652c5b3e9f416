/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one reconciliation decided, beyond the status it wrote: when to look again, the Kubernetes
 * events to record, whether the database's queue should be woken (a slot was freed), and whether a
 * failure is retried.
 *
 * @param status the status as written (null when nothing was written)
 */
public record Outcome(
    KxChangesetStatus status,
    Optional<Duration> requeueAfter,
    List<Event> events,
    boolean wakeDatabase,
    boolean retry) {

  /** A Kubernetes event on the resource. */
  public record Event(boolean warning, String reason, String message) {
    public static Event normal(String reason, String message) {
      return new Event(false, reason, message);
    }

    public static Event warning(String reason, String message) {
      return new Event(true, reason, message);
    }
  }

  /** Nothing to do: final, or waiting for a spec edit. */
  public static Outcome idle() {
    return new Outcome(null, Optional.empty(), List.of(), false, true);
  }

  /** Look again after {@code d}. */
  public static Outcome requeue(Duration d) {
    return new Outcome(null, Optional.of(d), List.of(), false, true);
  }
}
