/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.reconcile.ClusterView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * {@link ClusterView} over JOSDK's informer cache of KxChangesets, indexed by database key, with
 * this process's own status writes laid over it. The informer learns of a write only when the watch
 * event arrives; a queued changeset woken right after its predecessor became final must not read
 * the predecessor's older, in-flight copy and go back to sleep.
 */
public final class CacheClusterView implements ClusterView {

  static final String DATABASE_INDEX = "database";

  /** Index key of a resource whose database cannot be told (the reconciliation stalls it). */
  static final String UNINDEXABLE = "-unindexable-";

  /** Writes older than this are dropped even if never read again (the informer has them). */
  static final Duration OVERLAY_TTL = Duration.ofMinutes(1);

  /** A copy newer than the informer's: this process's write, or read by a confirmation. */
  private record Written(
      KxChangeset resource, long resourceVersion, long atNanos, boolean listed) {}

  /**
   * Reads the KxChangesets of one namespace from the API server, at least as fresh as a
   * resourceVersion (a LIST with resourceVersionMatch=NotOlderThan), those {@code fieldSelector}
   * selects (null: all of them).
   */
  @FunctionalInterface
  public interface FreshList {
    List<KxChangeset> list(String namespace, String notOlderThan, String fieldSelector);
  }

  /**
   * Reads the KxChangesets of every watched namespace that match a fieldSelector from the API
   * server (a consistent read: at least as fresh as anything the watch delivered).
   */
  @FunctionalInterface
  public interface SelectedList {
    List<KxChangeset> list(String fieldSelector);
  }

  /** Reads one KxChangeset from the API server (a GET); null when it does not exist. */
  @FunctionalInterface
  public interface ByName {
    KxChangeset get(String namespace, String name);
  }

  private volatile IndexerResourceCache<KxChangeset> cache;
  private volatile Function<KxChangeset, String> databaseKey;
  private volatile Function<KxChangeset, DatabaseRef> target;
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  private static final long PURGE_EVERY_NANOS = Duration.ofSeconds(1).toNanos();
  private final AtomicLong lastPurge = new AtomicLong(System.nanoTime());
  private final List<String> namespaces;
  private final FreshList freshList;
  private final SelectedList finals;
  private final ByName byName;

  /** A view over one informer: every watched namespace in one watch (all namespaces, or one). */
  public CacheClusterView() {
    this(List.of(), null);
  }

  /**
   * A view over several namespaces. JOSDK then runs one informer, with a watch of its own, per
   * namespace, so a watch that delivered this process's write says nothing about the others: a
   * confirmation reads the other namespaces from the API server instead, as fresh as the write.
   */
  public CacheClusterView(List<String> namespaces, FreshList freshList) {
    this(namespaces, freshList, null);
  }

  /**
   * @param finals reads final KxChangesets from the API server when the informer leaves them out
   *     ({@link FinalFilter}); null when the informer keeps them, that is when the API server
   *     cannot select KxChangesets by field (then a confirmation reads other namespaces whole)
   */
  public CacheClusterView(List<String> namespaces, FreshList freshList, SelectedList finals) {
    this(namespaces, freshList, finals, null);
  }

  /**
   * @param byName reads a KxChangeset the informer does not hold (a final one, or one its watch has
   *     not delivered yet); null: the informer's copy is the only answer
   */
  public CacheClusterView(
      List<String> namespaces, FreshList freshList, SelectedList finals, ByName byName) {
    this.namespaces = namespaces.size() > 1 ? List.copyOf(namespaces) : List.of();
    this.freshList = freshList;
    this.finals = finals;
    this.byName = byName;
  }

  /**
   * Called once the informer cache exists (JOSDK's prepareEventSources).
   *
   * @param target the database a resource's changeset goes to; its key is the index key
   */
  void attach(IndexerResourceCache<KxChangeset> cache, Function<KxChangeset, DatabaseRef> target) {
    Function<KxChangeset, String> databaseKey = r -> target.apply(r).key();
    // An indexer that throws stops the informer, and with it the operator's start-up: whatever a
    // resource holds, it gets a key (the reconciliation then says what is wrong with it).
    cache.addIndexer(DATABASE_INDEX, r -> List.of(keyOf(databaseKey, r)));
    this.target = target;
    this.databaseKey = databaseKey;
    this.cache = cache;
  }

  static String keyOf(Function<KxChangeset, String> databaseKey, KxChangeset r) {
    try {
      String key = databaseKey.apply(r);
      return key == null ? UNINDEXABLE : key;
    } catch (RuntimeException e) {
      return UNINDEXABLE;
    }
  }

  /** Records what a status write returned, so reads see it before the informer does. */
  void remember(KxChangeset afterWrite) {
    remember(afterWrite, false);
  }

  private void remember(KxChangeset afterWrite, boolean listed) {
    long rv = resourceVersion(afterWrite);
    if (afterWrite == null
        || afterWrite.getMetadata() == null
        || afterWrite.getMetadata().getUid() == null
        || rv < 0) {
      return;
    }
    long now = System.nanoTime();
    // A listed copy carries the resourceVersion of its last change, which may be older than a
    // write this process made since: never let it hide that write.
    written.compute(
        afterWrite.getMetadata().getUid(),
        (uid, w) ->
            w != null && w.resourceVersion() > rv ? w : new Written(afterWrite, rv, now, listed));
    // Expired entries are dropped at most once a second: a scan on every write made a burst's
    // writes quadratic in the writes of the last minute.
    long last = lastPurge.get();
    if (now - last > PURGE_EVERY_NANOS && lastPurge.compareAndSet(last, now)) {
      written.values().removeIf(w -> now - w.atNanos() > OVERLAY_TTL.toNanos());
    }
  }

  @Override
  public boolean awaitSeen(KxChangeset written, Duration timeout) {
    IndexerResourceCache<KxChangeset> c = cache;
    long target = resourceVersion(written);
    if (c == null || target < 0) {
      return false;
    }
    // The index reads the informer's own store; get() would answer with JOSDK's copy of this
    // process's write, which proves nothing about what the watch delivered.
    String key = keyOf(databaseKey, written);
    String uid = written.getMetadata().getUid();
    long deadline = System.nanoTime() + timeout.toNanos();
    long pauseMillis = 1;
    while (true) {
      KxChangeset seen =
          c.byIndex(DATABASE_INDEX, key).stream()
              .filter(r -> uid.equals(r.getMetadata().getUid()))
              .findFirst()
              .orElse(null);
      if (seen != null && resourceVersion(seen) >= target) {
        return othersCaughtUp(written, key);
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(pauseMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      pauseMillis = Math.min(20, pauseMillis * 2);
    }
  }

  /**
   * With several watched namespaces: lays the other namespaces' resources of the database, read
   * from the API server at least as fresh as {@code written}, over the view. False if a read
   * failed.
   */
  private boolean othersCaughtUp(KxChangeset written, String key) {
    String own = written.getMetadata().getNamespace();
    String version = written.getMetadata().getResourceVersion();
    List<String> selectors = selectorsOf(written, key);
    for (String ns : namespaces) {
      if (ns.equals(own)) {
        continue;
      }
      for (String selector : selectors) {
        List<KxChangeset> listed;
        try {
          listed = freshList.list(ns, version, selector);
        } catch (RuntimeException e) {
          return false;
        }
        for (KxChangeset r : listed) {
          if (key.equals(keyOf(databaseKey, r))) {
            remember(r, true);
          }
        }
      }
    }
    return true;
  }

  /**
   * The field selectors that read, together, every resource of {@code written}'s database: those
   * whose spec names its environment and database, and those whose create intent does (a resource's
   * database is its intent's target when it has one, and its spec's otherwise). They cannot name
   * the region; the caller keeps those of the key. Without selectable fields (Kubernetes 1.30; then
   * {@code finals} is null too), or for a resource whose database cannot be told, one read of the
   * whole namespace ({@code null}).
   */
  private List<String> selectorsOf(KxChangeset written, String key) {
    List<String> wholeNamespace = Collections.singletonList(null);
    if (finals == null || UNINDEXABLE.equals(key)) {
      return wholeNamespace;
    }
    try {
      DatabaseRef db = target.apply(written);
      return List.of(FinalFilter.bySpec(db), FinalFilter.byIntent(db));
    } catch (RuntimeException e) {
      return wholeNamespace; // a database without a name: nothing to select it by
    }
  }

  @Override
  public List<KxChangeset> onDatabase(String databaseKey) {
    IndexerResourceCache<KxChangeset> c = cache;
    if (c == null) {
      return List.of();
    }
    List<KxChangeset> view =
        new ArrayList<>(
            c.byIndex(DATABASE_INDEX, databaseKey).stream().map(this::freshest).toList());
    if (!namespaces.isEmpty()) {
      // Resources a confirmation read from the API server that an informer has not delivered yet.
      Set<String> cached = new HashSet<>();
      view.forEach(r -> cached.add(r.getMetadata().getUid()));
      long now = System.nanoTime();
      for (Written w : written.values()) {
        if (w.listed()
            && now - w.atNanos() <= OVERLAY_TTL.toNanos()
            && !cached.contains(w.resource().getMetadata().getUid())
            && databaseKey.equals(this.databaseKey.apply(w.resource()))) {
          view.add(w.resource());
        }
      }
    }
    return view;
  }

  @Override
  public List<KxChangeset> finalOn(DatabaseRef db) {
    if (finals == null) {
      return List.of();
    }
    // The selectors name the environment and database; the region is the key's, and the key is
    // the intent's target where there is one.
    return FinalFilter.finalCandidates(finals, db).stream()
        .filter(r -> db.key().equals(keyOf(databaseKey, r)))
        .toList();
  }

  @Override
  public List<KxChangeset> claiming(DatabaseRef db, String changesetId) {
    if (finals == null) {
      return ClusterView.super.claiming(db, changesetId);
    }
    // The view first (this process's own writes over the watch), then the API server's answer for
    // what is not in it: final resources, and any the watch has not delivered yet.
    Map<String, KxChangeset> out = new LinkedHashMap<>();
    for (KxChangeset r : onDatabase(db.key())) {
      if (ClusterView.claims(r, changesetId)) {
        out.put(r.getMetadata().getUid(), r);
      }
    }
    for (KxChangeset r : FinalFilter.claimCandidates(finals, changesetId)) {
      if (db.key().equals(keyOf(databaseKey, r))) {
        out.putIfAbsent(r.getMetadata().getUid(), r);
      }
    }
    return List.copyOf(out.values());
  }

  @Override
  public Optional<KxChangeset> named(String namespace, String name) {
    IndexerResourceCache<KxChangeset> c = cache;
    Optional<KxChangeset> cached =
        c == null ? Optional.empty() : c.get(new ResourceID(name, namespace)).map(this::freshest);
    if (cached.isPresent() || byName == null) {
      return cached;
    }
    return Optional.ofNullable(byName.get(namespace, name));
  }

  private KxChangeset freshest(KxChangeset cached) {
    String uid = cached.getMetadata().getUid();
    Written w = uid == null ? null : written.get(uid);
    if (w == null) {
      return cached;
    }
    long cachedVersion = resourceVersion(cached);
    if (cachedVersion >= 0 && w.resourceVersion() > cachedVersion) {
      return w.resource();
    }
    written.remove(uid, w); // the informer has caught up
    return cached;
  }

  /** The resourceVersion as a number (etcd revisions are), or -1 if it is not one. */
  static long resourceVersion(KxChangeset r) {
    try {
      return r == null ? -1 : Long.parseLong(r.getMetadata().getResourceVersion());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
