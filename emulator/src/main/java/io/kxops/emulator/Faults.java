/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Run-time faults for the FinSpace operations: added latency, scripted failures and drops, random
 * drops, a request-rate limit and random errors. Every random draw comes from one seeded {@link
 * Random} under this object's lock, so a sequence of calls fails the same way each run.
 *
 * <p>Per request, in this order: latency (applied in any case), then the first matching scripted
 * fault, else a random drop, else the rate limit (429), else a random error, else a random drop of
 * the response (the request takes effect, the client gets no answer).
 */
public final class Faults {

  /** How a connection is dropped: before the request is processed, or after (response lost). */
  public enum Drop {
    NONE,
    BEFORE,
    AFTER
  }

  /** What to do with one request. */
  record Decision(long latencyMillis, Drop drop, ApiException error) {
    static final Decision NONE = new Decision(0, Drop.NONE, null);
  }

  /**
   * A scripted fault: the next {@code remaining} calls of an operation (null = any) fail; with a
   * {@code database} ({@code "envId/dbName"}), only calls on that database.
   */
  public record Scripted(
      Operation operation,
      int remaining,
      Drop drop,
      String errorType,
      int httpStatus,
      String message,
      String reason,
      String database) {}

  /**
   * Every CreateKxChangeset with a PUT whose {@code s3Path} matches {@code s3PathGlob} (the glob of
   * {@link FailureRule}) is refused with this error before it takes effect — one client's resource
   * that can never create, while the others on the same database do.
   */
  public record Refusal(String s3PathGlob, String errorType, int httpStatus, String message) {}

  /** Latency added with a probability, uniformly from min to max. */
  public record Latency(Duration min, Duration max, double probability) {}

  /** A read-only copy of the fault configuration. */
  public record Snapshot(
      Double ratePerSecond,
      Integer rateBurst,
      List<Scripted> scripted,
      long seed,
      Map<String, Double> failureRates,
      double dropRate,
      double responseDropRate,
      Latency latency) {}

  private final LongSupplier clock;
  private final List<Scripted> scripted = new ArrayList<>();
  private final List<Refusal> refusals = new ArrayList<>();
  private final Map<String, Double> failureRates = new LinkedHashMap<>();
  private TokenBucket rateLimit;
  private long seed;
  private Random random;
  private double dropRate;
  private double responseDropRate;
  private Latency latency;

  Faults(LongSupplier clockMillis) {
    this.clock = clockMillis;
    clear();
  }

  /** Allows {@code perSecond} requests per second with bursts of that size (at least 1). */
  public Faults rateLimit(double perSecond) {
    return rateLimit(perSecond, (int) Math.max(1, Math.ceil(perSecond)));
  }

  /** Allows {@code perSecond} requests per second with bursts of up to {@code burst}. */
  public synchronized Faults rateLimit(double perSecond, int burst) {
    rateLimit = new TokenBucket(perSecond, burst, clock.getAsLong());
    return this;
  }

  /** Removes the rate limit. */
  public synchronized Faults noRateLimit() {
    rateLimit = null;
    return this;
  }

  /** The next {@code count} calls of {@code operation} (null = any) fail with a model error. */
  public Faults failNext(Operation operation, int count, String errorType) {
    return failNext(operation, count, errorType, ApiException.statusOf(errorType, 500), null, null);
  }

  /** As {@link #failNext(Operation, int, String)} with explicit HTTP status, message and reason. */
  public synchronized Faults failNext(
      Operation operation,
      int count,
      String errorType,
      int httpStatus,
      String message,
      String reason) {
    if (errorType == null || errorType.isBlank()) {
      throw new IllegalArgumentException("errorType must not be blank");
    }
    scripted.add(
        new Scripted(
            operation,
            positive(count),
            Drop.NONE,
            errorType,
            httpStatus,
            message == null ? "Emulated " + errorType : message,
            reason != null || !"ConflictException".equals(errorType) ? reason : "SCRIPTED_FAULT",
            null));
    return this;
  }

  /**
   * The next {@code count} calls of {@code operation} (null = any) lose their connection before
   * they are processed: no HTTP response, no effect.
   */
  public synchronized Faults dropNext(Operation operation, int count) {
    scripted.add(new Scripted(operation, positive(count), Drop.BEFORE, null, 0, null, null, null));
    return this;
  }

  /**
   * The next {@code count} calls of {@code operation} (null = any) are processed (a Create does
   * create its changeset) but lose their connection instead of getting the response.
   */
  public Faults dropResponseNext(Operation operation, int count) {
    return dropResponseNext(operation, null, null, count);
  }

  /**
   * As {@link #dropResponseNext(Operation, int)}, counting only calls on one database (null
   * environment: any database) — to lose the response of one client's create while others go on.
   */
  public synchronized Faults dropResponseNext(
      Operation operation, String environmentId, String databaseName, int count) {
    String database = environmentId == null ? null : environmentId + "/" + databaseName;
    scripted.add(
        new Scripted(operation, positive(count), Drop.AFTER, null, 0, null, null, database));
    return this;
  }

  /** Refuses every create reading from an s3Path that matches the glob (see {@link Refusal}). */
  public synchronized Faults refuseCreates(
      String s3PathGlob, String errorType, int httpStatus, String message) {
    if (s3PathGlob == null || errorType == null || errorType.isBlank()) {
      throw new IllegalArgumentException("s3PathGlob and errorType are required");
    }
    refusals.add(
        new Refusal(
            s3PathGlob,
            errorType,
            httpStatus,
            message == null ? "Emulated " + errorType + " for " + s3PathGlob : message));
    return this;
  }

  /** The error a create reading from {@code s3Paths} is refused with, or null. */
  synchronized ApiException refusal(List<String> s3Paths) {
    for (Refusal r : refusals) {
      var glob = FailureRule.globToRegex(r.s3PathGlob());
      if (s3Paths.stream().anyMatch(p -> p != null && glob.matcher(p).matches())) {
        return new ApiException(r.httpStatus(), r.errorType(), r.message(), null);
      }
    }
    return null;
  }

  /** Restarts the random sequence from {@code seed}. */
  public synchronized Faults seed(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
    return this;
  }

  /**
   * Fails each call with {@code errorType} with this probability (0 removes it). The rates of all
   * types share one draw per call, so they should add up to at most 1.
   */
  public synchronized Faults failureRate(String errorType, double probability) {
    if (probability <= 0) {
      failureRates.remove(errorType);
    } else {
      failureRates.put(errorType, probability(probability));
    }
    return this;
  }

  /** Drops the connection of each call, before processing it, with this probability. */
  public synchronized Faults dropRate(double probability) {
    dropRate = probability(probability);
    return this;
  }

  /** Processes each call but drops its response with this probability. */
  public synchronized Faults responseDropRate(double probability) {
    responseDropRate = probability(probability);
    return this;
  }

  /** Adds a fixed latency to every call. */
  public Faults latency(Duration fixed) {
    return latency(fixed, fixed, 1.0);
  }

  /** Adds a latency from min to max to a call with this probability (null min = none). */
  public synchronized Faults latency(Duration min, Duration max, double probability) {
    if (min == null) {
      latency = null;
    } else if (max.compareTo(min) < 0 || min.isNegative()) {
      throw new IllegalArgumentException("latency needs 0 <= min <= max");
    } else {
      latency = new Latency(min, max, probability(probability));
    }
    return this;
  }

  /** Removes every fault and restarts the random sequence from seed 0. */
  public synchronized Faults clear() {
    rateLimit = null;
    scripted.clear();
    refusals.clear();
    failureRates.clear();
    dropRate = 0;
    responseDropRate = 0;
    latency = null;
    seed(0);
    return this;
  }

  /** The current configuration. */
  public synchronized Snapshot snapshot() {
    return new Snapshot(
        rateLimit == null ? null : rateLimit.perSecond,
        rateLimit == null ? null : rateLimit.burst,
        List.copyOf(scripted),
        seed,
        Map.copyOf(failureRates),
        dropRate,
        responseDropRate,
        latency);
  }

  /** {@code database} is the call's {@code "envId/dbName"}. */
  synchronized Decision decide(Operation op, String database) {
    if (rateLimit == null
        && scripted.isEmpty()
        && failureRates.isEmpty()
        && dropRate == 0
        && responseDropRate == 0
        && latency == null) {
      return Decision.NONE;
    }
    long latencyMillis = 0;
    if (latency != null && random.nextDouble() < latency.probability()) {
      long min = latency.min().toMillis();
      long span = latency.max().toMillis() - min;
      latencyMillis = min + (span == 0 ? 0 : (long) (random.nextDouble() * (span + 1)));
    }
    for (int i = 0; i < scripted.size(); i++) {
      Scripted s = scripted.get(i);
      if ((s.operation() == null || s.operation() == op)
          && (s.database() == null || s.database().equals(database))) {
        if (s.remaining() <= 1) {
          scripted.remove(i);
        } else {
          scripted.set(
              i,
              new Scripted(
                  s.operation(),
                  s.remaining() - 1,
                  s.drop(),
                  s.errorType(),
                  s.httpStatus(),
                  s.message(),
                  s.reason(),
                  s.database()));
        }
        return s.drop() != Drop.NONE
            ? new Decision(latencyMillis, s.drop(), null)
            : new Decision(
                latencyMillis,
                Drop.NONE,
                new ApiException(s.httpStatus(), s.errorType(), s.message(), s.reason()));
      }
    }
    if (dropRate > 0 && random.nextDouble() < dropRate) {
      return new Decision(latencyMillis, Drop.BEFORE, null);
    }
    if (rateLimit != null && !rateLimit.tryAcquire(clock.getAsLong())) {
      return new Decision(latencyMillis, Drop.NONE, ApiException.throttling("Rate exceeded"));
    }
    if (!failureRates.isEmpty()) {
      double draw = random.nextDouble();
      double cumulative = 0;
      for (Map.Entry<String, Double> e : failureRates.entrySet()) {
        cumulative += e.getValue();
        if (draw < cumulative) {
          String type = e.getKey();
          return new Decision(
              latencyMillis,
              Drop.NONE,
              new ApiException(
                  ApiException.statusOf(type, 500),
                  type,
                  "Emulated random " + type,
                  "ConflictException".equals(type) ? "RANDOM_FAULT" : null));
        }
      }
    }
    if (responseDropRate > 0 && random.nextDouble() < responseDropRate) {
      return new Decision(latencyMillis, Drop.AFTER, null);
    }
    return new Decision(latencyMillis, Drop.NONE, null);
  }

  private static int positive(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1");
    }
    return count;
  }

  private static double probability(double p) {
    if (p < 0 || p > 1) {
      throw new IllegalArgumentException("probability must be from 0 to 1, got " + p);
    }
    return p;
  }
}
