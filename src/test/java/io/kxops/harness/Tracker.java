/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.status.StatusMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches the KxChangesets of one namespace (an informer, so it survives API server restarts) and
 * records when each was first seen final — the harness's view of progress, at watch latency, with
 * no polling LISTs loading the API server.
 */
final class Tracker implements AutoCloseable {

  /** Resource name → nanoTime it was first seen final; 0 while it is not final yet. */
  private final Map<String, Long> finalAt = new ConcurrentHashMap<>();

  private final List<SharedIndexInformer<KxChangeset>> informers = new ArrayList<>();

  /** Watch events received (adds, updates, deletes): the harness's share of the API server's. */
  private final java.util.concurrent.atomic.AtomicLong events =
      new java.util.concurrent.atomic.AtomicLong();

  /** Every KxChangeset of {@code namespace}, as it changes. */
  Tracker(KubernetesClient client, String namespace) {
    this(client, namespace, List.of(Map.of()));
  }

  private Tracker(
      KubernetesClient client, String namespace, List<Map<String, String>> fieldSelectors) {
    for (Map<String, String> fields : fieldSelectors) {
      var resources = client.resources(KxChangeset.class).inNamespace(namespace);
      informers.add(
          (fields.isEmpty() ? resources : resources.withFields(fields))
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(KxChangeset r) {
                      seen(r);
                    }

                    @Override
                    public void onUpdate(KxChangeset old, KxChangeset r) {
                      seen(r);
                    }

                    @Override
                    public void onDelete(KxChangeset r, boolean unknownFinalState) {
                      events.incrementAndGet();
                      if (fields.isEmpty()) {
                        finalAt.remove(r.getMetadata().getName());
                      }
                    }
                  },
                  0));
    }
  }

  /**
   * Only the KxChangesets of {@code namespace} that are final, each as it becomes so: a watch per
   * final status, selected by the API server ({@code status.status} is a selectable field), so the
   * harness neither receives nor decodes the writes before it (one watch event per resource instead
   * of four), and takes that much less of the CPU the run under test shares with it.
   */
  static Tracker finalOnly(KubernetesClient client, String namespace) {
    return new Tracker(
        client,
        namespace,
        List.of(
            Map.of("status.status", Changeset.COMPLETED),
            Map.of("status.status", Changeset.FAILED)));
  }

  private void seen(KxChangeset r) {
    events.incrementAndGet();
    long now = System.nanoTime();
    boolean isFinal = StatusMapper.isFinal(r.getStatus());
    finalAt.merge(r.getMetadata().getName(), isFinal ? now : 0L, (old, n) -> old != 0 ? old : n);
  }

  /** Watch events this tracker received so far. */
  long events() {
    return events.get();
  }

  /** When each resource was first seen final (nanoTime), by name; those not final left out. */
  Map<String, Long> finalNanos() {
    Map<String, Long> out = new java.util.HashMap<>();
    finalAt.forEach(
        (name, t) -> {
          if (t != 0) {
            out.put(name, t);
          }
        });
    return out;
  }

  /** Resources seen final. */
  int finalCount() {
    return (int) finalAt.values().stream().filter(t -> t != 0).count();
  }

  /** When the last resource was first seen final (nanoTime), or {@code otherwise}. */
  long lastFinalNanos(long otherwise) {
    return finalAt.values().stream().mapToLong(Long::longValue).max().orElse(otherwise);
  }

  /**
   * Waits until {@code expected} resources are final, calling {@code tick} every 100 ms with the
   * count so far; false on timeout.
   */
  boolean awaitFinal(int expected, Duration timeout, java.util.function.IntConsumer tick) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      int n = finalCount();
      tick.accept(n);
      if (n >= expected) {
        return true;
      }
      Harness.sleep(100);
    }
    return false;
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
