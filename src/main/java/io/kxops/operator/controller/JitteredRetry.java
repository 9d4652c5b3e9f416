/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.javaoperatorsdk.operator.processing.retry.Retry;
import io.javaoperatorsdk.operator.processing.retry.RetryExecution;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * JOSDK's exponential {@link GenericRetry} (unlimited attempts) with ±20% jitter on each delay, so
 * that changesets failing together (a throttling burst) do not retry together.
 */
public final class JitteredRetry implements Retry {

  static final double JITTER = 0.2;

  private final GenericRetry delegate;

  public JitteredRetry(Duration initial, Duration max) {
    this.delegate =
        new GenericRetry()
            .setInitialInterval(initial.toMillis())
            .setIntervalMultiplier(2.0)
            .setMaxInterval(max.toMillis())
            .withoutMaxAttempts();
  }

  @Override
  public RetryExecution initExecution() {
    RetryExecution execution = delegate.initExecution();
    return new RetryExecution() {
      @Override
      public Optional<Long> nextDelay() {
        return execution.nextDelay().map(JitteredRetry::jitter);
      }

      @Override
      public int getAttemptCount() {
        return execution.getAttemptCount();
      }

      @Override
      public boolean isLastAttempt() {
        return execution.isLastAttempt();
      }
    };
  }

  static long jitter(long millis) {
    double factor = 1 + JITTER * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    return Math.max(1, Math.round(millis * factor));
  }
}
