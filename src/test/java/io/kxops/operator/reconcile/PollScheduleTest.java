/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The poll delay: grows with the changeset's age, jittered, and never outside its bounds. */
class PollScheduleTest {

  static final Instant CREATED = Instant.parse("2026-11-28T10:00:00Z");
  static final Duration INITIAL = Duration.ofSeconds(5);
  static final Duration MAX = Duration.ofSeconds(60);

  static Duration delay(double random, Duration age) {
    return new PollSchedule(INITIAL, MAX, () -> random).next(CREATED, CREATED.plus(age));
  }

  @Test
  void jitterNeverGoesBelowTheInitialIntervalAndStillSpreads() {
    assertThat(delay(0.5, Duration.ZERO)).isEqualTo(INITIAL);
    // Jitter below the bound is folded above it: young changesets do not all poll together.
    assertThat(delay(0, Duration.ZERO)).isEqualTo(Duration.ofMillis(5500));
    assertThat(delay(0.25, Duration.ZERO)).isEqualTo(Duration.ofMillis(5250));
    assertThat(delay(0.999, Duration.ZERO)).isBetween(INITIAL, Duration.ofMillis(5500));
  }

  @Test
  void jitterNeverGoesAboveTheMaximumIntervalAndStillSpreads() {
    assertThat(delay(0.5, Duration.ofHours(1))).isEqualTo(MAX);
    assertThat(delay(0, Duration.ofHours(1))).isEqualTo(Duration.ofSeconds(54));
    assertThat(delay(0.75, Duration.ofHours(1))).isEqualTo(Duration.ofSeconds(57));
    assertThat(delay(0.999, Duration.ofHours(1))).isBetween(Duration.ofSeconds(54), MAX);
  }

  @Test
  void betweenTheBoundsTheDelayIsAQuarterOfTheAgeWithTenPercentJitter() {
    assertThat(delay(0.5, Duration.ofSeconds(80))).isEqualTo(Duration.ofSeconds(20));
    assertThat(delay(0, Duration.ofSeconds(80))).isEqualTo(Duration.ofSeconds(18));
  }
}
