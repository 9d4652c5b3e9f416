/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.testing;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.controller.FinalFilter;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.reconcile.ClusterView;
import io.kxops.operator.reconcile.StaleResourceException;
import io.kxops.operator.reconcile.StatusStore;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * An in-memory API server for KxChangesets with the semantics the operator relies on: every write
 * gets the next resourceVersion, a status write with a stale resourceVersion is refused, the spec
 * is frozen once a create intent or changeset id is recorded (the CRD's rule), and each operator
 * process sees the objects through its own watch, which delivers the writes in order and may lag.
 */
public final class FakeCluster {

  private final Clock clock;
  private long revision;
  private final Map<String, KxChangeset> live = new LinkedHashMap<>();
  private final List<Change> log = new ArrayList<>();

  /**
   * One write as a watch delivers it; {@code object == null} is a deletion of {@code uid}. The
   * namespace lets a process watch each namespace on a watch of its own.
   */
  private record Change(long revision, String uid, String namespace, KxChangeset object) {}

  private final java.util.function.Supplier<String> uids;

  public FakeCluster(Clock clock) {
    this(clock, () -> UUID.randomUUID().toString());
  }

  /** With {@code uids} handing out the uid of each new object (a seeded source: replayable). */
  public FakeCluster(Clock clock, java.util.function.Supplier<String> uids) {
    this.clock = clock;
    this.uids = uids;
  }

  /** Creates {@code r} (a new uid, generation 1, creationTimestamp now). */
  public synchronized KxChangeset create(KxChangeset r) {
    KxChangeset c = copy(r);
    c.getMetadata().setUid(uids.get());
    c.getMetadata().setGeneration(1L);
    if (c.getMetadata().getCreationTimestamp() == null) {
      c.getMetadata()
          .setCreationTimestamp(
              clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    }
    c.setStatus(null);
    for (KxChangeset o : live.values()) {
      if (o.getMetadata().getName().equals(c.getMetadata().getName())
          && o.getMetadata().getNamespace().equals(c.getMetadata().getNamespace())) {
        throw new IllegalStateException("exists: " + c.getMetadata().getName());
      }
    }
    return put(c);
  }

  /**
   * Edits the spec as a user would; false when the API server refuses it (an intent or changeset id
   * is recorded).
   */
  /**
   * The CRD's CEL rule: false plays an API server without it (an old CRD, a bypass), so the
   * operator's own check is what stands.
   */
  public boolean freezeSpec = true;

  /**
   * Final resources (COMPLETED, FAILED) leave each process's view as soon as its watch delivers
   * them, as the operator's field-selected informer drops them; {@link Process#finalOn} reads them
   * fresh. False plays an informer that keeps everything.
   */
  public boolean finalLeaveCache = true;

  /**
   * What the API server returns for a LIST with {@code fieldSelector} (terms {@code path=value}
   * joined by commas, with {@code \\}, {@code ,} and {@code =} escaped in values) over the
   * selectable fields the CRD declares.
   */
  public synchronized List<KxChangeset> selected(String fieldSelector) {
    List<String[]> terms = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    String path = null;
    for (int i = 0; i < fieldSelector.length(); i++) {
      char ch = fieldSelector.charAt(i);
      if (ch == '\\' && i + 1 < fieldSelector.length()) {
        cur.append(fieldSelector.charAt(++i));
      } else if (ch == '=' && path == null) {
        path = cur.toString();
        cur.setLength(0);
      } else if (ch == ',') {
        terms.add(new String[] {path, cur.toString()});
        path = null;
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    terms.add(new String[] {path, cur.toString()});
    return live.values().stream()
        .filter(r -> terms.stream().allMatch(t -> t[1].equals(selectableField(r, t[0]))))
        .map(FakeCluster::copy)
        .toList();
  }

  /** A selectable field's value as the API server reads it ("" when absent). */
  private static String selectableField(KxChangeset r, String path) {
    var spec = r.getSpec();
    var status = r.getStatus();
    var intent = status == null ? null : status.getCreateIntent();
    String v =
        switch (path) {
          case "spec.environmentId" -> spec == null ? null : spec.getEnvironmentId();
          case "spec.databaseName" -> spec == null ? null : spec.getDatabaseName();
          case "status.status" -> status == null ? null : status.getStatus();
          case "status.changesetId" -> status == null ? null : status.getChangesetId();
          case "spec.changesetId" -> spec == null ? null : spec.getChangesetId();
          case "status.createIntent.environmentId" ->
              intent == null ? null : intent.getEnvironmentId();
          case "status.createIntent.databaseName" ->
              intent == null ? null : intent.getDatabaseName();
          default -> throw new IllegalArgumentException("not a selectable field: " + path);
        };
    return v == null ? "" : v;
  }

  public synchronized boolean editSpec(String uid, UnaryOperator<KxChangesetSpec> edit) {
    KxChangeset current = live.get(uid);
    if (current == null) {
      return false;
    }
    KxChangesetStatus s = current.getStatus();
    if (freezeSpec && (StatusMapper.hasIntent(s) || StatusMapper.hasChangeset(s))) {
      return false; // the one edit the CRD allows then is writeBack's
    }
    KxChangesetSpec next = edit.apply(copySpec(current.getSpec()));
    String wasImporting = current.getSpec().getChangesetId();
    if (freezeSpec && wasImporting != null && !wasImporting.equals(next.getChangesetId())) {
      return false; // spec.changesetId is immutable once set (the CRD's rule)
    }
    KxChangeset c = copy(current);
    c.setSpec(next);
    c.getMetadata().setGeneration(current.getMetadata().getGeneration() + 1);
    put(c);
    return true;
  }

  /**
   * Writes status.changesetId back into spec.changesetId (README "Rebuilding a cluster"): the one
   * spec edit the CRD allows once the spec is frozen. False when there is no id to write back or
   * the spec already imports one.
   */
  public synchronized boolean writeBack(String uid) {
    KxChangeset current = live.get(uid);
    KxChangesetStatus s = current == null ? null : current.getStatus();
    if (!StatusMapper.hasChangeset(s) || current.getSpec().getChangesetId() != null) {
      return false;
    }
    KxChangeset c = copy(current);
    c.getSpec().setChangesetId(s.getChangesetId());
    c.getMetadata().setGeneration(current.getMetadata().getGeneration() + 1);
    put(c);
    return true;
  }

  public synchronized void delete(String uid) {
    KxChangeset gone = live.remove(uid);
    if (gone != null) {
      log.add(new Change(++revision, uid, gone.getMetadata().getNamespace(), null));
    }
  }

  /** The object as the API server holds it now, or null. */
  public synchronized KxChangeset get(String uid) {
    KxChangeset r = live.get(uid);
    return r == null ? null : copy(r);
  }

  public synchronized List<KxChangeset> all() {
    return live.values().stream().map(FakeCluster::copy).toList();
  }

  /** Status subresource write with {@code r}'s resourceVersion as precondition. */
  public synchronized KxChangeset writeStatus(KxChangeset r, KxChangesetStatus next) {
    KxChangeset current = live.get(r.getMetadata().getUid());
    if (current == null
        || !current
            .getMetadata()
            .getResourceVersion()
            .equals(r.getMetadata().getResourceVersion())) {
      throw new StaleResourceException("stale: " + r.getMetadata().getName(), null);
    }
    KxChangeset c = copy(current);
    c.setStatus(next == null ? null : next.copy());
    return put(c);
  }

  public synchronized long revision() {
    return revision;
  }

  private KxChangeset put(KxChangeset c) {
    c.getMetadata().setResourceVersion(Long.toString(++revision));
    live.put(c.getMetadata().getUid(), c);
    log.add(
        new Change(revision, c.getMetadata().getUid(), c.getMetadata().getNamespace(), copy(c)));
    return copy(c);
  }

  /** A new operator process's view: its watch starts with everything written so far. */
  public Process process(Function<KxChangeset, String> databaseKey) {
    Process p = new Process(databaseKey);
    p.catchUp();
    return p;
  }

  /** What one operator process sees and writes: its watch, with its own writes laid over it. */
  public final class Process implements ClusterView, StatusStore {
    private final Function<KxChangeset, String> databaseKey;
    private final Map<String, KxChangeset> informer = new LinkedHashMap<>();
    private final Map<String, KxChangeset> ownWrites = new HashMap<>();
    private long seen;

    /**
     * Namespaces whose own watch has delivered beyond {@link #seen}: with several watched
     * namespaces JOSDK runs one informer, with a watch of its own, per namespace, so one namespace
     * may be current while another lags.
     */
    private final Map<String, Long> aheadIn = new HashMap<>();

    /** When false, {@link #awaitSeen} times out (a watch that stopped delivering). */
    public boolean watchDelivers = true;

    private Process(Function<KxChangeset, String> databaseKey) {
      this.databaseKey = databaseKey;
    }

    /** The watch delivers everything written so far. */
    public void catchUp() {
      catchUpTo(revision());
    }

    /** Every namespace's watch delivers the writes up to {@code target}, in order. */
    public void catchUpTo(long target) {
      synchronized (FakeCluster.this) {
        for (Change ch : log) {
          if (ch.revision() > seenIn(ch.namespace()) && ch.revision() <= target) {
            deliver(ch);
          }
        }
        seen = Math.max(seen, Math.min(target, revision));
        aheadIn.values().removeIf(v -> v <= seen);
      }
    }

    /**
     * The watch of {@code namespace} alone delivers its writes up to {@code target}, in order; the
     * other namespaces' watches stay where they are.
     */
    public void catchUpTo(String namespace, long target) {
      synchronized (FakeCluster.this) {
        long from = seenIn(namespace);
        for (Change ch : log) {
          if (namespace.equals(ch.namespace()) && ch.revision() > from && ch.revision() <= target) {
            deliver(ch);
          }
        }
        long to = Math.max(from, Math.min(target, revision));
        if (to > seen) {
          aheadIn.put(namespace, to);
        }
      }
    }

    /** How far the watch of {@code namespace} has delivered. */
    public long seenIn(String namespace) {
      synchronized (FakeCluster.this) {
        return Math.max(seen, aheadIn.getOrDefault(namespace, 0L));
      }
    }

    private void deliver(Change ch) {
      if (ch.object() == null) {
        informer.remove(ch.uid());
        ownWrites.remove(ch.uid());
      } else {
        informer.put(ch.uid(), ch.object());
      }
    }

    /** How far behind the API server this process's watch is, in writes. */
    public long lag() {
      return revision() - seen;
    }

    public long seen() {
      return seen;
    }

    /** The resource as this process's cache would hand it to a reconciliation. */
    public KxChangeset cached(String uid) {
      synchronized (FakeCluster.this) {
        KxChangeset r = freshest(uid);
        return r == null ? null : copy(r);
      }
    }

    @Override
    public List<KxChangeset> onDatabase(String key) {
      synchronized (FakeCluster.this) {
        List<KxChangeset> out = new ArrayList<>();
        for (String uid : informer.keySet()) {
          if (finalLeaveCache && StatusMapper.isFinal(informer.get(uid).getStatus())) {
            continue; // the watch's field selector dropped it when it delivered the final status
          }
          KxChangeset r = freshest(uid);
          if (key.equals(databaseKey.apply(r))) {
            out.add(copy(r));
          }
        }
        return out;
      }
    }

    /** A fresh read of the API server: the final resources of {@code db}. */
    @Override
    public List<KxChangeset> finalOn(DatabaseRef db) {
      if (!finalLeaveCache) {
        return List.of();
      }
      // The operator's own selection (FinalFilter), over field selectors evaluated as the API
      // server does; then the database key, as CacheClusterView keeps them.
      return FinalFilter.finalCandidates(FakeCluster.this::selected, db).stream()
          .filter(r -> db.key().equals(databaseKey.apply(r)))
          .toList();
    }

    /**
     * As CacheClusterView: the view's claims, then the API server's answer to a LIST by the id
     * (consistent) where final resources leave the cache; the view alone where they do not (an API
     * server without the selectable fields).
     */
    @Override
    public List<KxChangeset> claiming(DatabaseRef db, String changesetId) {
      if (!finalLeaveCache) {
        return ClusterView.super.claiming(db, changesetId);
      }
      Map<String, KxChangeset> out = new LinkedHashMap<>();
      for (KxChangeset r : onDatabase(db.key())) {
        if (ClusterView.claims(r, changesetId)) {
          out.put(r.getMetadata().getUid(), r);
        }
      }
      for (KxChangeset r : FinalFilter.claimCandidates(FakeCluster.this::selected, changesetId)) {
        if (db.key().equals(databaseKey.apply(r))) {
          out.putIfAbsent(r.getMetadata().getUid(), r);
        }
      }
      return List.copyOf(out.values());
    }

    /**
     * The view's copy of namespace/name if it holds one (final ones have left it), else a fresh
     * read of the API server, as CacheClusterView does.
     */
    @Override
    public java.util.Optional<KxChangeset> named(String namespace, String name) {
      synchronized (FakeCluster.this) {
        for (String uid : informer.keySet()) {
          KxChangeset r = informer.get(uid);
          if (finalLeaveCache && StatusMapper.isFinal(r.getStatus())) {
            continue;
          }
          if (namespace.equals(r.getMetadata().getNamespace())
              && name.equals(r.getMetadata().getName())) {
            return java.util.Optional.of(copy(freshest(uid)));
          }
        }
        return live.values().stream()
            .filter(r -> namespace.equals(r.getMetadata().getNamespace()))
            .filter(r -> name.equals(r.getMetadata().getName()))
            .findFirst()
            .map(FakeCluster::copy);
      }
    }

    private KxChangeset freshest(String uid) {
      KxChangeset cached = informer.get(uid);
      KxChangeset own = ownWrites.get(uid);
      if (own == null) {
        return cached;
      }
      if (cached == null
          || Long.parseLong(own.getMetadata().getResourceVersion())
              > Long.parseLong(cached.getMetadata().getResourceVersion())) {
        return own;
      }
      return cached;
    }

    /**
     * The answer to this process's write of {@code written} never came back: like the real status
     * writer, the process never laid it over its view (the write itself took effect).
     */
    public void answerLost(KxChangeset written) {
      synchronized (FakeCluster.this) {
        KxChangeset own = ownWrites.get(written.getMetadata().getUid());
        if (own != null
            && own.getMetadata()
                .getResourceVersion()
                .equals(written.getMetadata().getResourceVersion())) {
          ownWrites.remove(written.getMetadata().getUid());
        }
      }
    }

    /**
     * Every namespace's watch delivers up to {@code written}: its own namespace's watch, and, as
     * CacheClusterView does with several watched namespaces, the others read at least as fresh.
     */
    @Override
    public boolean awaitSeen(KxChangeset written, Duration timeout) {
      if (!watchDelivers) {
        return false;
      }
      catchUpTo(Long.parseLong(written.getMetadata().getResourceVersion()));
      return true;
    }

    @Override
    public KxChangeset write(KxChangeset r, KxChangesetStatus next) {
      if (next == null || java.util.Objects.equals(r.getStatus(), next)) {
        return r;
      }
      KxChangeset written = writeStatus(r, next);
      synchronized (FakeCluster.this) {
        if (live.containsKey(written.getMetadata().getUid())) {
          ownWrites.put(written.getMetadata().getUid(), written);
        }
      }
      return copy(written);
    }
  }

  public static KxChangeset copy(KxChangeset r) {
    KxChangeset c = new KxChangeset();
    c.setMetadata(new ObjectMetaBuilder(r.getMetadata()).build());
    c.setSpec(r.getSpec() == null ? null : copySpec(r.getSpec()));
    c.setStatus(r.getStatus() == null ? null : r.getStatus().copy());
    return c;
  }

  private static KxChangesetSpec copySpec(KxChangesetSpec s) {
    // Every field: a copy that drops one (changesetId did) hides that path from every test.
    KxChangesetSpec c =
        new KxChangesetSpec(
            s.getEnvironmentId(), s.getDatabaseName(), s.getRegion(), s.getChangeRequests());
    c.setChangesetId(s.getChangesetId());
    c.setDependsOn(s.getDependsOn() == null ? null : new ArrayList<>(s.getDependsOn()));
    return c;
  }
}
