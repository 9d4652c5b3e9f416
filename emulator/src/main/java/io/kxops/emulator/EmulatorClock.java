/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The emulator's clock: real time plus an offset, optionally frozen; tests move it instead of
 * sleeping.
 */
public final class EmulatorClock {

  /** Either a running clock (real time + offset) or a frozen instant; swapped atomically. */
  private record State(long offsetMillis, Long frozenAtMillis) {}

  private final AtomicReference<State> state = new AtomicReference<>(new State(0, null));

  /** The current emulator time in epoch milliseconds. */
  public long nowMillis() {
    State s = state.get();
    return s.frozenAtMillis != null
        ? s.frozenAtMillis
        : System.currentTimeMillis() + s.offsetMillis;
  }

  /** The current emulator time. */
  public Instant now() {
    return Instant.ofEpochMilli(nowMillis());
  }

  /** Moves the clock forward (or back, for a negative duration) by {@code by}. */
  public EmulatorClock advance(Duration by) {
    long ms = by.toMillis();
    state.updateAndGet(
        s ->
            s.frozenAtMillis != null
                ? new State(s.offsetMillis, s.frozenAtMillis + ms)
                : new State(s.offsetMillis + ms, null));
    return this;
  }

  /** Stops the clock at its current time; from now on only {@link #advance} moves it. */
  public EmulatorClock freeze() {
    state.updateAndGet(s -> s.frozenAtMillis != null ? s : new State(s.offsetMillis, nowMillis()));
    return this;
  }

  /** Stops the clock at {@code at}. */
  public EmulatorClock freezeAt(Instant at) {
    state.set(new State(0, at.toEpochMilli()));
    return this;
  }

  /** Lets a frozen clock run again from where it stands (no jump back to real time). */
  public EmulatorClock unfreeze() {
    state.updateAndGet(
        s ->
            s.frozenAtMillis == null
                ? s
                : new State(s.frozenAtMillis - System.currentTimeMillis(), null));
    return this;
  }

  /** Whether the clock is frozen. */
  public boolean frozen() {
    return state.get().frozenAtMillis != null;
  }

  /** Difference to real time in milliseconds. */
  public long offsetMillis() {
    return nowMillis() - System.currentTimeMillis();
  }

  /** Back to real time. */
  public EmulatorClock reset() {
    state.set(new State(0, null));
    return this;
  }
}
