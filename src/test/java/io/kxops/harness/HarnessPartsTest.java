/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kxops.emulator.ChangesetView;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harnesses' own logic that needs no cluster: options, figures, the chart's JVM flags. */
class HarnessPartsTest {

  @Test
  void optionsDefaultToTheFullRunAndNameTheBadOne() {
    ResilienceRun.Options r = ResilienceRun.Options.parse();
    assertThat(r.resources).isEqualTo(500);
    assertThat(r.databases).isEqualTo(25);
    assertThat(r.kills).isEqualTo(3);
    assertThat(r.replicas).isEqualTo(2);
    assertThat(r.throttleRate).isEqualTo(0.20);
    assertThat(r.internalErrorRate).isEqualTo(0.05);
    assertThat(r.dropRate).isEqualTo(0.02);

    ResilienceRun.Options small =
        ResilienceRun.Options.parse("--resources", "50", "--databases", "5", "--out", "x");
    assertThat(small.resources).isEqualTo(50);
    assertThat(small.out).isEqualTo(Path.of("x"));

    BenchRun.Options b = BenchRun.Options.parse("--timeout", "7");
    assertThat(b.resources).isEqualTo(1000);
    assertThat(b.databases).isEqualTo(100);
    assertThat(b.memoryResources).isEqualTo(10_000);
    assertThat(b.memoryInFlight).isEqualTo(100);
    assertThat(b.processing).isEqualTo(Duration.ofSeconds(3));
    assertThat(b.timeout).isEqualTo(Duration.ofMinutes(7));

    assertThatThrownBy(() -> BenchRun.Options.parse("--resources", "many"))
        .hasMessageContaining("--resources");
    assertThatThrownBy(() -> ResilienceRun.Options.parse("--kill", "1"))
        .hasMessage("unknown option --kill");
    assertThatThrownBy(() -> ResilienceRun.Options.parse("--kills"))
        .hasMessage("--kills needs a value");
    assertThatThrownBy(() -> ResilienceRun.Options.parse("--resources", "3", "--databases", "4"))
        .hasMessageContaining("--databases");

    assertThat(r.plan()).isEqualTo(new Races.Plan(2, 5, Duration.ofMillis(1500), 2, 3));
    assertThat(ResilienceRun.Options.parse("--raised-limit", "0").plan().raised()).isFalse();
    assertThatThrownBy(() -> ResilienceRun.Options.parse("--raised-limit", "5"))
        .hasMessageContaining("--raised-limit");
    assertThatThrownBy(() -> ResilienceRun.Options.parse("--burst", "12"))
        .hasMessageContaining("--burst");
  }

  @Test
  void aDatabaseOverItsLimitIsAProblemNamingItsResources() {
    try (FinSpaceEmulator emu =
        FinSpaceEmulator.builder()
            .database(Harness.ENVIRONMENT, "db-000")
            .database(Harness.ENVIRONMENT, "raised-same-0")
            .start()) {
      KxChangeset a = Workload.resource("ns", new Workload.Item("a", "db-000", 0));
      a.getMetadata().setUid("uid-a");
      List<ChangesetView.Request> put =
          List.of(new ChangesetView.Request("PUT", "s3://bucket/x/", "/x/"));
      emu.createChangeset(Harness.ENVIRONMENT, "raised-same-0", put, "uid-r1");
      emu.createChangeset(Harness.ENVIRONMENT, "raised-same-0", put, "uid-r2");
      Map<String, Integer> limits = Map.of("raised-same-0", 2);
      emu.createChangeset(Harness.ENVIRONMENT, "db-000", put, "uid-a");
      assertThat(ResilienceRun.overLimit(emu, limits, List.of(a))).isEmpty();

      emu.createChangeset(Harness.ENVIRONMENT, "db-000", put, "uid-other");
      List<String> problems = ResilienceRun.overLimit(emu, limits, List.of(a));
      assertThat(problems)
          .singleElement()
          .asString()
          .contains("database db-000 had 2 changesets in flight at once (limit 1)")
          .contains("(ns/a)")
          .contains("(token uid-other)");
    }
  }

  @Test
  void percentilesAreNearestRank() {
    List<Double> v = List.of(5.0, 1.0, 4.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0);
    assertThat(Report.percentile(v, 50)).isEqualTo(5.0);
    assertThat(Report.percentile(v, 90)).isEqualTo(9.0);
    assertThat(Report.percentile(v, 99)).isEqualTo(10.0);
    assertThat(Report.percentile(v, 100)).isEqualTo(10.0);
    assertThat(Report.percentile(List.of(), 50)).isNaN();
    assertThat(Report.distribution(v).path("p50").asDouble()).isEqualTo(5.0);
    assertThat(Report.distribution(v).path("min").asDouble()).isEqualTo(1.0);
  }

  @Test
  void operatorsRunWithTheChartsJvmFlagsSizedForItsMemoryLimit() {
    List<String> flags = Harness.chartJvmOptions();
    assertThat(flags).contains("-XX:+UseSerialGC", "-XX:MaxRAM=512m");
    assertThat(flags).anyMatch(f -> f.startsWith("-XX:MaxRAMPercentage="));
    assertThat(Harness.mebibytes("512Mi")).isEqualTo(512);
    assertThat(Harness.mebibytes("1Gi")).isEqualTo(1024);
    assertThatThrownBy(() -> Harness.mebibytes("500M")).hasMessageContaining("500M");
  }

  @Test
  void workloadSpreadsResourcesRoundRobinWithChangeRequestsOfTheirOwn() {
    List<Workload.Item> items = Workload.items("cs", 6, 3);
    assertThat(items)
        .extracting(Workload.Item::database)
        .containsExactly("db-000", "db-001", "db-002", "db-000", "db-001", "db-002");
    var a = Workload.resource("ns", items.get(0)).getSpec().getChangeRequests();
    var b = Workload.resource("ns", items.get(3)).getSpec().getChangeRequests();
    assertThat(a).isNotEqualTo(b);
    assertThat(a.get(0).getDbPath()).isEqualTo("/p00000/");
  }

  @Test
  void theNodeTargetIsChosenByOptionAndTurnsOperatorSettingsIntoChartValues() {
    ResilienceRun.Options node = ResilienceRun.Options.parse("--target", "node");
    assertThat(node.target).isEqualTo("node");
    assertThat(node.out).isEqualTo(Path.of("target", "resilience-node"));
    assertThat(ResilienceRun.Options.parse().target).isEqualTo("process");
    assertThatThrownBy(() -> ResilienceRun.Options.parse("--target", "kind"))
        .hasMessageContaining("--target");

    var values =
        NodeTarget.values(
            new java.util.LinkedHashMap<>(
                Map.of(
                    "WATCH_NAMESPACES", "a, b",
                    "POLL_INTERVAL", "500ms",
                    "MAX_IN_FLIGHT_PER_DATABASE", "2",
                    "LEADER_ELECTION", "true")));
    assertThat(values.path("watchNamespaces").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(values.path("pollInterval").asText()).isEqualTo("500ms");
    assertThat(values.path("maxInFlightPerDatabase").isIntegralNumber()).isTrue();
    assertThat(values.path("maxInFlightPerDatabase").asInt()).isEqualTo(2);
    assertThat(values.has("leaderElection")).isFalse();
    assertThatThrownBy(() -> NodeTarget.values(Map.of("NO_SUCH_SETTING", "x")))
        .hasMessageContaining("NO_SUCH_SETTING")
        .hasMessageContaining("config.noSuchSetting");
  }

  @Test
  void kubeCostCountsTheApiServersRequestsPerChangesetFromTwoSnapshots() {
    String before =
        """
        apiserver_request_total{code="200",component="apiserver",group="finspace.kxops.io",resource="kxchangesets",scope="resource",subresource="status",verb="APPLY",version="v1alpha1"} 10
        apiserver_request_total{code="201",component="apiserver",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 4
        apiserver_request_total{code="200",component="apiserver",group="",resource="pods",scope="resource",subresource="",verb="GET",version="v1"} 99
        apiserver_watch_cache_events_dispatched_total{group="finspace.kxops.io",resource="kxchangesets"} 100
        """;
    String after =
        """
        apiserver_request_total{code="200",component="apiserver",group="finspace.kxops.io",resource="kxchangesets",scope="resource",subresource="status",verb="APPLY",version="v1alpha1"} 50
        apiserver_request_total{code="409",component="apiserver",group="finspace.kxops.io",resource="kxchangesets",scope="resource",subresource="status",verb="APPLY",version="v1alpha1"} 2
        apiserver_request_total{code="201",component="apiserver",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 24
        apiserver_request_total{code="201",component="apiserver",group="finspace.kxops.io",resource="kxchangesets",scope="resource",subresource="",verb="POST",version="v1alpha1"} 10
        apiserver_request_total{code="200",component="apiserver",group="",resource="pods",scope="resource",subresource="",verb="GET",version="v1"} 120
        apiserver_watch_cache_events_dispatched_total{group="finspace.kxops.io",resource="kxchangesets"} 200
        """;
    var cpu = Report.JSON.createObjectNode().put("operator", 2.5).put("kubeApiserver", 3.0);
    String operator =
        """
        operator_sdk_reconciliations_started_total{controller="kxchangeset",retries="0"} 30
        operator_sdk_reconciliations_started_total{controller="kxchangeset",retries="1"} 5
        operator_sdk_events_received_total{action="UPDATED",event="ResourceEvent"} 20
        """;

    var c =
        KubeCost.of(
            KubeCost.parseApiServer(before),
            KubeCost.parseApiServer(after),
            10,
            45,
            "operator_sdk_reconciliations_started_total{controller=\"kxchangeset\",retries=\"0\"} 5\n",
            operator,
            cpu);

    assertThat(c.path("statusWrites").asLong()).isEqualTo(42);
    assertThat(c.path("statusWriteConflicts").asLong()).isEqualTo(2);
    assertThat(c.path("eventsCreated").asLong()).isEqualTo(20);
    assertThat(c.path("watchEventsSent").asLong()).isEqualTo(100);
    // One per successful write of a KxChangeset: 40 status applies and 10 creates (not the 409s).
    assertThat(c.path("watchEventsToOperator").asLong()).isEqualTo(50);
    assertThat(c.path("reconciliations").asLong()).as("35 at the end, 5 before").isEqualTo(30);
    assertThat(c.path("apiServerRequests").has("GET pods 200")).as("not ours").isFalse();
    assertThat(c.path("apiServerRequests").path("POST kxchangesets 201").asLong()).isEqualTo(10);
    var per = c.path("perChangeset");
    assertThat(per.path("statusWrites").asDouble()).isEqualTo(4.2);
    assertThat(per.path("eventsCreated").asDouble()).isEqualTo(2.0);
    assertThat(per.path("watchEventsToOperator").asDouble()).isEqualTo(5.0);
    assertThat(per.path("reconciliations").asDouble()).isEqualTo(3.0);
    assertThat(per.path("operatorCpuMs").asDouble()).isEqualTo(250.0);
    assertThat(per.path("apiServerCpuMs").asDouble()).isEqualTo(300.0);
  }

  @Test
  void theRebuildPhaseReadsTheChangesetARefusalNames() {
    var m =
        Rebuild.NAMED.matcher(
            "spec.changeRequests repeat FinSpace changeset Msm0c8y8XB1k8zYZFNhRug of database x");
    assertThat(m.find()).isTrue();
    assertThat(m.group(1)).isEqualTo("Msm0c8y8XB1k8zYZFNhRug");
  }
}
