/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.testing.Resources;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every label takes values from a bounded set: FinSpace's strings cannot grow the series, the
 * per-database series follow the work in flight, and namespaces and databases beyond the label
 * limit add up under "_other".
 */
class ChangesetMetricsTest {

  static final Instant T = Instant.parse("2026-11-28T10:00:00Z");

  static KxChangeset resource(String namespace, String database, String status) {
    KxChangeset r = Resources.changeset(namespace + "-" + database + "-" + status, T);
    r.getMetadata().setNamespace(namespace);
    KxChangesetSpec spec = r.getSpec();
    r.setSpec(
        new KxChangesetSpec(
            spec.getEnvironmentId(), database, spec.getRegion(), spec.getChangeRequests()));
    if (status != null) {
      r.setStatus(CacheClusterViewTest.status(status));
    }
    return r;
  }

  static String line(String namespace, String database, String status, int n) {
    return "kxchangeset_in_flight{database=\""
        + database
        + "\",environment=\""
        + Resources.ENV
        + "\",resource_namespace=\""
        + namespace
        + "\",status=\""
        + status
        + "\"} "
        + n
        + ".0";
  }

  @Test
  void perDatabaseSeriesExistOnlyWhileTheDatabaseHasWorkInFlight() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ChangesetMetrics metrics = new ChangesetMetrics(registry);
    CacheClusterViewTest.FakeCache cache = new CacheClusterViewTest.FakeCache();
    metrics.attach(cache);
    KxChangeset running = resource("kdb", "trades", "PROCESSING");
    cache.put(running);
    cache.put(resource("kdb", "trades", null));
    cache.put(resource("team-b", "quotes", "PENDING"));
    // A final resource still in the cache (before the watch drops it, or where the API server
    // cannot select by status): no series, whatever the history.
    cache.put(resource("kdb", "history", "COMPLETED"));
    metrics.refresh();
    String text = registry.scrape();
    assertThat(text)
        .contains(line("kdb", "trades", "PROCESSING", 1))
        .contains(line("kdb", "trades", "NONE", 1))
        .contains(line("team-b", "quotes", "PENDING", 1))
        .doesNotContain("database=\"history\"");
    assertThat(registry.find("kxchangeset.in.flight").gauges()).hasSize(3);

    running.setStatus(CacheClusterViewTest.status("COMPLETED"));
    cache.items.values().removeIf(r -> "team-b".equals(r.getMetadata().getNamespace()));
    metrics.refresh();
    text = registry.scrape();
    assertThat(text)
        .contains(line("kdb", "trades", "NONE", 1))
        .doesNotContain(line("kdb", "trades", "PROCESSING", 1))
        .doesNotContain("quotes");
    assertThat(registry.find("kxchangeset.in.flight").gauges()).hasSize(1);

    cache.items.clear();
    metrics.refresh();
    assertThat(registry.find("kxchangeset.in.flight").gauges()).isEmpty();
  }

  @Test
  void databasesBeyondTheLimitAddUpUnderOther() {
    List<KxChangeset> resources = new ArrayList<>();
    for (String db : List.of("db-e", "db-a", "db-d", "db-b", "db-c")) {
      resources.add(resource("kdb", db, "PROCESSING"));
      resources.add(resource("kdb", db, null));
    }
    var rows = ChangesetMetrics.rows(resources, 2);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    var gauge = io.micrometer.core.instrument.MultiGauge.builder("g").register(registry);
    gauge.register(rows);
    // The first two in label order keep their own series; the other three add up.
    assertThat(registry.find("g").gauges())
        .extracting(
            g -> g.getId().getTag("database") + "/" + g.getId().getTag("status") + "=" + g.value())
        .containsExactlyInAnyOrder(
            "db-a/NONE=1.0",
            "db-a/PROCESSING=1.0",
            "db-b/NONE=1.0",
            "db-b/PROCESSING=1.0",
            "_other/NONE=3.0",
            "_other/PROCESSING=3.0");
    assertThat(registry.find("g").tag("database", "_other").gauges())
        .allSatisfy(
            g -> {
              assertThat(g.getId().getTag("resource_namespace")).isEqualTo("_other");
              assertThat(g.getId().getTag("environment")).isEqualTo("_other");
            });
    assertThat(ChangesetMetrics.rows(resources, 0))
        .as("limit 0: one database label, _other")
        .hasSize(2);
  }

  @Test
  void theFinalCounterLabelsTheFirstNamespacesAndCountsTheRestAsOther() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ChangesetMetrics metrics = new ChangesetMetrics(registry, 2);
    assertThat(registry.find("kxchangeset.final").counters())
        .as("from the start: a series per status at 0")
        .extracting(c -> c.getId().getTag("resource_namespace") + "/" + c.getId().getTag("status"))
        .containsExactlyInAnyOrder("_other/COMPLETED", "_other/FAILED");
    KxChangeset a = resource("team-a", "trades", "PROCESSING");
    metrics.seen(a, "PROCESSING");
    assertThat(registry.find("kxchangeset.final").tag("resource_namespace", "team-a").counters())
        .as("a namespace's counters exist at 0 from its first reconcile, before any is final")
        .hasSize(2)
        .allSatisfy(c -> assertThat(c.count()).isZero());
    for (String ns : List.of("team-a", "team-b", "team-c", "team-d", "team-a")) {
      metrics.reachedFinal(resource(ns, "trades", "PROCESSING"), "FAILED", T.plusSeconds(60));
    }
    metrics.reachedFinal(resource("team-b", "trades", "PROCESSING"), "COMPLETED", T);
    assertThat(registry.find("kxchangeset.final").counters())
        .extracting(
            c ->
                c.getId().getTag("resource_namespace")
                    + "/"
                    + c.getId().getTag("status")
                    + "="
                    + c.count())
        .containsExactlyInAnyOrder(
            "team-a/FAILED=2.0",
            "team-a/COMPLETED=0.0",
            "team-b/FAILED=1.0",
            "team-b/COMPLETED=1.0",
            "_other/FAILED=2.0",
            "_other/COMPLETED=0.0");
  }

  @Test
  void statusesOutsideTheKnownSetAreCountedAsOther() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ChangesetMetrics metrics = new ChangesetMetrics(registry);
    KxChangeset r = Resources.changeset("a", Instant.parse("2026-11-28T10:00:00Z"));
    for (int i = 0; i < 100; i++) {
      metrics.seen(r, "MADE_UP_" + i + "\n{}");
    }
    metrics.seen(r, "IN_PROGRESS");
    metrics.seen(r, null);
    assertThat(registry.find("kxchangeset.changesets").gauges())
        .extracting(g -> g.getId().getTag("status"))
        .containsExactlyInAnyOrder(
            "NONE", "PENDING", "PROCESSING", "IN_PROGRESS", "COMPLETED", "FAILED", "other");
    assertThat(ChangesetMetrics.statusLabel("MADE_UP")).isEqualTo("other");
    assertThat(ChangesetMetrics.statusLabel("COMPLETED")).isEqualTo("COMPLETED");
    assertThat(ChangesetMetrics.statusLabel(null)).isEqualTo("NONE");
    // 7 status gauges, the oldest-in-flight gauge, 2 counters of final resources for "_other"
    // and 2 for the namespace kdb, 1 histogram: the number does not grow with input.
    assertThat(registry.getMeters()).map(Meter::getId).hasSize(13);
    assertThat(registry.find("kxchangeset.oldest.in.flight").gauge().value())
        .as("no informer cache yet: nothing in flight")
        .isZero();
  }

  @Test
  void aResourceWithoutAReadableCreationTimeIsNotTimed() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ChangesetMetrics metrics = new ChangesetMetrics(registry);
    io.kxops.operator.api.v1alpha1.KxChangeset r = new io.kxops.operator.api.v1alpha1.KxChangeset();
    r.getMetadata().setCreationTimestamp("yesterday");
    metrics.reachedFinal(r, "COMPLETED", java.time.Instant.parse("2026-11-28T10:00:00Z"));
    r.getMetadata().setCreationTimestamp("2026-11-28T09:59:00Z");
    metrics.reachedFinal(r, "COMPLETED", java.time.Instant.parse("2026-11-28T10:00:00Z"));
    assertThat(registry.find("kxchangeset.time.to.final").summary().count()).isEqualTo(1);
  }
}
