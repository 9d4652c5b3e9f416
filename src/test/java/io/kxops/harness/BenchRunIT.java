/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The performance harness in small, so that CI catches a scenario that no longer completes or a
 * changeset lost or duplicated. Its figures are written, never asserted (these machines are noisy);
 * the full run is hack/bench.sh.
 */
class BenchRunIT {

  @Test
  void everyScenarioCompletesCorrectlyAndWritesItsFigures() throws Exception {
    BenchRun.Options o =
        BenchRun.Options.parse(
            "--resources",
            "40",
            "--databases",
            "8",
            "--memory-resources",
            "300",
            "--memory-in-flight",
            "16",
            "--throttled-resources",
            "40",
            "--startup-runs",
            "1",
            "--repeat",
            "1",
            "--out",
            "target/bench-it");
    ObjectNode r = new BenchRun(o).run();

    String table = BenchRun.text(r);
    assertThat(r.path("problems")).as(table).isEmpty();
    assertThat(r.path("correct").asBoolean()).as(table).isTrue();
    for (String k :
        List.of(
            "endToEnd", "baseline", "endToEndRaisedLimit", "baselineRaisedLimit", "throttled")) {
      JsonNode s = r.path(k);
      assertThat(s.path("totalSeconds").asDouble()).as(k + "\n" + table).isPositive();
      assertThat(s.path("finspaceCalls").path("creates").asLong()).as(k).isGreaterThanOrEqualTo(40);
    }
    assertThat(r.path("endToEnd").path("exactlyOneChangesetEach").asBoolean()).isTrue();
    // The warm-up bursts (2 per database, before each measured run) are not counted.
    for (String k : List.of("endToEnd", "baseline", "endToEndRaisedLimit", "baselineRaisedLimit")) {
      assertThat(r.path(k).path("finspaceCalls").path("creates").asLong()).as(k).isEqualTo(40);
    }
    assertThat(r.path("settings").path("warmupChangesets").asInt()).isEqualTo(16);
    assertThat(r.path("ratioOperatorToBaseline").asDouble()).isPositive();
    assertThat(r.path("throttled").path("floorSeconds").asDouble()).isPositive();
    // Of the 300, 284 are COMPLETED: the operator caches only the 16 new ones (issue 17), of
    // which it creates one per database (8).
    assertThat(r.path("memory").path("cachedByOperator").asLong()).as(table).isEqualTo(16);
    assertThat(r.path("memory").path("changesetsCreated").asLong()).isEqualTo(8);
    assertThat(r.path("memory").path("reconciliations").asLong()).isGreaterThanOrEqualTo(16);
    // The next round creates the next of each database without reading the history again: its
    // Gets are polls, far fewer than the 284 changesets a re-read would Get.
    JsonNode next = r.path("memory").path("nextRound");
    assertThat(next.path("changesetsCreated").asLong()).as(table).isEqualTo(8);
    assertThat(next.path("gets").asLong()).as(table).isPositive().isLessThan(284);
    assertThat(r.path("memory").path("rssMiBAfterGc").asDouble()).isPositive();
    assertThat(r.path("startup").path("secondsToFirstCreate").path("count").asInt()).isEqualTo(1);
    assertThat(Files.readString(o.out.resolve("results.json"))).contains("\"correct\" : true");
  }
}
