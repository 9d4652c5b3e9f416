/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Progress lines, prefixed with the time since hack/sandbox.sh started. */
final class Console {
  private final long t0;
  private final boolean interactive;

  Console(long t0Nanos) {
    this.t0 = t0Nanos;
    String term = System.getenv("TERM");
    this.interactive = System.console() != null && term != null && !term.equals("dumb");
  }

  boolean interactive() {
    return interactive;
  }

  String prefix() {
    return "[%6.1fs] ".formatted((System.nanoTime() - t0) / 1e9);
  }

  synchronized void line(String msg) {
    System.out.println(prefix() + msg);
    System.out.flush();
  }

  synchronized void block(List<String> lines) {
    lines.forEach(System.out::println);
    System.out.flush();
  }

  synchronized void raw(String text) {
    System.out.print(text);
    System.out.flush();
  }

  /**
   * "... label: detail", the action, then " ok label: result (1.2s)"; checked exceptions are
   * wrapped.
   */
  <T> T step(String what, Action<T> action, java.util.function.Function<T, String> result) {
    line("... " + what);
    String label = what.contains(": ") ? what.substring(0, what.indexOf(": ")) : what;
    long start = System.nanoTime();
    T value;
    try {
      value = action.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    line(
        " ok "
            + label
            + ": "
            + result.apply(value)
            + " ("
            + seconds(System.nanoTime() - start)
            + ")");
    return value;
  }

  String step(String what, Action<String> action) {
    return step(what, action, r -> r);
  }

  static String seconds(long nanos) {
    double s = nanos / 1e9;
    return s < 10 ? "%.1fs".formatted(s) : "%.0fs".formatted(s);
  }

  /** A step's work. */
  @FunctionalInterface
  interface Action<T> {
    T run() throws Exception;
  }

  /** A start-up step failed; the message says what and where to look. */
  static final class StepFailed extends RuntimeException {
    StepFailed(String message) {
      super(message);
    }
  }
}
