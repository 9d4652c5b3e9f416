/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kxops.testkit.ApiServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterFixture} on a real API server: a start that fails half-way stops what it had
 * started before it throws, so a broken IT class leaves nothing running for the rest of the build.
 */
class ClusterFixtureIT {

  @Test
  void aNamespaceTheApiServerRefusesStopsTheApiServer() {
    AtomicReference<ApiServer> api = new AtomicReference<>();

    assertThatThrownBy(
            () ->
                ClusterFixture.withNamespaces("Not_A_Namespace")
                    .apiServer(() -> remember(api))
                    .start())
        .isInstanceOf(KubernetesClientException.class);

    awaitRefused(URI.create(api.get().client().getMasterUrl().toString()).getPort());
  }

  @Test
  void anOperatorThatCannotStartStopsTheEmulatorAndTheApiServer() throws IOException {
    AtomicReference<ApiServer> api = new AtomicReference<>();
    int emulatorPort;
    try (ServerSocket free = new ServerSocket(0)) {
      emulatorPort = free.getLocalPort();
    }

    assertThatThrownBy(
            () ->
                ClusterFixture.withNamespaces("fixture")
                    .apiServer(() -> remember(api))
                    .emulator(e -> e.port(emulatorPort))
                    .operator(Map.of("POLL_INTERVAL", "soon"))
                    .start())
        .hasMessageContaining("POLL_INTERVAL");

    awaitRefused(emulatorPort);
    awaitRefused(URI.create(api.get().client().getMasterUrl().toString()).getPort());
  }

  static ApiServer remember(AtomicReference<ApiServer> api) {
    api.set(ApiServer.start());
    return api.get();
  }

  /** Nothing listens on {@code port} any more (the process may take a moment to go). */
  static void awaitRefused(int port) {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                    .isInstanceOf(ConnectException.class));
  }
}
