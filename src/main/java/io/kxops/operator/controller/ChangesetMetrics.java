/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.javaoperatorsdk.operator.api.reconciler.ResourceCache;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.status.ResourceCheck;
import io.kxops.operator.status.StatusMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's own metrics beyond JOSDK's: the KxChangesets in the informer cache (the work in
 * flight) by FinSpace status, read at scrape time; those this process saw become final, by status;
 * and seconds from resource creation to a final state.
 */
public final class ChangesetMetrics {

  /** Status label for resources FinSpace does not hold yet (queued, waiting, rejected). */
  static final String NONE = "NONE";

  private final MeterRegistry registry;
  private final Set<String> statuses = ConcurrentHashMap.newKeySet();
  private final DistributionSummary timeToFinal;
  private volatile ResourceCache<KxChangeset> cache;

  public ChangesetMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.timeToFinal =
        DistributionSummary.builder("kxchangeset.time.to.final")
            .description("Seconds from KxChangeset creation to COMPLETED or FAILED")
            .baseUnit("seconds")
            .publishPercentileHistogram()
            .minimumExpectedValue(1.0)
            .maximumExpectedValue(7200.0)
            .register(registry);
    KNOWN.forEach(this::gauge);
    gauge(OTHER);
    Gauge.builder("kxchangeset.oldest.in.flight", () -> oldestInFlightSeconds(Instant.now()))
        .description("Age of the oldest KxChangeset not yet COMPLETED or FAILED (0: none)")
        .baseUnit("seconds")
        .register(registry);
    for (String status : List.of(Changeset.COMPLETED, Changeset.FAILED)) {
      Counter.builder("kxchangeset.final")
          .description(
              "KxChangesets this process saw become COMPLETED or FAILED (final ones leave the"
                  + " operator's cache, and with it kxchangeset_changesets)")
          .tag("status", status)
          .register(registry);
    }
  }

  /** For the alert on a changeset not final after N minutes: one series, whatever the count. */
  double oldestInFlightSeconds(Instant now) {
    ResourceCache<KxChangeset> c = cache;
    if (c == null) {
      return 0;
    }
    return c.list()
        .filter(r -> !StatusMapper.isFinal(r.getStatus()))
        .map(r -> ResourceCheck.parse(r.getMetadata().getCreationTimestamp()))
        .filter(java.util.Objects::nonNull)
        .mapToDouble(t -> Math.max(0, Duration.between(t, now).toMillis() / 1000.0))
        .max()
        .orElse(0);
  }

  /** Status label of every status outside {@link #KNOWN}. */
  static final String OTHER = "other";

  /** FinSpace's statuses (IN_PROGRESS too, which the real service sends) and NONE. */
  static final List<String> KNOWN =
      List.of(NONE, "PENDING", "PROCESSING", "IN_PROGRESS", "COMPLETED", "FAILED");

  /** The label of a status: itself when known, else {@value #OTHER} (no new series per string). */
  static String statusLabel(String s) {
    if (s == null) {
      return NONE;
    }
    return KNOWN.contains(s) ? s : OTHER;
  }

  void attach(ResourceCache<KxChangeset> cache) {
    this.cache = cache;
  }

  /** Called on every status seen; every label has its gauge from the start. */
  void seen(String status) {
    gauge(statusLabel(status));
  }

  void reachedFinal(KxChangeset r, String status, Instant now) {
    if (Changeset.COMPLETED.equals(status) || Changeset.FAILED.equals(status)) {
      registry.counter("kxchangeset.final", "status", status).increment();
    }
    Instant created = ResourceCheck.parse(r.getMetadata().getCreationTimestamp());
    if (created != null) {
      timeToFinal.record(Duration.between(created, now).toMillis() / 1000.0);
    }
  }

  private void gauge(String status) {
    if (statuses.add(status)) {
      Gauge.builder("kxchangeset.changesets", () -> count(status))
          .description(
              "KxChangesets in the operator's cache by FinSpace status (NONE: not created yet);"
                  + " COMPLETED and FAILED ones leave it once the watch delivers them")
          .tag("status", status)
          .register(registry);
    }
  }

  private double count(String status) {
    ResourceCache<KxChangeset> c = cache;
    if (c == null) {
      return 0;
    }
    return c.list()
        .filter(
            r -> {
              String s = r.getStatus() == null ? null : r.getStatus().getStatus();
              return status.equals(statusLabel(s));
            })
        .count();
  }
}
