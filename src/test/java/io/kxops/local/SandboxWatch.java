/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * What the sandbox shows while it runs: a compact table of the samples until every one is final
 * (redrawn in place on a terminal, reprinted on change otherwise), then one line per change of any
 * KxChangeset.
 */
final class SandboxWatch {

  /** One KxChangeset as the table shows it. */
  record Row(
      String namespace,
      String name,
      String status,
      String ready,
      String reason,
      String changeset,
      boolean isFinal) {

    static Row of(KxChangeset r) {
      var s = r.getStatus();
      Condition ready = condition(r, "Ready");
      Condition stalled = condition(r, "Stalled");
      return new Row(
          r.getMetadata().getNamespace(),
          r.getMetadata().getName(),
          dash(s == null ? null : s.getStatus()),
          dash(ready == null ? null : ready.getStatus()),
          dash(ready == null ? null : ready.getReason()),
          dash(s == null ? null : s.getChangesetId()),
          (ready != null && "True".equals(ready.getStatus()))
              || (stalled != null && "True".equals(stalled.getStatus())));
    }

    static Row missing(String namespace, String name) {
      return new Row(namespace, name, "-", "-", "-", "-", false);
    }

    /** What a change is: everything but the name. */
    String state() {
      return String.join("|", status, ready, reason, changeset);
    }

    String line() {
      return "%s/%s: %s, Ready %s (%s), changeset %s"
          .formatted(namespace, name, status, ready, reason, changeset);
    }
  }

  private final KubernetesClient client;
  private final Console console;
  private final BooleanSupplier stopping;
  private final Map<String, Row> last = new HashMap<>();

  SandboxWatch(KubernetesClient client, Console console, BooleanSupplier stopping) {
    this.client = client;
    this.console = console;
    this.stopping = stopping;
  }

  /** The table's lines: a header and one line per row, columns padded. */
  static List<String> table(List<Row> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"NAME", "STATUS", "READY", "REASON", "CHANGESET"});
    for (Row r : rows) {
      cells.add(new String[] {r.name(), r.status(), r.ready(), r.reason(), r.changeset()});
    }
    int[] width = new int[5];
    for (String[] c : cells) {
      for (int i = 0; i < c.length; i++) {
        width[i] = Math.max(width[i], c[i].length());
      }
    }
    List<String> out = new ArrayList<>();
    for (String[] c : cells) {
      StringBuilder sb = new StringBuilder("    ");
      for (int i = 0; i < c.length; i++) {
        sb.append(i < c.length - 1 ? pad(c[i], width[i] + 2) : c[i]);
      }
      out.add(sb.toString().stripTrailing());
    }
    return out;
  }

  /** "4 COMPLETED" or "3 COMPLETED, 1 FAILED". */
  static String summary(List<Row> rows) {
    Map<String, Integer> counts = new TreeMap<>();
    rows.forEach(r -> counts.merge(r.status(), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    counts.forEach((status, n) -> parts.add(n + " " + status));
    return String.join(", ", parts);
  }

  /** Shows the named KxChangesets of {@code namespace} until all are final. */
  void samples(String namespace, List<String> names) {
    long start = System.nanoTime();
    String shown = null;
    int drawnLines = 0;
    while (!stopping.getAsBoolean()) {
      List<Row> rows = new ArrayList<>();
      Map<String, KxChangeset> byName = new HashMap<>();
      List<KxChangeset> listed = list(namespace);
      if (listed == null) {
        Processes.sleep(1000);
        continue;
      }
      listed.forEach(r -> byName.put(r.getMetadata().getName(), r));
      for (String n : names) {
        KxChangeset r = byName.get(n);
        rows.add(r == null ? Row.missing(namespace, n) : Row.of(r));
      }
      rows.forEach(r -> last.put(r.namespace() + "/" + r.name(), r));
      boolean done = rows.stream().allMatch(Row::isFinal);
      String elapsed = Console.seconds(System.nanoTime() - start);
      List<String> table = table(rows);
      String state = String.join("\n", table);
      if (console.interactive()) {
        // Redraw in place: up over the previous table, clear, print again.
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
          sb.append("\033[").append(drawnLines).append("F\033[J");
        }
        sb.append(console.prefix())
            .append("samples in namespace ")
            .append(namespace)
            .append(", ")
            .append(elapsed)
            .append(" after apply:\n");
        table.forEach(l -> sb.append(l).append('\n'));
        console.raw(sb.toString());
        drawnLines = table.size() + 1;
      } else if (!state.equals(shown)) {
        console.line("samples in namespace " + namespace + ", " + elapsed + " after apply:");
        console.block(table);
      }
      shown = state;
      if (done) {
        console.line(" ok samples final " + elapsed + " after apply: " + summary(rows));
        return;
      }
      Processes.sleep(console.interactive() ? 200 : 300);
    }
  }

  /** Prints one line per change of any KxChangeset, until the sandbox stops. */
  void changes() {
    while (!stopping.getAsBoolean()) {
      List<KxChangeset> listed = list(null);
      if (listed != null) {
        Map<String, Row> now = new LinkedHashMap<>();
        listed.forEach(
            r ->
                now.put(
                    r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(), Row.of(r)));
        now.forEach(
            (key, row) -> {
              Row before = last.get(key);
              if (before == null || !before.state().equals(row.state())) {
                console.line(row.line());
              }
            });
        for (String key : last.keySet()) {
          if (!now.containsKey(key)) {
            console.line(key + ": deleted");
          }
        }
        last.clear();
        last.putAll(now);
      }
      Processes.sleep(500);
    }
  }

  private boolean warned;

  /** The KxChangesets of a namespace (all if null), or null after a reported error. */
  private List<KxChangeset> list(String namespace) {
    try {
      var op = client.resources(KxChangeset.class);
      List<KxChangeset> items =
          namespace == null
              ? op.inAnyNamespace().list().getItems()
              : op.inNamespace(namespace).list().getItems();
      warned = false;
      return items;
    } catch (KubernetesClientException e) {
      if (!stopping.getAsBoolean() && !warned) {
        console.line("cannot list KxChangesets (will retry): " + e.getMessage());
        warned = true;
      }
      return null;
    }
  }

  private static Condition condition(KxChangeset r, String type) {
    if (r.getStatus() == null || r.getStatus().getConditions() == null) {
      return null;
    }
    return r.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private static String dash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }
}
