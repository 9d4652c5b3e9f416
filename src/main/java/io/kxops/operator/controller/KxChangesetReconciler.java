/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.reconcile.ChangesetLogic;
import io.kxops.operator.reconcile.Outcome;
import io.kxops.operator.reconcile.ReconcileFailure;
import io.kxops.operator.reconcile.StaleResourceException;
import io.kxops.operator.status.ResourceCheck;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The JOSDK reconciler: thin. It runs {@link ChangesetLogic} with {@link StatusWriter} as its
 * status store, records events, and wakes the next changesets of a database when one finishes.
 */
@ControllerConfiguration(name = KxChangesetReconciler.NAME)
public class KxChangesetReconciler implements Reconciler<KxChangeset> {

  public static final String NAME = "kxchangeset";

  private static final Logger LOG = LoggerFactory.getLogger(KxChangesetReconciler.class);

  private final ChangesetLogic logic;
  private final StatusWriter statusWriter;
  private final EventRecorder events;
  private final ChangesetMetrics metrics;
  private final Clock clock;
  private final SimpleInboundEventSource<KxChangeset> wakeups =
      new SimpleInboundEventSource<>("database-queue");
  private final CacheClusterView cluster;
  private final AccessPolicyCache policies;

  public KxChangesetReconciler(
      ChangesetLogic logic,
      StatusWriter statusWriter,
      EventRecorder events,
      ChangesetMetrics metrics,
      CacheClusterView cluster,
      AccessPolicyCache policies,
      Clock clock) {
    this.logic = logic;
    this.policies = policies;
    this.cluster = cluster;
    this.statusWriter = statusWriter;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, KxChangeset>> prepareEventSources(
      EventSourceContext<KxChangeset> context) {
    IndexerResourceCache<KxChangeset> cache = context.getPrimaryCache();
    cluster.attach(cache, logic::targetOf);
    metrics.attach(cache);
    return List.of(wakeups, policies.eventSource(context));
  }

  /** How soon a reconciliation whose status write met a newer resource runs again. */
  static final Duration STALE_RETRY = Duration.ofSeconds(1);

  @Override
  public UpdateControl<KxChangeset> reconcile(KxChangeset resource, Context<KxChangeset> context) {
    try (var ignored = mdc(resource)) {
      Outcome outcome;
      try {
        outcome = logic.reconcile(resource, statusWriter.store(context));
      } catch (StaleResourceException e) {
        LOG.debug("{}; reconciling again", e.getMessage());
        return UpdateControl.<KxChangeset>noUpdate().rescheduleAfter(STALE_RETRY);
      }
      after(resource, outcome);
      if (resource.getStatus() == null) {
        // A new resource: those applied before it that name it in spec.dependsOn look again now.
        wake(logic.dependantsOf(resource));
      }
      UpdateControl<KxChangeset> control = UpdateControl.noUpdate();
      outcome.requeueAfter().ifPresent(control::rescheduleAfter);
      return control;
    }
  }

  @Override
  public ErrorStatusUpdateControl<KxChangeset> updateErrorStatus(
      KxChangeset resource, Context<KxChangeset> context, Exception e) {
    KxChangeset latest = resource;
    FinSpaceException fe = null;
    for (Throwable t = e; t != null && fe == null; t = t.getCause()) {
      if (t instanceof ReconcileFailure rf) {
        latest = rf.latest();
        fe = rf.failure();
      } else if (t instanceof FinSpaceException f) {
        fe = f;
      }
    }
    if (fe == null) {
      LOG.error(
          "reconciliation of {}/{} failed unexpectedly; retrying",
          resource.getMetadata().getNamespace(),
          resource.getMetadata().getName(),
          e);
      return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
    try (var ignored = mdc(resource)) {
      Outcome outcome;
      try {
        outcome = logic.failed(latest, fe, statusWriter.store(context));
      } catch (StaleResourceException stale) {
        LOG.debug("{}; the retry records the failure", stale.getMessage());
        return ErrorStatusUpdateControl.defaultErrorProcessing();
      }
      after(resource, outcome);
      ErrorStatusUpdateControl<KxChangeset> control = ErrorStatusUpdateControl.noStatusUpdate();
      return outcome.retry() ? control : control.withNoRetry();
    }
  }

  private void after(KxChangeset resource, Outcome outcome) {
    if (outcome.status() != null) {
      metrics.seen(resource, outcome.status().getStatus());
      if (!StatusMapper.isFinal(resource.getStatus()) && StatusMapper.isFinal(outcome.status())) {
        metrics.reachedFinal(resource, outcome.status().getStatus(), clock.instant());
        LOG.info(finalLine(resource, outcome.status(), clock.instant()));
      }
    }
    outcome.events().forEach(e -> events.record(resource, e));
    if (outcome.wakeDatabase()) {
      wakeDatabase(resource);
    }
  }

  /** The INFO line for a changeset that reached COMPLETED or FAILED, with the time it took. */
  static String finalLine(KxChangeset r, KxChangesetStatus s, Instant now) {
    Instant created = ResourceCheck.parse(r.getMetadata().getCreationTimestamp());
    String took =
        created == null
            ? ""
            : " " + Duration.between(created, now).toSeconds() + " s after creation";
    String failed =
        s.getErrorInfo() == null
            ? ""
            : ": " + s.getErrorInfo().getErrorType() + " " + s.getErrorInfo().getErrorMessage();
    return r.getMetadata().getNamespace()
        + "/"
        + r.getMetadata().getName()
        + ": FinSpace changeset "
        + s.getChangesetId()
        + " on database "
        + s.getRegion()
        + "/"
        + r.getSpec().getEnvironmentId()
        + "/"
        + r.getSpec().getDatabaseName()
        + " "
        + s.getStatus()
        + took
        + failed;
  }

  /** Triggers the changesets of the same database that may start now. */
  private void wakeDatabase(KxChangeset finished) {
    wake(logic.toWake(finished));
  }

  private void wake(List<KxChangeset> resources) {
    for (KxChangeset r : resources) {
      LOG.debug("waking {}", r.getMetadata().getName());
      wakeups.propagateEvent(ResourceID.fromResource(r));
    }
  }

  private static AutoCloseable0 mdc(KxChangeset r) {
    String id = r.getStatus() == null ? null : r.getStatus().getChangesetId();
    if (id != null) {
      MDC.put("changesetId", id);
    }
    return () -> MDC.remove("changesetId");
  }

  /** AutoCloseable without a checked exception. */
  private interface AutoCloseable0 extends AutoCloseable {
    @Override
    void close();
  }
}
