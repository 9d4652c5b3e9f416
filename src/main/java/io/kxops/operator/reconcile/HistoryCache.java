/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.finspace.ChangesetSummary;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the repeat check ({@link RepeatCheck}) remembers of each database's FinSpace history: the
 * requests digest of every changeset it has read (a changeset's requests never change, so an entry
 * never goes stale) and its last ListKxChangesets. Bounded: the least recently checked databases
 * are forgotten first.
 */
final class HistoryCache {

  /** How many databases are remembered; a forgotten one is read again when next checked. */
  static final int MAX_DATABASES = 32;

  /** One ListKxChangesets of a database, and when (this process's clock) it was started. */
  record Listing(Instant startedAt, List<ChangesetSummary> entries) {}

  /** One database's memory. */
  static final class Database {
    private final Map<String, String> digests = new ConcurrentHashMap<>();
    private volatile Listing last;

    String digest(String changesetId) {
      return digests.get(changesetId);
    }

    void digest(String changesetId, String digest) {
      digests.put(changesetId, digest);
    }

    Listing last() {
      return last;
    }

    void last(Listing listing) {
      last = listing;
    }

    int size() {
      return digests.size();
    }
  }

  private final int maxDatabases;

  private final Map<String, Database> databases;

  HistoryCache() {
    this(MAX_DATABASES);
  }

  HistoryCache(int maxDatabases) {
    this.maxDatabases = maxDatabases;
    this.databases =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Database> eldest) {
            return size() > HistoryCache.this.maxDatabases;
          }
        };
  }

  /** The memory of the database with key {@code key}, created empty when new or forgotten. */
  synchronized Database of(String key) {
    return databases.computeIfAbsent(key, k -> new Database());
  }

  /** The number of databases remembered. */
  synchronized int databases() {
    return databases.size();
  }
}
