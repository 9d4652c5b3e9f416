/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.ChangesetView;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.status.StatusMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * The KxChangesets a harness applies — {@code count} resources spread round-robin over {@code
 * databases} databases, each with change requests of its own (so an adoption can only ever match
 * the right changeset) — and the check that every resource got exactly one FinSpace changeset.
 */
final class Workload {

  /** One resource to apply: its name, database and position in its database's queue. */
  record Item(String name, String database, int index) {}

  private Workload() {}

  /**
   * An emulator with the workload's databases (and as many warm-up ones) registered, no request
   * log.
   */
  static FinSpaceEmulator.Builder emulator(int databases) {
    FinSpaceEmulator.Builder b = FinSpaceEmulator.builder().requestLogCapacity(0);
    for (int d = 0; d < databases; d++) {
      b.database(Harness.ENVIRONMENT, database(d));
      b.database(Harness.ENVIRONMENT, warmUpDatabase(d));
    }
    return b;
  }

  /** A database of the same number for warm-up runs, whose changesets are not measured. */
  static String warmUpDatabase(int d) {
    return "warm-%03d".formatted(d);
  }

  /** Like {@link #items}, on the warm-up databases. */
  static List<Item> warmUpItems(int count, int databases) {
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new Item("warm-%05d".formatted(i), warmUpDatabase(i % databases), i));
    }
    return out;
  }

  static String database(int d) {
    return "db-%03d".formatted(d);
  }

  /** Resource i goes to database i mod databases; names sort in creation order per database. */
  static List<Item> items(String prefix, int count, int databases) {
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new Item("%s-%05d".formatted(prefix, i), database(i % databases), i));
    }
    return out;
  }

  static KxChangeset resource(String namespace, Item item) {
    KxChangeset r = new KxChangeset();
    r.setMetadata(new ObjectMetaBuilder().withName(item.name()).withNamespace(namespace).build());
    KxChangesetSpec spec = new KxChangesetSpec();
    spec.setEnvironmentId(Harness.ENVIRONMENT);
    spec.setDatabaseName(item.database());
    String partition = "p%05d".formatted(item.index());
    spec.setChangeRequests(
        List.of(
            ChangeRequest.put(
                "s3://kdb-harness/" + item.database() + "/" + partition + "/",
                "/" + partition + "/")));
    r.setSpec(spec);
    return r;
  }

  /**
   * Creates the resources from {@code threads} threads at once (a burst, like a GitOps sync of a
   * directory); returns name → the created resource (with its uid) and the nanoTime its create
   * returned.
   */
  static Map<String, Applied> apply(
      KubernetesClient client, String namespace, List<Item> items, int threads) {
    Map<String, Applied> out = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Item item : items) {
        futures.add(
            pool.submit(
                () -> {
                  KxChangeset created = client.resource(resource(namespace, item)).create();
                  out.put(item.name(), new Applied(created, System.nanoTime()));
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("applying the workload failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  /** A resource as created, and when its create returned (nanoTime). */
  record Applied(KxChangeset resource, long ackNanos) {
    String uid() {
      return resource.getMetadata().getUid();
    }
  }

  /**
   * The outcome of a run, from the API server (statuses) and the emulator (changesets per client
   * token, which is the resource uid). Correct means: every resource final as expected, and exactly
   * one changeset per resource — no duplicate, none lost, none the operator made for nobody.
   */
  record Verification(
      int resources,
      Map<String, Integer> byStatus,
      int exactlyOne,
      List<String> duplicates,
      List<String> lost,
      List<String> orphans,
      List<String> mismatched,
      List<String> claimedTwice,
      int changesetsInEmulator) {

    boolean correct(String expectedStatus) {
      return duplicates.isEmpty()
          && lost.isEmpty()
          && orphans.isEmpty()
          && mismatched.isEmpty()
          && claimedTwice.isEmpty()
          && byStatus.getOrDefault(expectedStatus, 0) == resources;
    }
  }

  /** Checks every live resource of {@code namespace} against the emulator's changesets. */
  static Verification verify(KubernetesClient client, String namespace, FinSpaceEmulator emulator) {
    return verify(client, List.of(namespace), emulator);
  }

  /**
   * Checks every live resource of {@code namespaces} against the emulator's changesets: one
   * changeset per resource, none made for nobody, and no changeset recorded by two resources.
   */
  static Verification verify(
      KubernetesClient client, List<String> namespaces, FinSpaceEmulator emulator) {
    List<KxChangeset> live = new ArrayList<>();
    for (String namespace : namespaces) {
      live.addAll(client.resources(KxChangeset.class).inNamespace(namespace).list().getItems());
    }
    Map<String, List<String>> byToken = new HashMap<>(emulator.changesetsByClientToken());
    Map<String, List<String>> byRecordedId = new TreeMap<>();
    Map<String, Integer> byStatus = new TreeMap<>();
    int exactlyOne = 0;
    List<String> duplicates = new ArrayList<>();
    List<String> lost = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    for (KxChangeset r : live) {
      String name =
          namespaces.size() == 1
              ? r.getMetadata().getName()
              : r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
      if (r.getStatus() != null && r.getStatus().getChangesetId() != null) {
        byRecordedId
            .computeIfAbsent(r.getStatus().getChangesetId(), k -> new ArrayList<>())
            .add(name);
      }
      String status =
          r.getStatus() == null || r.getStatus().getStatus() == null
              ? (StatusMapper.hasChangeset(r.getStatus()) ? "UNKNOWN" : "NONE")
              : r.getStatus().getStatus();
      byStatus.merge(status, 1, Integer::sum);
      List<String> ids = byToken.remove(r.getMetadata().getUid());
      int n = ids == null ? 0 : ids.size();
      if (n == 1) {
        exactlyOne++;
        String recorded = r.getStatus() == null ? null : r.getStatus().getChangesetId();
        if (recorded != null && !recorded.equals(ids.get(0))) {
          mismatched.add(name + ": status " + recorded + ", emulator " + ids.get(0));
        }
      } else if (n == 0) {
        lost.add(name);
      } else {
        duplicates.add(name + ": " + ids);
      }
    }
    List<String> orphans =
        byToken.entrySet().stream()
            .map(e -> "token " + e.getKey() + ": " + e.getValue())
            .sorted()
            .collect(Collectors.toList());
    List<String> claimedTwice =
        byRecordedId.entrySet().stream()
            .filter(e -> e.getValue().size() > 1)
            .map(e -> "changeset " + e.getKey() + " recorded by " + e.getValue())
            .collect(Collectors.toList());
    return new Verification(
        live.size(),
        byStatus,
        exactlyOne,
        duplicates,
        lost,
        orphans,
        mismatched,
        claimedTwice,
        emulator.changesetCount());
  }

  /** The emulator's changeset created with each token, for timing (token → changeset). */
  static Map<String, ChangesetView> changesetsByToken(FinSpaceEmulator emulator, int databases) {
    Map<String, ChangesetView> out = new HashMap<>();
    for (int d = 0; d < databases; d++) {
      for (ChangesetView c : emulator.changesets(Harness.ENVIRONMENT, database(d))) {
        out.putIfAbsent(c.clientToken(), c);
      }
    }
    return out;
  }
}
