/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a run cost Kubernetes, counted by the API server itself (its /metrics): requests by verb and
 * resource, status writes, events created, watch events the watch cache sent out; with the
 * operator's own count of reconciliations and of the events JOSDK handled, and CPU per changeset.
 * Counts are deterministic where wall-clock figures on a shared machine are not.
 */
final class KubeCost {

  private static final Pattern SAMPLE =
      Pattern.compile("(?m)^([a-z_]+)\\{([^}]*)\\} ([0-9.eE+-]+)$");
  private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

  private KubeCost() {}

  /**
   * The counters of interest on the API server now: {@code "<VERB> <resource>[/<subresource>]
   * <code>"} for every request to KxChangesets, Events and Leases, and {@code "watch-sent
   * <resource>"} for the watch cache's events dispatched to watchers.
   */
  static Map<String, Double> apiServer(KubernetesClient admin) {
    return parseApiServer(admin.raw("/metrics"));
  }

  static Map<String, Double> parseApiServer(String page) {
    Map<String, Double> out = new TreeMap<>();
    Matcher m = SAMPLE.matcher(page == null ? "" : page);
    while (m.find()) {
      String metric = m.group(1);
      Map<String, String> l = labels(m.group(2));
      double v = Double.parseDouble(m.group(3));
      String resource = l.getOrDefault("resource", "");
      if (!resource.equals("kxchangesets")
          && !resource.equals("events")
          && !resource.equals("leases")) {
        continue;
      }
      if (metric.equals("apiserver_request_total")) {
        String sub = l.getOrDefault("subresource", "");
        String key =
            l.get("verb") + " " + resource + (sub.isEmpty() ? "" : "/" + sub) + " " + l.get("code");
        out.merge(key, v, Double::sum);
      } else if (metric.equals("apiserver_watch_cache_events_dispatched_total")) {
        out.merge("watch-sent " + resource, v, Double::sum);
      }
    }
    return out;
  }

  private static Map<String, String> labels(String s) {
    Map<String, String> l = new TreeMap<>();
    Matcher m = LABEL.matcher(s);
    while (m.find()) {
      l.put(m.group(1), m.group(2));
    }
    return l;
  }

  /** The sum of a counter's samples in a Prometheus page, whatever their labels. */
  static double total(String page, String metric) {
    double sum = 0;
    Matcher m = SAMPLE.matcher(page == null ? "" : page);
    while (m.find()) {
      if (m.group(1).equals(metric)) {
        sum += Double.parseDouble(m.group(3));
      }
    }
    return sum;
  }

  /**
   * The cost of a run of {@code changesets}: the API server's counters from {@code before} to
   * {@code after}; {@code harnessWatchEvents} is what the harness's own watches received; {@code
   * operatorMetrics} is the operator's /metrics page at the end and {@code operatorMetricsBefore}
   * at the start of the run (null for the baseline, which has no operator); {@code cpu} the run's
   * CPU seconds by process.
   */
  static ObjectNode of(
      Map<String, Double> before,
      Map<String, Double> after,
      int changesets,
      long harnessWatchEvents,
      String operatorMetricsBefore,
      String operatorMetrics,
      JsonNode cpu) {
    Map<String, Double> d = new TreeMap<>();
    after.forEach(
        (k, v) -> {
          double x = v - before.getOrDefault(k, 0.0);
          if (x > 0) {
            d.put(k, x);
          }
        });
    double statusWrites = sum(d, "kxchangesets/status", null, true);
    double statusConflicts = sum(d, "kxchangesets/status", "409", true);
    double events = sum(d, "POST events ", null, false);
    double watchSent = d.getOrDefault("watch-sent kxchangesets", 0.0);
    // The operator's informer gets one watch event per write of a KxChangeset of its namespace
    // (ADDED, MODIFIED, or DELETED from its view of resources not final when one becomes final).
    // Counted from the writes: the watch cache's dispatch counter does not tell its watchers
    // apart once the harness's watches select by field.
    double toOperator =
        d.entrySet().stream()
            .filter(
                e ->
                    e.getKey()
                        .matches("(POST|PUT|PATCH|APPLY|DELETE) kxchangesets(/status)? 2\\d\\d"))
            .mapToDouble(Map.Entry::getValue)
            .sum();
    ObjectNode o = Report.JSON.createObjectNode();
    o.put("changesets", changesets);
    o.put("statusWrites", (long) statusWrites);
    o.put("statusWriteConflicts", (long) statusConflicts);
    o.put("eventsCreated", (long) events);
    o.put("watchEventsSent", (long) watchSent);
    o.put("watchEventsToHarness", harnessWatchEvents);
    o.put("watchEventsToOperator", (long) toOperator);
    ObjectNode per = o.putObject("perChangeset");
    per.put("statusWrites", Report.round2(statusWrites / changesets));
    per.put("eventsCreated", Report.round2(events / changesets));
    per.put("watchEventsToOperator", Report.round2(toOperator / changesets));
    if (operatorMetrics != null) {
      // The operator's counters run from its start: what it did before the run (a warm-up) is
      // taken off.
      double started =
          total(operatorMetrics, "operator_sdk_reconciliations_started_total")
              - total(operatorMetricsBefore, "operator_sdk_reconciliations_started_total");
      double handled =
          total(operatorMetrics, "operator_sdk_events_received_total")
              - total(operatorMetricsBefore, "operator_sdk_events_received_total");
      o.put("reconciliations", (long) started);
      o.put("eventsHandledByJosdk", (long) handled);
      per.put("reconciliations", Report.round2(started / changesets));
      per.put("eventsHandledByJosdk", Report.round2(handled / changesets));
    }
    per.put("operatorCpuMs", Report.round2(cpu.path("operator").asDouble() * 1000 / changesets));
    per.put(
        "apiServerCpuMs", Report.round2(cpu.path("kubeApiserver").asDouble() * 1000 / changesets));
    per.put("etcdCpuMs", Report.round2(cpu.path("etcd").asDouble() * 1000 / changesets));
    o.set("apiServerRequests", Report.JSON.valueToTree(d));
    return o;
  }

  /** Requests whose key contains {@code part} (at its end when {@code resourcePart}), of a code. */
  private static double sum(Map<String, Double> d, String part, String code, boolean resourcePart) {
    return d.entrySet().stream()
        .filter(e -> !e.getKey().startsWith("watch-sent "))
        .filter(
            e -> {
              String[] k = e.getKey().split(" ");
              boolean matches = resourcePart ? k[1].equals(part) : e.getKey().startsWith(part);
              return matches && (code == null || k[2].equals(code));
            })
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }
}
