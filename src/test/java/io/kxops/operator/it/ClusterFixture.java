/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.OperatorApp;
import io.kxops.testkit.ApiServer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What an IT class runs against: a real API server with its namespaces and, when asked for, the
 * FinSpace emulator and an operator in the test JVM; {@link #close} stops what started, newest
 * first.
 *
 * <p>Use it from a static field the class's tests share, started in {@code @BeforeAll} and closed
 * by JUnit's {@code @AutoClose}:
 *
 * <pre>{@code
 * @AutoClose static ClusterFixture cluster;
 *
 * @BeforeAll
 * static void start() {
 *   cluster =
 *       ClusterFixture.withNamespaces("deps")
 *           .emulator(e -> e.pending(Duration.ofMillis(300)))
 *           .operator(Map.of("WATCH_NAMESPACES", "deps"))
 *           .start();
 * }
 * }</pre>
 *
 * A start that fails half-way stops what it had started before it throws, so nothing is left
 * running for the rest of the build (the field stays null; {@code @AutoClose} skips it with a
 * warning). A subclass that runs the same tests on another API server must not start a second
 * fixture in a @BeforeAll of its own: JUnit runs the superclass's for it as well (see {@code
 * OperatorE2EIT#startCluster}).
 */
public final class ClusterFixture implements AutoCloseable {

  /** What has started, newest first: closed in this order. */
  private final Deque<Runnable> stops = new ArrayDeque<>();

  private ApiServer api;
  private FinSpaceEmulator emulator;
  private OperatorApp operator;

  private ClusterFixture() {}

  /** A fixture whose API server is {@link ApiServer#start()}'s, with these namespaces. */
  public static Builder withNamespaces(String... namespaces) {
    Builder builder = new Builder();
    builder.namespaces = List.of(namespaces);
    return builder;
  }

  /** The API server (for new or impersonating clients, the kubeconfig, the CLI). */
  public ApiServer api() {
    return api;
  }

  /** The API server's admin client. */
  public KubernetesClient client() {
    return api.client();
  }

  /** The FinSpace emulator; null unless {@link Builder#emulator} was given. */
  public FinSpaceEmulator emulator() {
    return emulator;
  }

  /** The operator; null unless {@link Builder#operator} was given. */
  public OperatorApp operator() {
    return operator;
  }

  /** Whether something started is not stopped yet. */
  public boolean running() {
    return !stops.isEmpty();
  }

  /** Stops the operator, the emulator and the API server; every one even if another fails. */
  @Override
  public void close() {
    RuntimeException failed = null;
    while (!stops.isEmpty()) {
      try {
        stops.pop().run();
      } catch (RuntimeException e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /** What to start; {@link #start} starts it. */
  public static final class Builder {
    private Supplier<ApiServer> apiServer = ApiServer::start;
    private List<String> namespaces = List.of();
    private UnaryOperator<FinSpaceEmulator.Builder> emulator;
    private Map<String, String> operatorEnv;

    private Builder() {}

    /** Another API server than the default (for example one whose CRD was edited). */
    public Builder apiServer(Supplier<ApiServer> start) {
      this.apiServer = start;
      return this;
    }

    /** Start the emulator, on an ephemeral port, with these settings (lifecycle, roles...). */
    public Builder emulator(UnaryOperator<FinSpaceEmulator.Builder> settings) {
      this.emulator = settings;
      return this;
    }

    /**
     * Start one operator for the whole class, with {@link OperatorHarness#env}'s settings and these
     * overrides (WATCH_NAMESPACES, limits...). Tests that start their own per test leave it out.
     */
    public Builder operator(Map<String, String> overrides) {
      this.operatorEnv = Map.copyOf(overrides);
      return this;
    }

    /** Starts everything asked for, in order; on a failure, stops what started and rethrows. */
    public ClusterFixture start() {
      if (operatorEnv != null && emulator == null) {
        throw new IllegalStateException("operator(...) needs emulator(...): it talks to one");
      }
      ClusterFixture f = new ClusterFixture();
      try {
        f.api = apiServer.get();
        f.stops.push(f.api::close);
        for (String ns : namespaces) {
          f.client()
              .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
              .create();
        }
        if (emulator != null) {
          f.emulator = emulator.apply(FinSpaceEmulator.builder().port(0)).start();
          f.stops.push(f.emulator::close);
        }
        if (operatorEnv != null) {
          // Its own client, as in production; closed here too in case the operator never starts.
          KubernetesClient operatorClient = f.api.newClient();
          f.stops.push(operatorClient::close);
          f.operator = OperatorHarness.start(f.emulator, operatorClient, operatorEnv);
          f.stops.push(f.operator::close);
        }
        return f;
      } catch (RuntimeException | Error e) {
        try {
          f.close();
        } catch (RuntimeException stop) {
          e.addSuppressed(stop);
        }
        throw e;
      }
    }
  }
}
