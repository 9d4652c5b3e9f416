/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped PromQL: the alert rules' and the Grafana dashboard's queries, and the metrics named.
 */
public final class MonitoringFiles {

  public static final Path DIR = Path.of("config", "monitoring");
  public static final Path RULES = DIR.resolve("prometheus-rules.yaml");
  public static final Path RULE_TESTS = DIR.resolve("prometheus-rules.test.yaml");
  public static final Path DASHBOARD = DIR.resolve("grafana-dashboard.json");

  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "and",
          "or",
          "unless",
          "offset",
          "inf",
          "nan");

  private MonitoringFiles() {}

  /** Every alert rule's expression. */
  @SuppressWarnings("unchecked")
  public static List<String> ruleExpressions() {
    Map<String, Object> doc = Serialization.unmarshal(read(RULES), Map.class);
    List<String> out = new ArrayList<>();
    for (Object g : (List<Object>) doc.get("groups")) {
      for (Object r : (List<Object>) ((Map<String, Object>) g).get("rules")) {
        out.add(String.valueOf(((Map<String, Object>) r).get("expr")));
      }
    }
    return out;
  }

  /** Every query of every dashboard panel. */
  public static List<String> dashboardQueries() {
    try {
      JsonNode d = new ObjectMapper().readTree(read(DASHBOARD));
      List<String> out = new ArrayList<>();
      for (JsonNode p : d.get("panels")) {
        for (JsonNode t : p.path("targets")) {
          out.add(t.get("expr").asText());
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The metric names a PromQL expression selects: its identifiers less strings, label matchers,
   * ranges, grouping clauses, function and aggregation names, and keywords. Not a parser (promtool
   * parses them in MonitoringIT), but enough for expressions of the shape shipped.
   */
  public static Set<String> metricNames(String expr) {
    String e =
        expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("(?<![0-9.a-zA-Z_:])[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(e);
    while (m.find()) {
      String id = m.group();
      int after = m.end();
      while (after < e.length() && e.charAt(after) == ' ') {
        after++;
      }
      boolean call = after < e.length() && e.charAt(after) == '(';
      if (!call && !KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) {
        names.add(id);
      }
    }
    return names;
  }

  /** Every metric name the rules and the dashboard use. */
  public static Set<String> allMetricNames() {
    Set<String> names = new TreeSet<>();
    ruleExpressions().forEach(x -> names.addAll(metricNames(x)));
    dashboardQueries().forEach(x -> names.addAll(metricNames(x)));
    return names;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
