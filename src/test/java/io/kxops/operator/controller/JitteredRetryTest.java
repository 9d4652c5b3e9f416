/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.processing.retry.RetryExecution;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** JOSDK's exponential retry, never giving up, each delay jittered by at most 20%. */
class JitteredRetryTest {

  @Test
  void growsToTheMaximumWithJitterAndNeverStops() {
    RetryExecution e =
        new JitteredRetry(Duration.ofSeconds(1), Duration.ofSeconds(60)).initExecution();
    long[] base = {1000, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
    for (long b : base) {
      long d = e.nextDelay().orElseThrow();
      assertThat(d).isBetween((long) (b * 0.8), (long) (b * 1.2));
    }
    for (int i = 0; i < 100; i++) {
      assertThat(e.nextDelay()).isPresent();
    }
  }
}
