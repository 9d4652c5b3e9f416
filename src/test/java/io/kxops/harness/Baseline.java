/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.SdkFinSpace;
import io.kxops.operator.reconcile.PollSchedule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a user would script instead of the operator: a bare loop over the same AWS SDK client (the
 * operator's own {@link SdkFinSpace}: same retry strategy, same global rate limit) that creates the
 * changesets and polls them to completion, doing the same work the same way — at most {@code
 * perDatabase} in flight per database, in the same order, on the same poll schedule. No Kubernetes,
 * no status writes, no watches: the floor the operator is measured against.
 */
final class Baseline {

  /**
   * From the start to the last changeset seen final, each one's final status by name, and when each
   * was seen final (nanoTime, by name).
   */
  record Result(
      long startNanos, long endNanos, Map<String, String> finalStatus, Map<String, Long> finalAt) {
    double totalSeconds() {
      return (endNanos - startNanos) / 1e9;
    }
  }

  private final SdkFinSpace finspace;
  private final PollSchedule polls;
  private final ScheduledExecutorService pool;
  private final AtomicLong errors = new AtomicLong();

  Baseline(URI endpoint, Duration poll, Duration maxPoll, double ratePerSecond, int threads) {
    // The default credential chain, as for the operator; here through system properties.
    System.setProperty("aws.accessKeyId", "AKIDBASELINE");
    System.setProperty("aws.secretAccessKey", "baseline-secret");
    this.finspace =
        new SdkFinSpace(
            new SdkFinSpace.Settings(
                Optional.of(endpoint), 3, ratePerSecond, threads + 2, Duration.ofSeconds(60)),
            new SimpleMeterRegistry());
    this.polls = new PollSchedule(poll, maxPoll, () -> ThreadLocalRandom.current().nextDouble());
    this.pool = Executors.newScheduledThreadPool(threads);
  }

  /** Runs every item to COMPLETED or FAILED; blocks until done or {@code timeout}. */
  Result run(List<Workload.Item> items, int perDatabase, Duration timeout) {
    Map<String, Deque<Workload.Item>> queues = new LinkedHashMap<>();
    for (Workload.Item i : items) {
      queues.computeIfAbsent(i.database(), k -> new ArrayDeque<>()).add(i);
    }
    Map<String, Long> done = new ConcurrentHashMap<>();
    Map<String, String> status = new ConcurrentHashMap<>();
    CountDownLatch latch = new CountDownLatch(items.size());
    long start = System.nanoTime();
    Loop loop = new Loop(queues, done, status, latch);
    for (String db : queues.keySet()) {
      for (int n = 0; n < perDatabase; n++) {
        pool.execute(() -> loop.next(db));
      }
    }
    try {
      if (!latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            "baseline: " + latch.getCount() + " changesets not final after " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    long end = done.values().stream().mapToLong(Long::longValue).max().orElse(System.nanoTime());
    return new Result(start, end, status, Map.copyOf(done));
  }

  /** Calls that failed (and were tried again). */
  long errors() {
    return errors.get();
  }

  void close() {
    pool.shutdownNow();
    finspace.close();
  }

  /** The loop's steps; a failed call is simply tried again a second later. */
  private final class Loop {
    private final Map<String, Deque<Workload.Item>> queues;
    private final Map<String, Long> done;
    private final Map<String, String> status;
    private final CountDownLatch latch;

    Loop(
        Map<String, Deque<Workload.Item>> queues,
        Map<String, Long> done,
        Map<String, String> status,
        CountDownLatch latch) {
      this.queues = queues;
      this.done = done;
      this.status = status;
      this.latch = latch;
    }

    /** Starts the next changeset of {@code db}, if any is left. */
    void next(String db) {
      Workload.Item item;
      Deque<Workload.Item> q = queues.get(db);
      synchronized (q) {
        item = q.poll();
      }
      if (item != null) {
        create(item, UUID.randomUUID().toString());
      }
    }

    private void create(Workload.Item item, String token) {
      try {
        Changeset cs =
            finspace.create(
                ref(item),
                Workload.resource("baseline", item).getSpec().getChangeRequests(),
                token,
                java.time.Instant.MAX);
        schedulePoll(item, cs);
      } catch (RuntimeException e) {
        failed(e);
        pool.schedule(() -> create(item, token), 1, TimeUnit.SECONDS);
      }
    }

    private void schedulePoll(Workload.Item item, Changeset cs) {
      Duration delay = polls.next(cs.createdTimestamp(), Instant.now());
      pool.schedule(() -> poll(item, cs), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void poll(Workload.Item item, Changeset previous) {
      Changeset cs;
      try {
        cs = finspace.get(ref(item), previous.id());
      } catch (RuntimeException e) {
        failed(e);
        pool.schedule(() -> poll(item, previous), 1, TimeUnit.SECONDS);
        return;
      }
      if (!cs.isFinal()) {
        schedulePoll(item, cs);
        return;
      }
      done.put(item.name(), System.nanoTime());
      status.put(item.name(), cs.status());
      latch.countDown();
      next(item.database());
    }

    /** A script prints its errors; the first few are enough to see what is wrong. */
    private void failed(RuntimeException e) {
      if (errors.incrementAndGet() <= 5) {
        System.err.println("baseline: " + e);
      }
    }

    private DatabaseRef ref(Workload.Item item) {
      return new DatabaseRef(Harness.REGION, Harness.ENVIRONMENT, item.database());
    }
  }
}
