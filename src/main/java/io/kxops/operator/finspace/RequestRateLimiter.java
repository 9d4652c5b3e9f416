/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * A global client-side limit on FinSpace HTTP requests. It runs as an SDK interceptor before every
 * transmission, so the SDK's own retries are limited too and a throttling FinSpace never sees a
 * retry storm. Requests are spaced evenly (no bursts) at {@code permitsPerSecond}.
 */
final class RequestRateLimiter implements ExecutionInterceptor {

  private final long intervalNanos;
  private long nextFreeNanos = System.nanoTime();

  RequestRateLimiter(double permitsPerSecond) {
    this.intervalNanos = (long) (TimeUnit.SECONDS.toNanos(1) / permitsPerSecond);
  }

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
    acquire();
  }

  /** Blocks until the caller may send one request. */
  void acquire() {
    long wait = reserve();
    while (wait > 0) {
      long until = System.nanoTime() + wait;
      LockSupport.parkNanos(wait);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return;
      }
      wait = until - System.nanoTime();
    }
  }

  private synchronized long reserve() {
    long now = System.nanoTime();
    long slot = Math.max(now, nextFreeNanos);
    nextFreeNanos = slot + intervalNanos;
    return slot - now;
  }
}
