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
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's own metrics beyond JOSDK's: the KxChangesets in the informer cache (the work in
 * flight) by FinSpace status, and by namespace, environment and database; those this process saw
 * become final, by status and namespace; and seconds from resource creation to a final state.
 */
public final class ChangesetMetrics {

  /** Status label for resources FinSpace does not hold yet (queued, waiting, rejected). */
  static final String NONE = "NONE";

  /**
   * The namespace, environment and database label of everything beyond the label limit. No
   * Kubernetes namespace or database name can be this: both start with a letter or digit (DNS
   * label, the CRD's pattern), so the bucket is never mistaken for a real one.
   */
  static final String OTHER_LABEL = "_other";

  /** METRICS_LABEL_LIMIT's default. */
  public static final int DEFAULT_LABEL_LIMIT = 100;

  private final MeterRegistry registry;
  private final Set<String> statuses = ConcurrentHashMap.newKeySet();
  private final DistributionSummary timeToFinal;
  private final int labelLimit;
  private final Set<String> namespaces = ConcurrentHashMap.newKeySet();
  private final MultiGauge inFlight;
  private volatile ResourceCache<KxChangeset> cache;

  /** With {@link #DEFAULT_LABEL_LIMIT}. */
  public ChangesetMetrics(MeterRegistry registry) {
    this(registry, DEFAULT_LABEL_LIMIT);
  }

  /**
   * @param labelLimit how many namespaces {@code kxchangeset_final_total}, and how many databases
   *     {@code kxchangeset_in_flight}, label one by one; the rest count under {@value #OTHER_LABEL}
   */
  public ChangesetMetrics(MeterRegistry registry, int labelLimit) {
    this.registry = registry;
    this.labelLimit = labelLimit;
    this.inFlight =
        MultiGauge.builder("kxchangeset.in.flight")
            .description(
                "KxChangesets not yet COMPLETED or FAILED by namespace, environment, database and"
                    + " FinSpace status (NONE: not created yet); a series exists only while its"
                    + " database has such a KxChangeset")
            .register(registry);
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
    finalCounters(OTHER_LABEL);
  }

  /** Both counters of a namespace label, at 0 from its first sighting (so increase() sees a 1). */
  private void finalCounters(String namespaceLabel) {
    for (String status : List.of(Changeset.COMPLETED, Changeset.FAILED)) {
      Counter.builder("kxchangeset.final")
          .description(
              "KxChangesets this process saw become COMPLETED or FAILED, by namespace (final ones"
                  + " leave the operator's cache, and with it kxchangeset_changesets)")
          .tag("status", status)
          .tag("resource_namespace", namespaceLabel)
          .register(registry);
    }
  }

  /**
   * The namespace label: the namespace itself for the first {@code labelLimit} namespaces this
   * process sees, {@value #OTHER_LABEL} after that. A counter must stay in one series for the
   * process's life, so the first ones keep their labels.
   */
  String namespaceLabel(String namespace) {
    if (namespace == null) {
      return OTHER_LABEL;
    }
    if (namespaces.contains(namespace)) {
      return namespace;
    }
    synchronized (namespaces) {
      if (!namespaces.contains(namespace)) {
        if (namespaces.size() >= labelLimit) {
          return OTHER_LABEL;
        }
        finalCounters(namespace);
        namespaces.add(namespace);
      }
    }
    return namespace;
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
  void seen(KxChangeset r, String status) {
    gauge(statusLabel(status));
    namespaceLabel(r.getMetadata().getNamespace());
  }

  void reachedFinal(KxChangeset r, String status, Instant now) {
    if (Changeset.COMPLETED.equals(status) || Changeset.FAILED.equals(status)) {
      registry
          .counter(
              "kxchangeset.final",
              "status",
              status,
              "resource_namespace",
              namespaceLabel(r.getMetadata().getNamespace()))
          .increment();
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

  /** One database's work in flight: the labels of kxchangeset_in_flight but the status. */
  record Database(String namespace, String environment, String database)
      implements Comparable<Database> {
    static final Database OTHER = new Database(OTHER_LABEL, OTHER_LABEL, OTHER_LABEL);

    @Override
    public int compareTo(Database o) {
      int c = namespace.compareTo(o.namespace);
      c = c != 0 ? c : environment.compareTo(o.environment);
      return c != 0 ? c : database.compareTo(o.database);
    }
  }

  /**
   * Rewrites kxchangeset_in_flight from the cache (the HTTP endpoint calls this before each
   * scrape): a row per database and status with KxChangesets not final, none for a database
   * without, so the series follow the work in flight. Beyond {@code labelLimit} databases (in label
   * order) the rest add up under {@value #OTHER_LABEL}.
   */
  public synchronized void refresh() {
    ResourceCache<KxChangeset> c = cache;
    List<KxChangeset> resources = c == null ? List.of() : c.list().toList();
    inFlight.register(rows(resources, labelLimit), true);
  }

  static List<MultiGauge.Row<?>> rows(List<KxChangeset> resources, int limit) {
    Map<Database, Map<String, Long>> byDatabase = new TreeMap<>();
    for (KxChangeset r : resources) {
      if (StatusMapper.isFinal(r.getStatus())) {
        continue;
      }
      String status = statusLabel(r.getStatus() == null ? null : r.getStatus().getStatus());
      byDatabase.computeIfAbsent(databaseOf(r), d -> new TreeMap<>()).merge(status, 1L, Long::sum);
    }
    Map<Database, Map<String, Long>> labelled = new TreeMap<>();
    for (Map.Entry<Database, Map<String, Long>> e : byDatabase.entrySet()) {
      Database d = labelled.size() < limit ? e.getKey() : Database.OTHER;
      Map<String, Long> counts = labelled.computeIfAbsent(d, k -> new TreeMap<>());
      e.getValue().forEach((s, n) -> counts.merge(s, n, Long::sum));
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    labelled.forEach(
        (d, counts) ->
            counts.forEach(
                (status, n) ->
                    rows.add(
                        MultiGauge.Row.of(
                            Tags.of(
                                "resource_namespace", d.namespace(),
                                "environment", d.environment(),
                                "database", d.database(),
                                "status", status),
                            n))));
    return rows;
  }

  private static Database databaseOf(KxChangeset r) {
    var spec = r.getSpec();
    return new Database(
        orOther(r.getMetadata().getNamespace()),
        orOther(spec == null ? null : spec.getEnvironmentId()),
        orOther(spec == null ? null : spec.getDatabaseName()));
  }

  private static String orOther(String s) {
    return s == null || s.isEmpty() ? OTHER_LABEL : s;
  }
}
