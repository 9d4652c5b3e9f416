/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * When to call GetKxChangeset next. The delay grows with the changeset's age — a quarter of the
 * time since FinSpace created it — with ±10% jitter so that changesets created together do not poll
 * together, bounded by [initial, max]. Stateless: a restarted operator resumes the same pace.
 */
public final class PollSchedule {

  static final double GROWTH = 0.25;
  static final double JITTER = 0.10;

  private final Duration initial;
  private final Duration max;
  private final DoubleSupplier random;

  /**
   * @param random values in [0, 1), e.g. {@code ThreadLocalRandom.current()::nextDouble}
   */
  public PollSchedule(Duration initial, Duration max, DoubleSupplier random) {
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  /** The delay before the next poll of a changeset FinSpace created at {@code created}. */
  public Duration next(Instant created, Instant now) {
    long ageMillis = created == null ? 0 : Math.max(0, Duration.between(created, now).toMillis());
    long base = (long) (ageMillis * GROWTH);
    base = Math.max(initial.toMillis(), Math.min(max.toMillis(), base));
    double factor = 1 + JITTER * (2 * random.getAsDouble() - 1);
    long jittered = Math.round(base * factor);
    // Jitter that crosses a bound is folded back inside it rather than clipped: clipping would
    // give half of a burst of young changesets exactly the initial interval, polling together.
    long lo = initial.toMillis();
    long hi = max.toMillis();
    if (jittered < lo) {
      jittered = 2 * lo - jittered;
    } else if (jittered > hi) {
      jittered = 2 * hi - jittered;
    }
    return Duration.ofMillis(Math.max(lo, Math.min(hi, jittered)));
  }

  /** A delay between {@code base} and {@code base + spread}, drawn from the same random source. */
  public Duration between(Duration base, Duration spread) {
    return base.plusMillis((long) (spread.toMillis() * random.getAsDouble()));
  }

  public Duration initial() {
    return initial;
  }

  public Duration max() {
    return max;
  }
}
