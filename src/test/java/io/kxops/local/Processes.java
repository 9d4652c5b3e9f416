/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the sandbox needs to know about processes it did not start in this run: pid files, /proc.
 */
final class Processes {

  private Processes() {}

  static void kill(ProcessHandle h) {
    h.destroyForcibly();
    awaitGone(List.of(h), Duration.ofSeconds(20));
  }

  /**
   * Waits until none of {@code handles} runs. A killed process that is not our child stays a zombie
   * until init reaps it (which can take a second); it holds no port, so it counts as gone.
   */
  static boolean awaitGone(List<ProcessHandle> handles, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (handles.stream().anyMatch(Processes::running)) {
      if (Instant.now().isAfter(deadline)) {
        return false;
      }
      sleep(50);
    }
    return true;
  }

  /** Alive and not a zombie. */
  static boolean running(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
      int close = stat.lastIndexOf(')');
      return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return h.isAlive();
    }
  }

  static String executable(ProcessHandle h) {
    return h.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
  }

  static Optional<Long> readPid(Path file) {
    try {
      return Optional.of(Long.parseLong(Files.readString(file).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  static String commandLine(ProcessHandle h) {
    return h.info().commandLine().orElse("");
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ")";
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Console.StepFailed("interrupted");
    }
  }
}
