/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One operator JVM — {@code java <flags> -jar target/kxchangeset-operator.jar}, the artifact users
 * run — that a harness or the sandbox starts, waits for (/readyz), kills with SIGKILL and starts
 * again, as a kubelet would. The one launcher of the operator as a process.
 */
public final class OperatorProcess {

  /** On the command line of every harness operator, so that ps tells them apart. */
  public static final String MARKER = "-Dkxops.harness.operator=";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Path jar;
  private final Path log;
  private final List<String> launcher;
  private final List<String> jvmOptions;
  private final Map<String, String> env;
  private final int healthPort;
  private final int metricsPort;
  private volatile Process process;
  private volatile long startedNanos;
  private volatile long downUntilNanos;
  private int starts;

  public OperatorProcess(
      String name,
      Path jar,
      Path log,
      List<String> jvmOptions,
      Map<String, String> env,
      int metricsPort,
      int healthPort) {
    this(name, List.of(), jar, log, jvmOptions, env, metricsPort, healthPort);
  }

  /**
   * @param launcher the command that runs java, e.g. {@code setsid} (a session of its own, so a
   *     terminal's Ctrl-C reaches only the caller, which stops the operator in its own order);
   *     empty for none
   */
  public OperatorProcess(
      String name,
      List<String> launcher,
      Path jar,
      Path log,
      List<String> jvmOptions,
      Map<String, String> env,
      int metricsPort,
      int healthPort) {
    this.name = name;
    this.launcher = List.copyOf(launcher);
    this.jar = jar;
    this.log = log;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.env = new LinkedHashMap<>(env);
    this.env.put("POD_NAME", name);
    this.env.put("METRICS_PORT", Integer.toString(metricsPort));
    this.env.put("HEALTH_PORT", Integer.toString(healthPort));
    this.metricsPort = metricsPort;
    this.healthPort = healthPort;
    this.downUntilNanos = System.nanoTime();
  }

  public String name() {
    return name;
  }

  /** Where the JVM's output goes. */
  public Path log() {
    return log;
  }

  /** The running JVM, if any. */
  public Optional<ProcessHandle> handle() {
    Process p = process;
    return p == null ? Optional.empty() : Optional.of(p.toHandle());
  }

  /** Starts the JVM (its output is appended to the log); returns at once. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing; build it with mvn -DskipTests package");
    }
    List<String> cmd = new ArrayList<>(launcher);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add(MARKER + name);
    cmd.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.equals("JAVA_TOOL_OPTIONS"));
    pb.environment().putAll(env);
    try {
      Files.writeString(
          log,
          "==== start " + (starts + 1) + " of " + name + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      startedNanos = System.nanoTime();
      process = pb.start();
      starts++;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILL, then waits until the process is gone. No-op if it is not running. */
  public void kill() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroyForcibly();
    await(p, 30);
  }

  /**
   * SIGKILL, and the supervisor leaves it down for at least {@code down} — long enough for another
   * replica to take the Lease over, as when a node is lost rather than a container.
   */
  public void killAndHoldDown(Duration down) {
    downUntilNanos = System.nanoTime() + down.toNanos();
    kill();
  }

  /** Whether the supervisor may start it again now. */
  public boolean mayRestart() {
    return System.nanoTime() - downUntilNanos >= 0;
  }

  /** SIGTERM (the operator's shutdown hook runs), SIGKILL after {@code seconds}. */
  public void stop(int seconds) {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    if (!await(p, seconds)) {
      p.destroyForcibly();
      await(p, 30);
    }
  }

  public boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** The exit code of the last run, if it ended. */
  public Optional<Integer> exitCode() {
    Process p = process;
    return p == null || p.isAlive() ? Optional.empty() : Optional.of(p.exitValue());
  }

  public long pid() {
    Process p = process;
    return p == null ? -1 : p.pid();
  }

  /** nanoTime of the last start. */
  public long startedNanos() {
    return startedNanos;
  }

  /** Waits until /readyz answers 200; returns the time since the last start. */
  public Duration awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!alive()) {
        throw new IllegalStateException(
            name + " exited with " + exitCode().orElse(-1) + "; see " + log);
      }
      if (ready()) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    throw new IllegalStateException(name + " not ready after " + timeout + "; see " + log);
  }

  /** Whether /readyz answers 200 now. */
  public boolean ready() {
    return get("http://127.0.0.1:" + healthPort + "/readyz")
        .map(r -> r.statusCode() == 200)
        .orElse(false);
  }

  /** The Prometheus page, or empty when the process does not answer. */
  public Optional<String> metrics() {
    return get("http://127.0.0.1:" + metricsPort + "/metrics")
        .filter(r -> r.statusCode() == 200)
        .map(HttpResponse::body);
  }

  /** Resident set size in KiB (VmRSS), or -1 when the process is gone. */
  public long rssKiB() {
    return statusKiB("VmRSS:");
  }

  /** The highest resident set size the process had, in KiB (VmHWM), or -1. */
  public long peakRssKiB() {
    return statusKiB("VmHWM:");
  }

  private long statusKiB(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // gone
    }
    return -1;
  }

  private static Optional<HttpResponse<String>> get(String url) {
    try {
      return Optional.of(
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static boolean await(Process p, int seconds) {
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
