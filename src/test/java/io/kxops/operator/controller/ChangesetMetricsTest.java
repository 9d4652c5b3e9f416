/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The status label takes values from a known set: FinSpace's strings cannot grow the series. */
class ChangesetMetricsTest {

  @Test
  void statusesOutsideTheKnownSetAreCountedAsOther() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ChangesetMetrics metrics = new ChangesetMetrics(registry);
    for (int i = 0; i < 100; i++) {
      metrics.seen("MADE_UP_" + i + "\n{}");
    }
    metrics.seen("IN_PROGRESS");
    metrics.seen(null);
    assertThat(registry.find("kxchangeset.changesets").gauges())
        .extracting(g -> g.getId().getTag("status"))
        .containsExactlyInAnyOrder(
            "NONE", "PENDING", "PROCESSING", "IN_PROGRESS", "COMPLETED", "FAILED", "other");
    assertThat(ChangesetMetrics.statusLabel("MADE_UP")).isEqualTo("other");
    assertThat(ChangesetMetrics.statusLabel("COMPLETED")).isEqualTo("COMPLETED");
    assertThat(ChangesetMetrics.statusLabel(null)).isEqualTo("NONE");
    // 7 status gauges, the oldest-in-flight gauge, 2 counters of final resources, 1 histogram:
    // the number does not grow with input.
    assertThat(registry.getMeters()).map(Meter::getId).hasSize(11);
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
