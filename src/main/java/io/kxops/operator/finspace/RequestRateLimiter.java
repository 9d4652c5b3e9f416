/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * A global client-side limit on FinSpace HTTP requests, shared fairly between namespaces. It runs
 * as an SDK interceptor before every transmission, so the SDK's own retries are limited too and a
 * throttling FinSpace never sees a retry storm.
 *
 * <p>Requests leave evenly spaced at {@code permitsPerSecond}, on a schedule: a waiter that wakes
 * up after its slot (a loaded CPU does that, by a millisecond or two on every slot) does not push
 * the later slots back, so the next ones come sooner until the schedule is kept again, by at most
 * {@link #CATCH_UP}. Without that, 200 requests/s became 150 while the API server shared the CPU.
 * Slots nobody waited for are not made up: after a quiet spell requests leave one interval apart,
 * as before, and over any window the limiter sends at most one more request than {@code
 * permitsPerSecond} times (the window plus {@link #CATCH_UP}). Requests that must wait queue per
 * namespace (the {@link #NAMESPACE} of the call, "" when none is set), and each free slot goes to
 * the next namespace in turn that has a request waiting (round robin), to that namespace's oldest
 * request. With k namespaces waiting, each gets 1/k of the rate however many requests it queues:
 * one namespace's numerous or failing resources delay another's request by at most k slots. A
 * single namespace is served first come, first served, as before.
 */
final class RequestRateLimiter implements ExecutionInterceptor {

  /** The namespace whose resource a FinSpace call is made for. */
  static final ExecutionAttribute<String> NAMESPACE =
      new ExecutionAttribute<>("kxops.requestNamespace");

  /** How far behind its schedule the limiter may catch up (a waiter's late wake-up). */
  static final Duration CATCH_UP = Duration.ofMillis(50);

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private long nextFreeNanos;

  /** Waiting requests per namespace, oldest first. */
  private final Map<String, ArrayDeque<Object>> waiting = new HashMap<>();

  /** Namespaces with a waiting request, in the order they are served. */
  private final ArrayDeque<String> turns = new ArrayDeque<>();

  RequestRateLimiter(double permitsPerSecond) {
    this(permitsPerSecond, System::nanoTime);
  }

  RequestRateLimiter(double permitsPerSecond, LongSupplier nanoTime) {
    this.intervalNanos = (long) (TimeUnit.SECONDS.toNanos(1) / permitsPerSecond);
    this.nanoTime = nanoTime;
    this.nextFreeNanos = nanoTime.getAsLong();
  }

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
    acquire(executionAttributes.getAttribute(NAMESPACE));
  }

  /** Blocks until the caller may send one request for {@code namespace} (null: none). */
  synchronized void acquire(String namespace) {
    String key = namespace == null ? "" : namespace;
    Object ticket = new Object();
    ArrayDeque<Object> queue = waiting.computeIfAbsent(key, k -> new ArrayDeque<>());
    if (queue.isEmpty()) {
      turns.addLast(key);
    }
    queue.addLast(ticket);
    boolean waited = false;
    try {
      while (true) {
        boolean mine = key.equals(turns.peekFirst()) && queue.peekFirst() == ticket;
        long wait = nextFreeNanos - nanoTime.getAsLong();
        if (mine && wait <= 0) {
          grant(key, queue, waited);
          return;
        }
        waited = true;
        // The one whose turn it is sleeps until its slot; the others until a grant wakes them.
        TimeUnit.NANOSECONDS.timedWait(this, mine ? wait : Math.max(wait, intervalNanos));
      }
    } catch (InterruptedException e) {
      withdraw(key, queue, ticket);
      Thread.currentThread().interrupt();
    }
  }

  /** Requests waiting now, every namespace together. */
  synchronized int waitingCount() {
    return waiting.values().stream().mapToInt(ArrayDeque::size).sum();
  }

  /**
   * @param waited whether the request waited for its slot: then the schedule continues from that
   *     slot (at most {@link #CATCH_UP} back), else from now
   */
  private void grant(String key, ArrayDeque<Object> queue, boolean waited) {
    queue.removeFirst();
    turns.removeFirst();
    if (queue.isEmpty()) {
      waiting.remove(key);
    } else {
      turns.addLast(key);
    }
    long now = nanoTime.getAsLong();
    long from = waited ? now - CATCH_UP.toNanos() : now;
    nextFreeNanos = Math.max(from, nextFreeNanos) + intervalNanos;
    notifyAll();
  }

  private void withdraw(String key, ArrayDeque<Object> queue, Object ticket) {
    queue.remove(ticket);
    if (queue.isEmpty()) {
      waiting.remove(key);
      turns.remove(key);
    }
    notifyAll();
  }
}
