/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/** The most recent requests (bounded, oldest dropped first), for tests and the admin API. */
public final class RequestLog {

  /**
   * One request. {@code operation} is the model name, {@code AssumeRole}, or {@code Unknown};
   * {@code outcome} as in the counters; {@code changesetId} and {@code clientToken} are null when
   * they do not apply. {@code principal} is who signed it: the assumed-role ARN of a session the
   * emulator's STS issued, else the access key id (null: unsigned); {@code roleArn} and {@code
   * sessionTags} are that session's role and tags (for AssumeRole: the ones asked for), else null
   * and empty.
   */
  public record Entry(
      Instant time,
      String requestId,
      String method,
      String path,
      String operation,
      int httpStatus,
      String outcome,
      String changesetId,
      String clientToken,
      long durationMillis,
      String principal,
      String roleArn,
      Map<String, String> sessionTags) {

    public Entry {
      sessionTags = sessionTags == null ? Map.of() : Map.copyOf(sessionTags);
    }
  }

  private final int capacity;
  private final ArrayDeque<Entry> entries;

  RequestLog(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("request log capacity must be >= 0");
    }
    this.capacity = capacity;
    this.entries = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  synchronized void add(Entry e) {
    if (capacity == 0) {
      return;
    }
    if (entries.size() == capacity) {
      entries.removeFirst();
    }
    entries.addLast(e);
  }

  /** A copy, oldest first. */
  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  synchronized void clear() {
    entries.clear();
  }
}
