/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The global FinSpace request rate: evenly spaced, and shared between namespaces in turn. */
class RequestRateLimiterTest {

  final List<String> granted = Collections.synchronizedList(new ArrayList<>());
  final List<Long> grantedAt = Collections.synchronizedList(new ArrayList<>());

  Thread request(RequestRateLimiter limiter, String namespace, String label) {
    Thread t =
        new Thread(
            () -> {
              limiter.acquire(namespace);
              granted.add(label);
              grantedAt.add(System.nanoTime());
            });
    t.start();
    return t;
  }

  /** Until all {@code n} requests have reached the limiter (waiting, or already through it). */
  void awaitArrived(RequestRateLimiter limiter, int n) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (limiter.waitingCount() + granted.size() < n && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    assertThat(limiter.waitingCount() + granted.size()).isGreaterThanOrEqualTo(n);
  }

  @Test
  void aNamespaceWithManyWaitingRequestsDoesNotHoldBackAnother() throws Exception {
    // One request per 200 ms: slow enough that the 30 threads all queue on a loaded machine (at 50
    // ms the first ones went through before the last had started, and the test waited in vain).
    RequestRateLimiter limiter = new RequestRateLimiter(5);
    limiter.acquire("busy"); // the next slot is 200 ms away: everything below waits
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      threads.add(request(limiter, "busy", "busy-" + i));
    }
    awaitArrived(limiter, 30);
    int busyBefore = granted.size();
    // The quiet namespace arrives behind a deep queue of the busy one, or the test proves nothing.
    assertThat(limiter.waitingCount()).isGreaterThanOrEqualTo(20);
    threads.add(request(limiter, "quiet", "quiet"));
    threads.add(request(limiter, null, "unnamed"));
    for (Thread t : threads) {
      t.join(20_000);
    }

    assertThat(granted).hasSize(32);
    // First come, first served, 30 deep, would put "quiet" after every busy request; in turn, it
    // goes within the next three slots (the busy namespace's and the unnamed one's at most).
    // (One more slot of slack: a busy request may go between counting and the quiet one's arrival.)
    assertThat(granted.indexOf("quiet") - busyBefore).isLessThanOrEqualTo(3);
    assertThat(granted.indexOf("unnamed") - busyBefore).isLessThanOrEqualTo(3);
    // And the point of it: most of the busy namespace's queue still waited when the quiet one went.
    assertThat(granted.size() - 1 - granted.indexOf("quiet")).isGreaterThanOrEqualTo(18);
  }

  @Test
  void requestsLeaveEvenlySpacedAtTheRate() throws Exception {
    RequestRateLimiter limiter = new RequestRateLimiter(50); // 20 ms apart
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      threads.add(request(limiter, i % 2 == 0 ? "a" : "b", "r" + i));
    }
    for (Thread t : threads) {
      t.join(20_000);
    }
    assertThat(grantedAt).hasSize(10);
    List<Long> sorted = new ArrayList<>(grantedAt);
    Collections.sort(sorted);
    long spread = sorted.get(9) - sorted.get(0);
    // Nine intervals of 20 ms, whatever the namespaces; a little slack for the scheduler.
    assertThat(TimeUnit.NANOSECONDS.toMillis(spread)).isGreaterThanOrEqualTo(175);
    assertThat(limiter.waitingCount()).isZero();
  }

  /** A clock the test moves; the limiter's waits still pass in real time. */
  static final class FakeNanos implements java.util.function.LongSupplier {
    volatile long now = 1_000_000_000L;

    @Override
    public long getAsLong() {
      return now;
    }

    void set(long millis) {
      now = 1_000_000_000L + TimeUnit.MILLISECONDS.toNanos(millis);
    }
  }

  /** Until {@code t} is blocked in the limiter (its timed wait), or 10 s. */
  static void awaitWaiting(Thread t) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    assertThat(t.getState()).isEqualTo(Thread.State.TIMED_WAITING);
  }

  /** A request granted at 0 on {@code clock}, and "late" waiting for the next slot. */
  Thread waitingBehindAFirstRequest(RequestRateLimiter limiter, FakeNanos clock)
      throws InterruptedException {
    clock.set(0);
    limiter.acquire("a");
    Thread late = request(limiter, "a", "late");
    awaitWaiting(late);
    return late;
  }

  @Test
  void aSlotAWaiterWokeUpLateForIsMadeUpByTheNext() throws Exception {
    // A loaded CPU wakes a waiter after its slot: at 200 requests/s, 1-2 ms late on every slot
    // made the limit 150/s. The schedule stays where it was, so the next slot comes sooner.
    FakeNanos clock = new FakeNanos();
    RequestRateLimiter limiter = new RequestRateLimiter(100, clock); // a slot per 10 ms
    Thread late = waitingBehindAFirstRequest(limiter, clock); // its slot at 10 ms
    clock.set(13); // it wakes 3 ms after its slot
    late.join(5_000);
    assertThat(granted).containsExactly("late");
    clock.set(20);
    Thread next = request(limiter, "a", "next");
    next.join(2_000);
    // Its slot is at 20 ms, as scheduled (not at 23 ms: one slot in four lost to the late wake).
    assertThat(granted).containsExactly("late", "next");
  }

  @Test
  void afterAQuietSpellRequestsStillLeaveEvenlySpaced() throws Exception {
    FakeNanos clock = new FakeNanos();
    clock.set(0);
    RequestRateLimiter limiter = new RequestRateLimiter(100, clock);
    limiter.acquire("a");
    clock.set(1_000); // nothing asked for a second: no credit for the slots nobody wanted
    limiter.acquire("a");
    Thread second = request(limiter, "a", "second");
    awaitWaiting(second);
    second.join(200);
    assertThat(granted).as("10 ms after the first, not at once").isEmpty();
    clock.set(1_010);
    second.join(5_000);
    assertThat(granted).containsExactly("second");
  }

  @Test
  void aWaiterFarBehindItsSlotMakesUpOnlyTheCatchUpWindow() throws Exception {
    FakeNanos clock = new FakeNanos();
    RequestRateLimiter limiter = new RequestRateLimiter(100, clock);
    Thread late = waitingBehindAFirstRequest(limiter, clock);
    long behind = RequestRateLimiter.CATCH_UP.toMillis() + 30;
    clock.set(10 + behind); // a pause far longer than the window
    late.join(5_000);
    assertThat(granted).containsExactly("late");
    // The schedule moved on to (now - window): the next slot is one interval after that.
    long nextSlot = 10 + behind - RequestRateLimiter.CATCH_UP.toMillis() + 10;
    clock.set(nextSlot - 1);
    Thread next = request(limiter, "a", "next");
    awaitWaiting(next);
    next.join(200);
    assertThat(granted).as("no more than the window made up").containsExactly("late");
    clock.set(nextSlot);
    next.join(5_000);
    assertThat(granted).containsExactly("late", "next");
  }

  @Test
  void anInterruptedWaiterLeavesTheQueue() throws Exception {
    RequestRateLimiter limiter = new RequestRateLimiter(0.1); // a slot per 10 s
    limiter.acquire("a");
    Thread waiter = request(limiter, "a", "interrupted");
    awaitArrived(limiter, 1);
    assertThat(granted).as("still waiting for its slot").isEmpty();
    waiter.interrupt();
    waiter.join(5_000);
    assertThat(limiter.waitingCount()).isZero();
  }
}
