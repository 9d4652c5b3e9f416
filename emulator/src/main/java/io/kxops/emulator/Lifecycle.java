/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * How changesets progress: PENDING for {@code pending}, then the in-progress status for {@code
 * processing}, then COMPLETED (or FAILED when a {@link FailureRule} matches); plus the concurrency
 * policy, by default and per database. Changed at run time; a changeset's schedule is fixed when it
 * is created, the in-progress string is applied when it is read.
 */
public final class Lifecycle {

  /** An immutable snapshot of the settings. */
  public record Settings(
      Duration pending,
      Duration processing,
      String inProgressStatus,
      ConcurrencyPolicy concurrency,
      Map<String, ConcurrencyPolicy> databaseConcurrency,
      List<FailureRule> failureRules) {

    public Settings {
      requireNonNegative(pending, "pending");
      requireNonNegative(processing, "processing");
      if (inProgressStatus == null || inProgressStatus.isBlank()) {
        throw new IllegalArgumentException("inProgressStatus must not be blank");
      }
      Objects.requireNonNull(concurrency, "concurrency");
      databaseConcurrency = Map.copyOf(databaseConcurrency);
      failureRules = List.copyOf(failureRules);
    }

    /** The defaults: 2 s PENDING, 10 s IN_PROGRESS (what the real service sends), CONCURRENT. */
    public static Settings defaults() {
      return new Settings(
          Duration.ofSeconds(2),
          Duration.ofSeconds(10),
          "IN_PROGRESS",
          ConcurrencyPolicy.CONCURRENT,
          Map.of(),
          List.of());
    }

    /** The policy that applies to one database. */
    public ConcurrencyPolicy concurrencyOf(String environmentId, String databaseName) {
      return databaseConcurrency.getOrDefault(environmentId + "/" + databaseName, concurrency);
    }

    private static void requireNonNegative(Duration d, String name) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be a non-negative duration");
      }
    }
  }

  private final AtomicReference<Settings> settings;
  private final Settings initial;

  Lifecycle(Settings initial) {
    this.initial = initial;
    this.settings = new AtomicReference<>(initial);
  }

  /** The current settings. */
  public Settings settings() {
    return settings.get();
  }

  /** How long a new changeset stays PENDING. */
  public Lifecycle pending(Duration d) {
    return update(s -> copy(s, d, s.processing(), s.inProgressStatus(), s.concurrency()));
  }

  /** How long it then stays in progress before it becomes COMPLETED or FAILED. */
  public Lifecycle processing(Duration d) {
    return update(s -> copy(s, s.pending(), d, s.inProgressStatus(), s.concurrency()));
  }

  /** The in-progress status string: {@code PROCESSING} (the model) or {@code IN_PROGRESS}. */
  public Lifecycle inProgressStatus(String status) {
    return update(s -> copy(s, s.pending(), s.processing(), status, s.concurrency()));
  }

  /** The concurrency policy of every database without its own. */
  public Lifecycle concurrency(ConcurrencyPolicy policy) {
    return update(s -> copy(s, s.pending(), s.processing(), s.inProgressStatus(), policy));
  }

  /** The concurrency policy of one database (null removes the override). */
  public Lifecycle concurrency(
      String environmentId, String databaseName, ConcurrencyPolicy policy) {
    return update(
        s -> {
          Map<String, ConcurrencyPolicy> m = new HashMap<>(s.databaseConcurrency());
          if (policy == null) {
            m.remove(environmentId + "/" + databaseName);
          } else {
            m.put(environmentId + "/" + databaseName, policy);
          }
          return new Settings(
              s.pending(),
              s.processing(),
              s.inProgressStatus(),
              s.concurrency(),
              m,
              s.failureRules());
        });
  }

  /** Adds a rule that makes matching changesets end FAILED. */
  public Lifecycle addFailureRule(FailureRule rule) {
    return update(
        s -> {
          List<FailureRule> rules = new ArrayList<>(s.failureRules());
          rules.add(rule);
          return withRules(s, rules);
        });
  }

  /** Replaces all failure rules. */
  public Lifecycle failureRules(List<FailureRule> rules) {
    return update(s -> withRules(s, rules));
  }

  /** Removes all failure rules. */
  public Lifecycle clearFailureRules() {
    return failureRules(List.of());
  }

  /** Back to the settings the emulator started with. */
  public Lifecycle reset() {
    settings.set(initial);
    return this;
  }

  private Lifecycle update(UnaryOperator<Settings> f) {
    settings.updateAndGet(f);
    return this;
  }

  private static Settings copy(
      Settings s, Duration pending, Duration processing, String inProgress, ConcurrencyPolicy p) {
    return new Settings(
        pending, processing, inProgress, p, s.databaseConcurrency(), s.failureRules());
  }

  private static Settings withRules(Settings s, List<FailureRule> rules) {
    return new Settings(
        s.pending(),
        s.processing(),
        s.inProgressStatus(),
        s.concurrency(),
        s.databaseConcurrency(),
        rules);
  }
}
