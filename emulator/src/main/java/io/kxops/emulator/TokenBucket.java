/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

/**
 * A token bucket on the emulator clock: {@code perSecond} tokens refill each second up to {@code
 * burst}. Driven by the emulator clock so that a frozen clock makes rate limiting deterministic.
 */
final class TokenBucket {
  final double perSecond;
  final int burst;
  private double tokens;
  private long lastMillis;

  TokenBucket(double perSecond, int burst, long nowMillis) {
    if (!(perSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("rate limit needs perSecond > 0 and burst >= 1");
    }
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.lastMillis = nowMillis;
  }

  synchronized boolean tryAcquire(long nowMillis) {
    if (nowMillis > lastMillis) {
      tokens = Math.min(burst, tokens + (nowMillis - lastMillis) * perSecond / 1000.0);
    }
    // A clock moved backwards refills nothing but resets the reference point.
    lastMillis = nowMillis;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
