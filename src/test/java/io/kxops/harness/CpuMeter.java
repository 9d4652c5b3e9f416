/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * CPU seconds (user + system, from /proc/PID/stat) that each process of a run used between two
 * points — where the time of a 2-core machine went: operator, kube-apiserver, etcd, or this JVM
 * (emulator, baseline loop, watches).
 */
final class CpuMeter {

  /** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
  private static final double TICKS = 100.0;

  private final Map<String, LongSupplier> pids = new LinkedHashMap<>();
  private final Map<String, Long> start = new LinkedHashMap<>();
  private final Map<String, Map<String, Long>> threadsAtStart = new LinkedHashMap<>();

  /** Measures {@code name}: its pid is read at start and at stop (a process may restart). */
  CpuMeter add(String name, LongSupplier pid) {
    pids.put(name, pid);
    return this;
  }

  CpuMeter start() {
    pids.forEach((n, p) -> start.put(n, ticks(p.getAsLong())));
    pids.forEach((n, p) -> threadsAtStart.put(n, byThread(p.getAsLong())));
    return this;
  }

  /** CPU seconds per process since {@link #start()}, plus the wall seconds given. */
  ObjectNode stop(double wallSeconds) {
    ObjectNode o = Report.JSON.createObjectNode();
    double total = 0;
    for (var e : pids.entrySet()) {
      long t = ticks(e.getValue().getAsLong()) - start.getOrDefault(e.getKey(), 0L);
      double s = Math.max(0, t) / TICKS;
      total += s;
      o.put(e.getKey(), Report.round2(s));
    }
    o.put("total", Report.round2(total));
    ObjectNode threads = o.putObject("byThread");
    for (var e : pids.entrySet()) {
      Map<String, Long> before = threadsAtStart.getOrDefault(e.getKey(), Map.of());
      ObjectNode t = threads.putObject(e.getKey());
      byThread(e.getValue().getAsLong())
          .forEach((g, v) -> t.put(g, Report.round2((v - before.getOrDefault(g, 0L)) / TICKS)));
    }
    o.put("wallSeconds", Report.round2(wallSeconds));
    o.put("cpusBusy", Report.round2(wallSeconds <= 0 ? 0 : total / wallSeconds));
    return o;
  }

  /**
   * utime + stime per thread group of a process (thread names with digits dropped, e.g. "C1
   * CompilerThread"), in ticks; threads that ended are not counted. Empty if it is gone.
   */
  static Map<String, Long> byThread(long pid) {
    Map<String, Long> out = new java.util.TreeMap<>();
    if (pid <= 0) {
      return out;
    }
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+", "#");
          out.merge(name, ticksOf(Files.readString(t.resolve("stat"))), Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended while being read
        }
      }
    } catch (IOException | RuntimeException e) {
      return out;
    }
    return out;
  }

  /** utime + stime of a process, in ticks; 0 if it is gone. */
  static long ticks(long pid) {
    if (pid <= 0) {
      return 0;
    }
    try {
      return ticksOf(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** utime + stime of a process's or thread's {@code stat} line. */
  private static long ticksOf(String stat) {
    // The command name (field 2) may hold spaces; count fields after its closing ')'.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
