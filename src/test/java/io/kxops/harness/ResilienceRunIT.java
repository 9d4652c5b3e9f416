/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The resilience harness in small (50 KxChangesets, one kill of the leader kept down past its
 * Lease, one API server restart, the token-expiry window, and one round of each race of issue 12: a
 * same-second burst with reversed names at limit 1 and at the raised limit 2, an edit of the spec
 * and one of spec.region after a lost create response, identical requests on one database at limit
 * 2), so that CI catches a regression of "exactly one changeset per resource" and "never more than
 * the limit in flight per database" under faults. The full run is hack/resilience.sh.
 */
class ResilienceRunIT {

  @Test
  void underFaultsKillsAndRestartsEveryResourceGetsExactlyOneChangeset() throws Exception {
    ResilienceRun.Options o =
        ResilienceRun.Options.parse(
            "--resources",
            "50",
            "--databases",
            "5",
            "--kills",
            "1",
            "--race-rounds",
            "1",
            "--burst",
            "5",
            "--raised-limit",
            "2",
            "--out",
            "target/resilience-it");
    ObjectNode r = new ResilienceRun(o).run();

    String table = ResilienceRun.text(r);
    JsonNode out = r.path("outcome");
    assertThat(out.path("converged").asBoolean()).as(table).isTrue();
    // 50 + the expiry one + per namespace a burst of 5 (more if an attempt missed its second)
    // and 2 more (the edits; the identical pair).
    int resources = out.path("resources").asInt();
    assertThat(resources).as(table).isGreaterThanOrEqualTo(51 + 7 + 7);
    assertThat(out.path("resourcesByStatus").path("COMPLETED").asInt())
        .as(table)
        .isEqualTo(resources);
    assertThat(out.path("resourcesWithExactlyOneChangeset").asInt()).as(table).isEqualTo(resources);
    assertThat(out.path("duplicates").asInt()).as(table).isZero();
    assertThat(out.path("lost").asInt()).as(table).isZero();
    assertThat(out.path("orphanChangesets").asInt()).as(table).isZero();
    assertThat(out.path("claimedTwice").asInt()).as(table).isZero();
    assertThat(out.path("overLimit").asInt()).as(table).isZero();
    r.path("maxInFlight")
        .forEach(
            db ->
                assertThat(db.path("max").asInt())
                    .as(table)
                    .isLessThanOrEqualTo(db.path("limit").asInt()));
    assertThat(r.path("tokenExpiry").path("adopted").asBoolean()).as(table).isTrue();
    // Each race was played: its window was hit, not merely scheduled.
    assertThat(out.path("racesPlayed").path("bursts").asInt()).as(table).isEqualTo(2);
    assertThat(out.path("racesPlayed").path("edits").asInt()).as(table).isEqualTo(2);
    assertThat(out.path("racesPlayed").path("identical").asInt()).as(table).isEqualTo(1);
    assertThat(out.path("killsDone").asInt()).as(table).isEqualTo(1);
    assertThat(out.path("apiServerRestartsDone").asInt()).as(table).isEqualTo(1);
    assertThat(out.path("problems")).as(table).isEmpty();
    assertThat(r.path("correct").asBoolean()).as(table).isTrue();

    // Every disruption of the plan happened, and the faults were really injected.
    List<String> kinds = new ArrayList<>();
    r.path("disruptions").forEach(d -> kinds.add(d.path("kind").asText()));
    assertThat(kinds).contains("kill", "leader", "api-server-restart", "token-expiry");
    assertThat(r.path("finspaceCalls").path("GetKxChangeset/ThrottlingException").asLong())
        .as(table)
        .isPositive();
    assertThat(Files.readString(o.out.resolve("results.json"))).contains("\"correct\" : true");
    assertThat(Files.readString(o.out.resolve("results.txt"))).contains("duplicates");
  }
}
