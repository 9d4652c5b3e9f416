package io.kxops.harness;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.status.StatusMapper;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches the KxChangesets of one namespace (an informer, so it survives API server restarts) and
 * records when each was first seen final — the harness's view of progress, at watch latency, with
 * no polling LISTs loading the API server.
 */
final class Tracker implements AutoCloseable {

  /** The last seen state of one resource; finalAtNanos is 0 until it was seen final. */
  record State(String uid, String status, String changesetId, long finalAtNanos) {}

  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final SharedIndexInformer<KxChangeset> informer;

  Tracker(KubernetesClient client, String namespace) {
    this.informer =
        client
            .resources(KxChangeset.class)
            .inNamespace(namespace)
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
                    states.remove(r.getMetadata().getName());
                  }
                },
                0);
  }

  private void seen(KxChangeset r) {
    long now = System.nanoTime();
    String status = r.getStatus() == null ? null : r.getStatus().getStatus();
    String id = r.getStatus() == null ? null : r.getStatus().getChangesetId();
    boolean isFinal = StatusMapper.isFinal(r.getStatus());
    states.compute(
        r.getMetadata().getName(),
        (k, old) ->
            new State(
                r.getMetadata().getUid(),
                status,
                id,
                old != null && old.finalAtNanos() != 0 ? old.finalAtNanos() : isFinal ? now : 0));
  }

  /** Resources seen final. */
  int finalCount() {
    return (int) states.values().stream().filter(s -> s.finalAtNanos() != 0).count();
  }

  Map<String, State> states() {
    return Map.copyOf(states);
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
    informer.close();
  }
}
