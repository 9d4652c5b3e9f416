/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /metrics} on the metrics port and {@code /healthz}, {@code /readyz} on the health port.
 */
final class HttpEndpoints implements AutoCloseable {

  private final List<HttpServer> servers = new ArrayList<>();

  HttpEndpoints(
      int metricsPort,
      int healthPort,
      Supplier<String> metrics,
      BooleanSupplier live,
      BooleanSupplier ready)
      throws IOException {
    HttpServer m = server(metricsPort);
    m.createContext(
        "/metrics",
        ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
    HttpServer h = healthPort == metricsPort ? m : server(healthPort);
    h.createContext("/healthz", ex -> probe(ex, live.getAsBoolean()));
    h.createContext("/readyz", ex -> probe(ex, ready.getAsBoolean()));
    servers.forEach(HttpServer::start);
  }

  /** The port actually bound for the metrics endpoint (useful with port 0 in tests). */
  int metricsPort() {
    return servers.get(0).getAddress().getPort();
  }

  /** The port actually bound for the health endpoints. */
  int healthPort() {
    return servers.get(servers.size() - 1).getAddress().getPort();
  }

  private HttpServer server(int port) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(port), 0);
    s.setExecutor(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "http-" + port);
              t.setDaemon(true);
              return t;
            }));
    servers.add(s);
    return s;
  }

  private static void probe(HttpExchange ex, boolean ok) throws IOException {
    respond(ex, ok ? 200 : 503, "text/plain", ok ? "ok\n" : "not ok\n");
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    servers.forEach(s -> s.stop(0));
  }
}
