/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Calls per operation and outcome, keyed {@code Operation/outcome}: the HTTP status for a success
 * ({@code CreateKxChangeset/200}), the error type for an error ({@code
 * GetKxChangeset/ThrottlingException}) and {@code dropped} for a dropped connection.
 */
final class Counters {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  void increment(String operation, String outcome) {
    counts.computeIfAbsent(operation + "/" + outcome, k -> new LongAdder()).increment();
  }

  long get(String key) {
    LongAdder a = counts.get(key);
    return a == null ? 0 : a.sum();
  }

  /** A sorted copy. */
  Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  void clear() {
    counts.clear();
  }
}
