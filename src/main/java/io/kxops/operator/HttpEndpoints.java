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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /metrics} on the metrics port and {@code /healthz}, {@code /readyz} on the health port.
 *
 * <p>Neither can be stalled by a client: each server has a small pool of threads, and an exchange
 * (reading the request, answering it) that outlives its deadline is cut off. The JDK server reads a
 * request's headers on a pool thread from a blocking, interruptible channel, so interrupting the
 * thread closes that connection; without the deadline one client that never finishes its headers
 * would hold a thread forever, and the kubelet's liveness probe would restart the pod in a loop.
 */
final class HttpEndpoints implements AutoCloseable {

  /** Threads per server: probes and a scrape need one each; a few more absorb slow clients. */
  static final int THREADS = 4;

  /** The longest an exchange may take, request headers included. */
  static final Duration REQUEST_DEADLINE = Duration.ofSeconds(5);

  private final List<HttpServer> servers = new ArrayList<>();
  private final List<ExecutorService> pools = new ArrayList<>();
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(daemon("http-deadline"));
  private final Duration deadline;

  HttpEndpoints(
      int metricsPort,
      int healthPort,
      Supplier<String> metrics,
      BooleanSupplier live,
      BooleanSupplier ready,
      Duration deadline)
      throws IOException {
    this.deadline = deadline;
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
    ExecutorService pool = Executors.newFixedThreadPool(THREADS, daemon("http-" + port));
    pools.add(pool);
    s.setExecutor(task -> pool.execute(() -> withDeadline(task)));
    servers.add(s);
    return s;
  }

  /** Runs one exchange; past the deadline its thread is interrupted, which closes the channel. */
  private void withDeadline(Runnable exchange) {
    Thread worker = Thread.currentThread();
    Object lock = new Object();
    boolean[] done = {false};
    ScheduledFuture<?> cut =
        deadlines.schedule(
            () -> {
              synchronized (lock) {
                if (!done[0]) {
                  worker.interrupt();
                }
              }
            },
            deadline.toMillis(),
            TimeUnit.MILLISECONDS);
    try {
      exchange.run();
    } finally {
      cut.cancel(false);
      synchronized (lock) {
        done[0] = true;
      }
      Thread.interrupted(); // the next exchange on this thread starts uninterrupted
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
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
    pools.forEach(ExecutorService::shutdownNow);
    deadlines.shutdownNow();
  }
}
