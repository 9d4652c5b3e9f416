/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.reconcile.ClusterView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

  private record Written(KxChangeset resource, long resourceVersion, long atNanos) {}

  private volatile IndexerResourceCache<KxChangeset> cache;
  private volatile Function<KxChangeset, String> databaseKey;
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  /** Called once the informer cache exists (JOSDK's prepareEventSources). */
  void attach(IndexerResourceCache<KxChangeset> cache, Function<KxChangeset, String> databaseKey) {
    // An indexer that throws stops the informer, and with it the operator's start-up: whatever a
    // resource holds, it gets a key (the reconciliation then says what is wrong with it).
    cache.addIndexer(DATABASE_INDEX, r -> List.of(keyOf(databaseKey, r)));
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
    long rv = resourceVersion(afterWrite);
    if (afterWrite == null
        || afterWrite.getMetadata() == null
        || afterWrite.getMetadata().getUid() == null
        || rv < 0) {
      return;
    }
    long now = System.nanoTime();
    written.put(afterWrite.getMetadata().getUid(), new Written(afterWrite, rv, now));
    written.values().removeIf(w -> now - w.atNanos() > OVERLAY_TTL.toNanos());
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
        return true;
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

  @Override
  public List<KxChangeset> onDatabase(String databaseKey) {
    IndexerResourceCache<KxChangeset> c = cache;
    if (c == null) {
      return List.of();
    }
    return c.byIndex(DATABASE_INDEX, databaseKey).stream().map(this::freshest).toList();
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
