/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.Cloner;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.config.ConfigException;
import io.kxops.operator.config.OperatorConfig;
import io.kxops.operator.controller.AccessPolicyCache;
import io.kxops.operator.controller.CacheClusterView;
import io.kxops.operator.controller.ChangesetMetrics;
import io.kxops.operator.controller.EventRecorder;
import io.kxops.operator.controller.FinalFilter;
import io.kxops.operator.controller.JitteredRetry;
import io.kxops.operator.controller.KxChangesetReconciler;
import io.kxops.operator.controller.ReconcileTriggers;
import io.kxops.operator.controller.StatusWriter;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.SdkFinSpace;
import io.kxops.operator.reconcile.AccessCheck;
import io.kxops.operator.reconcile.AccessPolicies;
import io.kxops.operator.reconcile.ChangesetLogic;
import io.kxops.operator.reconcile.PollSchedule;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: wires configuration, the FinSpace client, the reconciler, JOSDK, metrics
 * and probes. {@link Main} runs it; the end-to-end tests run the same wiring in-process.
 */
public final class OperatorApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OperatorApp.class);

  /** How long a stop waits for interrupted reconciliations before it keeps the Lease. */
  static final Duration RECONCILES_END_WAIT = Duration.ofSeconds(5);

  private final Operator operator;
  private final SdkFinSpace finspace;
  private final EventRecorder events;
  private final HttpEndpoints http;
  private final PrometheusMeterRegistry registry;
  private final Optional<LeaderLease> lease;

  private OperatorApp(
      Operator operator,
      Optional<LeaderLease> lease,
      SdkFinSpace finspace,
      EventRecorder events,
      HttpEndpoints http,
      PrometheusMeterRegistry r) {
    this.operator = operator;
    this.lease = lease;
    this.finspace = finspace;
    this.events = events;
    this.http = http;
    this.registry = r;
  }

  /** Builds and starts the operator against {@code client}. */
  public static OperatorApp start(OperatorConfig config, KubernetesClient client) {
    return start(config, client, SdkFinSpace.RoleSessions.DEFAULT);
  }

  /**
   * As {@link #start(OperatorConfig, KubernetesClient)}, with how assumed-role credentials are
   * kept: tests whose STS hands out credentials for seconds shorten the SDK's refresh times.
   */
  public static OperatorApp start(
      OperatorConfig config, KubernetesClient client, SdkFinSpace.RoleSessions roleSessions) {
    String region =
        config
            .region()
            .or(SdkFinSpace::defaultRegion)
            .orElseThrow(
                () ->
                    new ConfigException(
                        List.of(
                            "AWS_REGION: no AWS region is configured (set AWS_REGION, or a"
                                + " region in the AWS profile)")));
    List<String> missing = PermissionCheck.missing(client, config.watchNamespaces());
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "the operator's Kubernetes identity lacks RBAC permissions it needs: "
              + String.join("; ", missing)
              + " (see the chart's ClusterRole, or config/rbac)");
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Leadership leadership = new Leadership(registry);
    SdkFinSpace finspace =
        new SdkFinSpace(
            new SdkFinSpace.Settings(
                config.finspaceEndpoint(),
                config.finspaceMaxAttempts(),
                config.finspaceRateLimit(),
                config.reconcileThreads() + 2,
                Duration.ofSeconds(60),
                Optional.of(region),
                config.access().stsEndpoint(),
                roleSessions,
                SdkFinSpace.MAX_REGIONS),
            registry);
    Clock clock = Clock.systemUTC();
    // Final KxChangesets leave the informer (memory follows the work in flight) where the API
    // server can select them by status and by every other field the operator selects by; else
    // the informer keeps them, as before issue 17.
    boolean finalLeaveCache = FinalFilter.supported(client, config.watchNamespaces());
    if (!finalLeaveCache) {
      LOG.warn(
          "the API server cannot select KxChangesets by status.status and the other fields the"
              + " operator selects by (the CRD's selectableFields need Kubernetes 1.31+ and the"
              + " CRD of this release): COMPLETED and FAILED KxChangesets stay in the operator's"
              + " cache, and its memory grows with them");
    }
    List<String> watched =
        config.watchesAllNamespaces() ? List.of() : List.copyOf(config.watchNamespaces());
    CacheClusterView cluster =
        new CacheClusterView(
            watched,
            FinalFilter.freshList(client, finalLeaveCache),
            finalLeaveCache ? FinalFilter.selectedList(client, watched) : null,
            (ns, name) -> client.resources(KxChangeset.class).inNamespace(ns).withName(name).get());
    AccessPolicyCache policies = new AccessPolicyCache(config.access().policyName());
    ChangesetLogic logic = logic(config, region, finspace, cluster, policies, clock);
    // Built now, not on the first create: building a client loads the SDK (most of a second),
    // which would delay the first changesets after start-up.
    finspace.prepare(region);
    EventRecorder events =
        new EventRecorder(client, "kxchangeset-operator", config.identity(), clock);
    ChangesetMetrics metrics = new ChangesetMetrics(registry, config.metricsLabelLimit());
    KxChangesetReconciler reconciler =
        new KxChangesetReconciler(
            logic, new StatusWriter(cluster), events, metrics, cluster, policies, clock);

    Optional<LeaderLease> lease =
        config.leaderElection()
            ? Optional.of(
                new LeaderLease(
                    client,
                    config.leaderElectionNamespace(),
                    config.leaderElectionLeaseName(),
                    config.identity(),
                    () -> System.exit(1),
                    clock))
            : Optional.empty();
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  // JOSDK copies each resource before every reconciliation (a JSON round trip,
                  // ~5 % of the operator's CPU) in case the reconciler changes it; ours never does
                  // (statuses are built on copies; ReconcileSimulationTest checks every
                  // reconciliation leaves the resource it was given as it was).
                  .withResourceCloner(
                      new Cloner() {
                        @Override
                        public <R extends HasMetadata> R clone(R resource) {
                          return resource;
                        }
                      })
                  .withConcurrentReconciliationThreads(config.reconcileThreads())
                  .withMetrics(
                      MicrometerMetrics.newMicrometerMetricsBuilder(registry)
                          .notCollectingMetricsPerResource()
                          .build());
              if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            config.leaderElectionLeaseName())
                        .withLeaseNamespace(config.leaderElectionNamespace())
                        .withIdentity(config.identity())
                        .withLeaderCallbacks(leadership.around(lease.orElseThrow().callbacks()))
                        .build());
              }
            });
    ControllerConfigurationOverrider<KxChangeset> o =
        ControllerConfigurationOverrider.override(
            operator.getConfigurationService().getConfigurationFor(reconciler));
    if (config.watchesAllNamespaces()) {
      o.watchingAllNamespaces();
    } else {
      o.settingNamespaces(config.watchNamespaces());
    }
    o.withRetry(new JitteredRetry(config.retryInitialInterval(), config.retryMaxInterval()));
    // Generation-aware, plus the annotations a person sets to unblock a resource (a metadata change
    // moves no generation): ReconcileTriggers is the whole update filter.
    o.withGenerationAware(false);
    o.withOnUpdateFilter(ReconcileTriggers::accept);
    // A paginated initial LIST and a cache without managedFields keep the heap small with
    // many resources (docs/benchmarks.md, memory).
    o.withInformerListLimit(500L);
    o.withItemStore(new PrunedItemStore());
    ControllerConfiguration<KxChangeset> controller = o.build();
    operator.register(reconciler, finalLeaveCache ? FinalFilter.notFinal(controller) : controller);
    HttpEndpoints http;
    try {
      http =
          new HttpEndpoints(
              config.metricsPort(),
              config.healthPort(),
              // The per-database series follow the cache as it is at the scrape.
              () -> {
                metrics.refresh();
                return registry.scrape();
              },
              () -> true,
              () ->
                  operator.getRuntimeInfo().isStarted()
                      && operator.getRuntimeInfo().allEventSourcesAreHealthy(),
              HttpEndpoints.REQUEST_DEADLINE);
    } catch (IOException e) {
      events.close();
      finspace.close();
      throw new UncheckedIOException("cannot open the metrics/health ports", e);
    }
    operator.start();
    if (!config.leaderElection()) {
      leadership.started();
    }
    LOG.info(
        "started: region {}, namespaces {}, endpoint {}, leader election {}, access policy {}"
            + " ({}), allowed regions {}",
        region,
        config.watchesAllNamespaces() ? "all" : config.watchNamespaces(),
        config.finspaceEndpoint().map(Object::toString).orElse("AWS default"),
        config.leaderElection(),
        config.access().policyName(),
        config.access().policyRequired() ? "required" : "optional",
        config.access().allowedRegions().isEmpty() ? "any" : config.access().allowedRegions());
    return new OperatorApp(operator, lease, finspace, events, http, registry);
  }

  static ChangesetLogic logic(
      OperatorConfig config,
      String region,
      FinSpace finspace,
      CacheClusterView cluster,
      AccessPolicies policies,
      Clock clock) {
    return new ChangesetLogic(
        finspace,
        cluster,
        clock,
        new ChangesetLogic.Settings(
            region,
            config.maxInFlightPerDatabase(),
            config.adoptAfter(),
            config.accessDeniedStallAfter(),
            ChangesetLogic.CONFIRM_TIMEOUT,
            config.queueYieldAfter(),
            config.refuseRepeatedHistory()),
        new PollSchedule(
            config.pollInterval(),
            config.maxPollInterval(),
            () -> ThreadLocalRandom.current().nextDouble()),
        policies,
        new AccessCheck.Rules(
            config.access().policyName(),
            config.access().policyRequired(),
            config.access().allowedRegions()));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public int metricsPort() {
    return http.metricsPort();
  }

  public int healthPort() {
    return http.healthPort();
  }

  /**
   * Stops reconciling, then, if this process leads and every reconciliation has ended, gives up the
   * Lease so that a standby takes over at once; FinSpace's client is closed first, so nothing of
   * this process reaches FinSpace once another may lead.
   */
  @Override
  public void close() {
    lease.ifPresent(LeaderLease::stopping);
    boolean reconcilesEnded = false;
    try {
      operator.stop();
      reconcilesEnded = reconcilesEnded();
    } finally {
      try {
        finspace.close();
        if (reconcilesEnded) {
          lease.ifPresent(LeaderLease::release);
        } else if (lease.isPresent()) {
          LOG.warn("not releasing the Lease: reconciliations still run; it expires instead");
        }
      } finally {
        events.close();
        http.close();
      }
    }
  }

  /**
   * Whether JOSDK's reconcile threads have all ended. Operator.stop() interrupts them (JOSDK's
   * termination timeout is zero); an interrupted FinSpace call ends at once.
   */
  private boolean reconcilesEnded() {
    try {
      return operator
          .getConfigurationService()
          .getExecutorServiceManager()
          .reconcileExecutorService()
          .awaitTermination(RECONCILES_END_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
