/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The SDK clients, one per region, at most {@code max} of them: each holds a connection pool, and
 * the regions come from users' specs. The least recently used client leaves first, and is closed
 * once no call uses it any more (a call in flight on it finishes normally).
 *
 * @param <C> the client type
 */
final class RegionClients<C extends AutoCloseable> implements AutoCloseable {

  private static final class Entry<C> {
    final C client;
    int users;
    boolean retired;

    Entry(C client) {
      this.client = client;
    }
  }

  private final Function<String, C> factory;
  private final int max;
  private final LinkedHashMap<String, Entry<C>> entries = new LinkedHashMap<>(16, 0.75f, true);
  private boolean closed;

  RegionClients(Function<String, C> factory, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("at least one client must be kept");
    }
    this.factory = factory;
    this.max = max;
  }

  /** Runs {@code body} with the client of {@code region}, built if needed. */
  <T> T with(String region, Function<C, T> body) {
    Entry<C> e = acquire(region);
    try {
      return body.apply(e.client);
    } finally {
      release(e);
    }
  }

  /** The regions whose clients are kept now, least recently used first. */
  synchronized List<String> regions() {
    return List.copyOf(entries.keySet());
  }

  private synchronized Entry<C> acquire(String region) {
    if (closed) {
      throw new IllegalStateException("the FinSpace clients are closed");
    }
    Entry<C> e = entries.get(region);
    if (e == null) {
      e = new Entry<>(factory.apply(region));
      entries.put(region, e);
      evict();
    }
    e.users++;
    return e;
  }

  private void release(Entry<C> e) {
    boolean closeNow;
    synchronized (this) {
      e.users--;
      closeNow = e.retired && e.users == 0;
    }
    if (closeNow) {
      closeQuietly(e.client);
    }
  }

  /** Retires the least recently used clients beyond {@code max}; closes those no call uses. */
  private void evict() {
    List<C> toClose = new ArrayList<>();
    Iterator<Map.Entry<String, Entry<C>>> it = entries.entrySet().iterator();
    while (entries.size() > max && it.hasNext()) {
      Entry<C> old = it.next().getValue();
      it.remove();
      old.retired = true;
      if (old.users == 0) {
        toClose.add(old.client);
      }
    }
    toClose.forEach(RegionClients::closeQuietly);
  }

  @Override
  public void close() {
    List<Entry<C>> all;
    synchronized (this) {
      closed = true;
      all = List.copyOf(entries.values());
      entries.clear();
    }
    all.forEach(e -> closeQuietly(e.client));
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // Closing a client only releases its connections; nothing to do about a failure.
    }
  }
}
