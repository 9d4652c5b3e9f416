/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.reconcile.Outcome;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes events (core/v1) on a KxChangeset, off the reconcile thread: an event is best
 * effort (a failure to record is only logged), so its API round trip must not delay the next
 * reconciliation — a queued changeset waiting for its turn, say. One thread keeps each resource's
 * events in order.
 */
public final class EventRecorder implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  private final KubernetesClient client;
  private final String component;
  private final String instance;
  private final Clock clock;

  /** Events waiting to be sent; beyond that (the API server down for long) new ones are dropped. */
  static final int QUEUE_CAPACITY = 10_000;

  private final ThreadPoolExecutor sender =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(QUEUE_CAPACITY),
          r -> {
            Thread t = new Thread(r, "event-recorder");
            t.setDaemon(true);
            return t;
          });

  public EventRecorder(KubernetesClient client, String component, String instance, Clock clock) {
    this.client = client;
    this.component = component;
    this.instance = instance;
    this.clock = clock;
  }

  /** Queues the event; it is sent shortly after, in order with the resource's other events. */
  public void record(KxChangeset r, Outcome.Event e) {
    var event = build(r, e);
    try {
      sender.execute(() -> send(event, e.reason()));
    } catch (RejectedExecutionException full) {
      LOG.warn(
          "not recording event {}: {}",
          e.reason(),
          sender.isShutdown()
              ? "the operator is stopping"
              : QUEUE_CAPACITY + " events are waiting to be sent");
    }
  }

  /** An event's name is a DNS subdomain (at most 253 characters), like the resource's own. */
  static String eventName(String resourceName) {
    String suffix = "." + UUID.randomUUID().toString().substring(0, 13);
    String base =
        resourceName.length() + suffix.length() > 253
            ? resourceName.substring(0, 253 - suffix.length())
            : resourceName;
    // A cut may end on '.' or '-', which a DNS subdomain label may not end with.
    while (!base.isEmpty() && !Character.isLetterOrDigit(base.charAt(base.length() - 1))) {
      base = base.substring(0, base.length() - 1);
    }
    return base + suffix;
  }

  private io.fabric8.kubernetes.api.model.Event build(KxChangeset r, Outcome.Event e) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(eventName(r.getMetadata().getName()))
            .withNamespace(r.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(r.getApiVersion())
                    .withKind(r.getKind())
                    .withName(r.getMetadata().getName())
                    .withNamespace(r.getMetadata().getNamespace())
                    .withUid(r.getMetadata().getUid())
                    .withResourceVersion(r.getMetadata().getResourceVersion())
                    .build())
            .withType(e.warning() ? "Warning" : "Normal")
            .withReason(e.reason())
            .withMessage(truncate(e.message()))
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(component)
            .withHost(instance)
            .endSource()
            .withReportingComponent(component)
            .withReportingInstance(instance)
            .build();
    return event;
  }

  private void send(io.fabric8.kubernetes.api.model.Event event, String reason) {
    try {
      client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException ex) {
      LOG.warn("could not record event {}: {}", reason, ex.getMessage());
    }
  }

  /** Sends what is queued (for up to 5 seconds), then stops. */
  @Override
  public void close() {
    sender.shutdown();
    try {
      if (!sender.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("{} events not recorded: the operator is stopping", sender.shutdownNow().size());
      }
    } catch (InterruptedException e) {
      sender.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static String truncate(String s) {
    return s == null || s.length() <= 1024 ? s : s.substring(0, 1021) + "...";
  }
}
