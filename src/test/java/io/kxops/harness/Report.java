/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** What the harnesses write: results.json (figures) and results.txt (the same as a table). */
final class Report {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Report() {}

  /** When and on what the run happened: the figures mean little without it. */
  static ObjectNode machine() {
    ObjectNode m = JSON.createObjectNode();
    m.put("time", Instant.now().toString());
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put("memTotalMiB", memTotalMiB());
    m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("loadAverage", loadAverage());
    return m;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static long memTotalMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // unknown
    }
    return -1;
  }

  /** Nearest-rank percentile of {@code values} (0 < p ≤ 100); NaN when empty. */
  static double percentile(Collection<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  /**
   * count, min, p50, p90, p99, max and the quantiles every 5 % of a list of seconds, rounded to
   * milliseconds.
   */
  static ObjectNode distribution(Collection<Double> seconds) {
    ObjectNode d = JSON.createObjectNode();
    d.put("count", seconds.size());
    if (seconds.isEmpty()) {
      return d;
    }
    d.put("min", round3(percentile(seconds, 0.0001)));
    d.put("p50", round3(percentile(seconds, 50)));
    d.put("p90", round3(percentile(seconds, 90)));
    d.put("p99", round3(percentile(seconds, 99)));
    d.put("max", round3(percentile(seconds, 100)));
    // Every 5 %, for plots of the whole distribution (Plots).
    var q = d.putArray("quantiles");
    q.add(round3(percentile(seconds, 0.0001)));
    for (int p = 5; p <= 100; p += 5) {
      q.add(round3(percentile(seconds, p)));
    }
    return d;
  }

  static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** A plain-text table: the first row is the header. */
  static String table(List<String[]> rows) {
    if (rows.isEmpty()) {
      return "";
    }
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int n = 0; n < rows.size(); n++) {
      String[] r = rows.get(n);
      for (int i = 0; i < cols; i++) {
        sb.append(i == 0 ? "" : "  ")
            .append(i == 0 ? pad(r[i], width[i]) : padLeft(r[i], width[i]));
      }
      sb.append('\n');
      if (n == 0) {
        for (int i = 0; i < cols; i++) {
          sb.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static String pad(String s, int w) {
    return s + " ".repeat(w - s.length());
  }

  private static String padLeft(String s, int w) {
    return " ".repeat(w - s.length()) + s;
  }

  /** Writes results.json and results.txt into {@code dir}. */
  static void write(Path dir, ObjectNode result, String text) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("results.json"), JSON.writeValueAsString(result) + "\n");
      Files.writeString(dir.resolve("results.txt"), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
