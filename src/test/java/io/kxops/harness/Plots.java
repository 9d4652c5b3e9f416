/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the harnesses' results.json files into SVG plots (hack/plots.sh; docs/benchmarks.md shows
 * them): plain SVG written here, so the plots need nothing beyond the JDK and Jackson.
 */
public final class Plots {

  static final String OPERATOR = "#1f77b4";
  static final String BASELINE = "#ff7f0e";
  static final String[] PALETTE = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"
  };

  private Plots() {}

  /** {@code Plots OUT_DIR RESULTS.json...}: the plots of each results file into OUT_DIR. */
  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: Plots OUT_DIR RESULTS.json [RESULTS.json ...]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    List<JsonNode> bench = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      JsonNode r = Report.JSON.readTree(Path.of(args[i]).toFile());
      if (r.has("outcome") && r.has("finspaceCalls")) {
        write(out, resilience(r));
      } else if (r.has("endToEnd") || r.has("memory")) {
        bench.add(r);
      } else {
        throw new IllegalArgumentException(args[i] + ": neither bench nor resilience results");
      }
    }
    if (!bench.isEmpty()) {
      write(out, bench(bench));
    }
  }

  static void write(Path out, Map<String, String> svgs) {
    try {
      Files.createDirectories(out);
      for (Map.Entry<String, String> e : svgs.entrySet()) {
        Files.writeString(out.resolve(e.getKey()), e.getValue());
        System.out.println("wrote " + out.resolve(e.getKey()));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ what is plotted

  /** The plots of bench results: the first file's scenarios, memory over all files. */
  static Map<String, String> bench(List<JsonNode> files) {
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode r = files.get(0);
    if (r.has("endToEnd") && r.has("baseline")) {
      Chart c =
          new Chart(
              "Resource created → its CreateKxChangeset at FinSpace",
              "seconds",
              "share of changesets");
      c.line("operator", OPERATOR, false, cdf(r.at("/endToEnd/secondsResourceToCreate")));
      c.line("bare SDK loop", BASELINE, false, cdf(r.at("/baseline/secondsStartToCreate")));
      if (r.has("endToEndRaisedLimit") && r.has("baselineRaisedLimit")) {
        c.line(
            "operator, limit raised",
            OPERATOR,
            true,
            cdf(r.at("/endToEndRaisedLimit/secondsResourceToCreate")));
        c.line(
            "bare SDK loop, limit raised",
            BASELINE,
            true,
            cdf(r.at("/baselineRaisedLimit/secondsStartToCreate")));
      }
      c.note(scenario(r));
      out.put("bench-time-to-create.svg", c.lines());

      if (r.at("/endToEnd/secondsStartToFinal").isObject()) {
        Chart f =
            new Chart(
                "Burst applied → each changeset COMPLETED (as a user watching sees it)",
                "seconds",
                "share of changesets");
        f.line("operator", OPERATOR, false, cdf(r.at("/endToEnd/secondsStartToFinal")));
        f.line("bare SDK loop", BASELINE, false, cdf(r.at("/baseline/secondsStartToFinal")));
        if (r.at("/endToEndRaisedLimit/secondsStartToFinal").isObject()) {
          f.line(
              "operator, limit raised",
              OPERATOR,
              true,
              cdf(r.at("/endToEndRaisedLimit/secondsStartToFinal")));
          f.line(
              "bare SDK loop, limit raised",
              BASELINE,
              true,
              cdf(r.at("/baselineRaisedLimit/secondsStartToFinal")));
        }
        f.note(scenario(r));
        out.put("bench-time-to-final.svg", f.lines());
      }

      Chart h =
          new Chart(
              "Hand-off: one changeset COMPLETED → the next of its database created",
              "position in the database's queue",
              "seconds");
      h.line("operator p50", OPERATOR, false, byPosition(r.at("/endToEnd"), "p50"));
      h.line("operator max", OPERATOR, true, byPosition(r.at("/endToEnd"), "max"));
      h.line("bare SDK loop p50", BASELINE, false, byPosition(r.at("/baseline"), "p50"));
      h.line("bare SDK loop max", BASELINE, true, byPosition(r.at("/baseline"), "max"));
      h.note(scenario(r));
      out.put("bench-hand-off.svg", h.lines());

      Map<String, double[]> totals = new LinkedHashMap<>();
      totals.put(
          "limit " + r.at("/endToEnd/perDatabaseLimit").asInt(),
          new double[] {
            r.at("/endToEnd/totalSeconds").asDouble(), r.at("/baseline/totalSeconds").asDouble()
          });
      if (r.has("endToEndRaisedLimit") && r.has("baselineRaisedLimit")) {
        totals.put(
            "limit " + r.at("/endToEndRaisedLimit/perDatabaseLimit").asInt(),
            new double[] {
              r.at("/endToEndRaisedLimit/totalSeconds").asDouble(),
              r.at("/baselineRaisedLimit/totalSeconds").asDouble()
            });
      }
      if (r.has("throttled")) {
        totals.put(
            "throttled (bar 2: the floor)",
            new double[] {
              r.at("/throttled/totalSeconds").asDouble(), r.at("/throttled/floorSeconds").asDouble()
            });
      }
      Chart t =
          new Chart("All changesets COMPLETED: operator against the bare SDK loop", "", "seconds");
      t.note(scenario(r));
      out.put(
          "bench-total.svg",
          t.bars(totals, List.of("operator", "bare SDK loop"), List.of(OPERATOR, BASELINE)));

      Map<String, double[]> calls = new LinkedHashMap<>();
      for (String k : List.of("createsPerChangeset", "getsPerChangeset", "listsPerChangeset")) {
        calls.put(
            k.replace("PerChangeset", ""),
            new double[] {
              r.at("/endToEnd/finspaceCalls/" + k).asDouble(),
              r.at("/baseline/finspaceCalls/" + k).asDouble()
            });
      }
      Chart k = new Chart("FinSpace calls per changeset", "", "calls");
      k.note(scenario(r));
      out.put(
          "bench-calls.svg",
          k.bars(calls, List.of("operator", "bare SDK loop"), List.of(OPERATOR, BASELINE)));
    }
    List<double[]> memory = new ArrayList<>();
    for (JsonNode f : files) {
      JsonNode m = f.path("memory");
      if (m.has("resources")) {
        memory.add(
            new double[] {
              m.path("resources").asDouble(),
              m.path("rssMiBAfterGc").asDouble(),
              m.path("heapUsedMiBAfterGc").asDouble(),
              m.path("nonHeapUsedMiB").asDouble()
            });
      }
    }
    if (!memory.isEmpty()) {
      memory.sort((a, b) -> Double.compare(a[0], b[0]));
      Chart m =
          new Chart(
              "Operator memory after GC against KxChangesets in the cluster",
              "KxChangesets (99 % of them final)",
              "MiB");
      m.logX = true;
      String[] names = {"RSS", "heap used", "non-heap"};
      for (int i = 0; i < names.length; i++) {
        List<double[]> pts = new ArrayList<>();
        for (double[] row : memory) {
          pts.add(new double[] {row[0], row[i + 1]});
        }
        m.line(names[i], PALETTE[i], false, pts);
      }
      m.markers = true;
      m.note(
          "hack/bench.sh --scenarios memory --memory-resources N, one run each; "
              + files.get(files.size() - 1).at("/machine/time").asText().replaceAll("T.*", ""));
      out.put("bench-memory.svg", m.lines());
    }
    return out;
  }

  /** The plot of resilience results: FinSpace's answers per operation. */
  static Map<String, String> resilience(JsonNode r) {
    Map<String, Map<String, Double>> byOp = new TreeMap<>();
    List<String> outcomes = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : r.path("finspaceCalls").properties()) {
      String[] opOutcome = e.getKey().split("/", 2);
      String outcome = opOutcome.length > 1 ? opOutcome[1] : "?";
      if (!outcomes.contains(outcome)) {
        outcomes.add(outcome);
      }
      byOp.computeIfAbsent(opOutcome[0], o -> new TreeMap<>())
          .put(outcome, e.getValue().asDouble());
    }
    outcomes.sort((a, b) -> a.equals("200") ? -1 : b.equals("200") ? 1 : a.compareTo(b));
    Map<String, double[]> rows = new LinkedHashMap<>();
    byOp.forEach(
        (op, m) -> {
          double[] v = new double[outcomes.size()];
          for (int i = 0; i < v.length; i++) {
            v[i] = m.getOrDefault(outcomes.get(i), 0.0);
          }
          rows.put(op, v);
        });
    List<String> colours = new ArrayList<>();
    for (int i = 0; i < outcomes.size(); i++) {
      colours.add(PALETTE[i % PALETTE.length]);
    }
    Chart c = new Chart("Resilience run: FinSpace's answers to the operator", "", "calls");
    JsonNode o = r.path("outcome");
    c.note(
        String.format(
            Locale.ROOT,
            "%d resources, %d with exactly one changeset, %d duplicates, %d lost; converged in %.1f s",
            o.path("resources").asInt(),
            o.path("resourcesWithExactlyOneChangeset").asInt(),
            o.path("duplicates").asInt(),
            o.path("lost").asInt(),
            o.path("secondsToConverge").asDouble()));
    c.stacked = true;
    return Map.of("resilience-calls.svg", c.bars(rows, outcomes, colours));
  }

  static String scenario(JsonNode r) {
    JsonNode s = r.path("settings");
    return String.format(
        Locale.ROOT,
        "%d KxChangesets over %d databases, FinSpace processing %s; %s, %s",
        s.path("resources").asInt(),
        s.path("databases").asInt(),
        s.path("emulatorProcessing").asText().replace("PT", "").toLowerCase(Locale.ROOT),
        r.at("/machine/time").asText().replaceAll("T.*", ""),
        r.at("/machine/cpus").asInt() + " CPUs");
  }

  /**
   * Points of a cumulative distribution from a {@code Report.distribution} object: its 21 quantiles
   * when the run recorded them, else min, p50, p90, p99 and max.
   */
  static List<double[]> cdf(JsonNode d) {
    List<double[]> pts = new ArrayList<>();
    JsonNode q = d.path("quantiles");
    if (q.isArray() && q.size() > 1) {
      for (int i = 0; i < q.size(); i++) {
        pts.add(new double[] {q.get(i).asDouble(), i / (double) (q.size() - 1)});
      }
      return pts;
    }
    String[] keys = {"min", "p50", "p90", "p99", "max"};
    double[] share = {0, 0.5, 0.9, 0.99, 1};
    for (int i = 0; i < keys.length; i++) {
      if (d.has(keys[i])) {
        pts.add(new double[] {d.path(keys[i]).asDouble(), share[i]});
      }
    }
    return pts;
  }

  /** (position, seconds) from {@code secondsHandOffByPosition}: {"1": "p50 0.389 max 0.417"}. */
  static List<double[]> byPosition(JsonNode run, String which) {
    Map<Integer, Double> m = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : run.path("secondsHandOffByPosition").properties()) {
      String[] w = e.getValue().asText().trim().split("\\s+");
      for (int i = 0; i + 1 < w.length; i += 2) {
        if (w[i].equals(which)) {
          m.put(Integer.parseInt(e.getKey()), Double.parseDouble(w[i + 1]));
        }
      }
    }
    List<double[]> pts = new ArrayList<>();
    m.forEach((k, v) -> pts.add(new double[] {k, v}));
    return pts;
  }
}
