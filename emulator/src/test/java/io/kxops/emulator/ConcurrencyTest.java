/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Many clients at once: distinct tokens give distinct changesets, one token gives exactly one. */
class ConcurrencyTest extends EmulatorFixture {

  @BeforeAll
  static void start() {
    startWith(FinSpaceEmulator.builder().database(ENV, DB));
  }

  @Test
  void hundredConcurrentCreatesWithDistinctTokensMakeHundredChangesets() throws Exception {
    List<String> ids = concurrently(100, i -> "token-" + i);

    assertThat(ids).hasSize(100).doesNotHaveDuplicates();
    assertThat(emu.changesets(ENV, DB))
        .extracting(ChangesetView::changesetId)
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(emu.changesetsByClientToken())
        .hasSize(100)
        .allSatisfy((t, l) -> assertThat(l).hasSize(1));
    assertThat(emu.counter(Operation.CREATE_KX_CHANGESET, "200")).isEqualTo(100);
  }

  @Test
  void twentyConcurrentIdenticalCreatesWithOneTokenMakeExactlyOneChangeset() throws Exception {
    List<String> ids = concurrently(20, i -> "the-one-token");

    assertThat(ids).hasSize(20).containsOnly(ids.get(0));
    assertThat(emu.changesets(ENV, DB))
        .singleElement()
        .extracting(ChangesetView::changesetId)
        .isEqualTo(ids.get(0));
    assertThat(emu.changesetsByClientToken()).containsOnlyKeys("the-one-token");
    assertThat(emu.changesetsByClientToken().get("the-one-token")).hasSize(1);
    assertThat(emu.counter(Operation.CREATE_KX_CHANGESET, "200")).isEqualTo(20);
  }

  /** Starts n creates together (a latch releases them at once) and returns the changeset ids. */
  private static List<String> concurrently(int n, IntFunction<String> token) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String t = token.apply(i);
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return sdk.createKxChangeset(
                          b ->
                              b.environmentId(ENV)
                                  .databaseName(DB)
                                  .changeRequests(TestClients.onePut())
                                  .clientToken(t))
                      .changesetId();
                }));
      }
      go.countDown();
      List<String> ids = new ArrayList<>();
      for (Future<String> f : futures) {
        ids.add(f.get(30, TimeUnit.SECONDS));
      }
      return ids;
    } finally {
      pool.shutdownNow();
    }
  }
}
