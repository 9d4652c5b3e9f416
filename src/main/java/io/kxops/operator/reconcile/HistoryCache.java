/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.finspace.Caller;
import io.kxops.operator.finspace.ChangesetSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * What the repeat check ({@link RepeatCheck}) remembers of each database's FinSpace history: the
 * requests digest of every changeset it has read (a changeset's requests never change, so an entry
 * never goes stale), the changesets this process created or polled, and its last ListKxChangesets
 * made as each caller (a namespace and its role: a check rests only on what its own role may read).
 * Bounded by databases and by entries: the least recently checked databases are forgotten first. A
 * digest is kept as its 32 bytes, not as its text: about 150 bytes an entry with its changeset id.
 * The bound holds a platform's history whole (100 databases of ~1,000 changesets each); a smaller
 * one, 20,000 before, made a daily load on each of them read its database's history again, one
 * GetKxChangeset per changeset, every time (docs/benchmarks.md, "Memory with history").
 */
final class HistoryCache {

  /** How many databases are remembered; a forgotten one is read again when next checked. */
  static final int MAX_DATABASES = 1024;

  /** How many changesets are remembered in all databases together (about 18 MiB). */
  static final int MAX_ENTRIES = 120_000;

  /**
   * One ListKxChangesets of a database, and the newest creationTimestamp (the API server's clock)
   * of the database's KxChangesets this process saw before it started: they existed then.
   */
  record Listing(Instant newestSeen, List<ChangesetSummary> entries) {}

  private static final String PREFIX = "sha256:";
  private static final HexFormat HEX = HexFormat.of();

  /** One database's memory. */
  static final class Database {
    private final Map<String, byte[]> digests = new ConcurrentHashMap<>();
    private final Map<String, ChangesetSummary> made = new ConcurrentHashMap<>();
    private final Map<Caller, Listing> last = new ConcurrentHashMap<>();

    /** The cache's count of entries in all databases, kept current by {@link #resized()}. */
    private final AtomicInteger total;

    /** This database's part of {@link #total}, as of its last change. */
    private int size;

    /** Dropped from the cache: a check still holding it no longer counts in the total. */
    private boolean forgotten;

    Database(AtomicInteger total) {
      this.total = total;
    }

    String digest(String changesetId) {
      byte[] packed = digests.get(changesetId);
      return packed == null ? null : PREFIX + HEX.formatHex(packed);
    }

    /** Remembers {@code digest}, one of {@link Intents#digest}: "sha256:" and 64 hex digits. */
    void digest(String changesetId, String digest) {
      if (!digest.startsWith(PREFIX) || digest.length() != PREFIX.length() + 64) {
        throw new IllegalArgumentException("not a requests digest: " + digest);
      }
      if (digests.put(changesetId, HEX.parseHex(digest, PREFIX.length(), digest.length()))
          == null) {
        resized();
      }
    }

    /** Remembers a changeset this process created or polled, as it last saw it. */
    void made(ChangesetSummary cs) {
      made.put(cs.id(), cs);
    }

    /** {@code listed} and every changeset this process saw that it does not show. */
    List<ChangesetSummary> with(List<ChangesetSummary> listed) {
      if (made.isEmpty()) {
        return listed;
      }
      Set<String> ids = listed.stream().map(ChangesetSummary::id).collect(Collectors.toSet());
      List<ChangesetSummary> all = new ArrayList<>(listed);
      made.values().stream().filter(cs -> !ids.contains(cs.id())).forEach(all::add);
      return all;
    }

    /** The last List made as {@code caller}, or null. */
    Listing last(Caller caller) {
      return last.get(caller);
    }

    void last(Caller caller, Listing listing) {
      last.put(caller, listing);
      resized();
    }

    /**
     * The entries this database counts against {@link #MAX_ENTRIES}: its digests, and the entries
     * of every List kept beyond the largest one (one List is about as long as the digests; the
     * Lists of further callers, namespaces with a role of their own, must count too).
     */
    synchronized int size() {
      return size;
    }

    /**
     * Counts this database's entries again after a change, and the difference into the cache's
     * total: checking the bound then costs nothing per check, where summing every database's size
     * on each check cost ~4 % of the operator's CPU in a burst (issue 17).
     */
    private synchronized void resized() {
      int now = count();
      if (!forgotten) {
        total.addAndGet(now - size);
      }
      size = now;
    }

    private synchronized void forget() {
      forgotten = true;
      total.addAndGet(-size);
    }

    private int count() {
      int all = 0;
      int largest = 0;
      for (Listing l : last.values()) {
        all += l.entries().size();
        largest = Math.max(largest, l.entries().size());
      }
      return digests.size() + all - largest;
    }
  }

  private final int maxDatabases;
  private final int maxEntries;
  private final LinkedHashMap<String, Database> databases = new LinkedHashMap<>(16, 0.75f, true);
  private final AtomicInteger entries = new AtomicInteger();

  HistoryCache() {
    this(MAX_DATABASES, MAX_ENTRIES);
  }

  HistoryCache(int maxDatabases, int maxEntries) {
    this.maxDatabases = maxDatabases;
    this.maxEntries = maxEntries;
  }

  /** The memory of the database with key {@code key}, created empty when new or forgotten. */
  synchronized Database of(String key) {
    Database db = databases.computeIfAbsent(key, k -> new Database(entries));
    Iterator<Database> eldest = databases.values().iterator();
    while (databases.size() > 1 && (databases.size() > maxDatabases || entries() > maxEntries)) {
      Database forgotten = eldest.next();
      if (forgotten == db) {
        break;
      }
      eldest.remove();
      forgotten.forget();
    }
    return db;
  }

  /** The number of databases remembered. */
  synchronized int databases() {
    return databases.size();
  }

  /** The number of changesets remembered in all databases. */
  int entries() {
    return entries.get();
  }
}
