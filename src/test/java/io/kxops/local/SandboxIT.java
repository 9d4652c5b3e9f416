/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.testkit.Cli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code hack/sandbox.sh} as a user runs it: a subprocess on a non-default port base, used with
 * kubectl through the kubeconfig and env file it writes, then stopped with SIGTERM (or killed with
 * SIGKILL and started again) — and no process it started may outlive it.
 */
class SandboxIT {

  static final Path SCRIPT = Path.of("hack", "sandbox.sh").toAbsolutePath();
  static final Path DIR = Path.of("target", "sandbox").toAbsolutePath();
  static final Path LOGS = Path.of("target", "sandbox-it").toAbsolutePath();
  static final Duration FIRST_START = Duration.ofMinutes(10); // may include a build
  static final Duration STOPPED_WITHIN = Duration.ofSeconds(60);

  /** Every process a sandbox of this test started: killed after the test whatever happened. */
  final Set<ProcessHandle> seen = new LinkedHashSet<>();

  int portBase;

  @BeforeEach
  void pickPorts() throws IOException {
    Files.createDirectories(LOGS);
    portBase = freePortBase();
  }

  @AfterEach
  void killEverythingLeft() {
    collectFromFiles();
    for (ProcessHandle h : seen) {
      h.destroyForcibly();
    }
    for (ProcessHandle h : seen) {
      h.onExit().orTimeout(20, TimeUnit.SECONDS).exceptionally(e -> h).join();
    }
  }

  @Test
  void samplesAndOwnChangesetsReachAFinalStatusAndSigtermLeavesNothingBehind() throws Exception {
    Sandbox run = start("signals", "--pending", "500ms", "--processing", "2s");
    Map<String, String> env = run.awaitEnv(FIRST_START);
    Path kubeconfig = Path.of(env.get("KUBECONFIG"));
    assertThat(env)
        .containsEntry("AWS_ENDPOINT_URL_FINSPACE", "http://127.0.0.1:" + (portBase + 3))
        .containsEntry("AWS_REGION", "us-east-1")
        .containsEntry("AWS_DEFAULT_REGION", "us-east-1") // AWS CLI v1 reads only this one
        .containsEntry(
            "FINSPACE_EMULATOR_ADMIN_URL", "http://127.0.0.1:" + (portBase + 3) + "/_emulator")
        .containsEntry("FINSPACE_ENVIRONMENT_ID", "jlcenjvtkgzrdek2qqv7ic")
        .containsEntry("FINSPACE_DATABASE_NAMES", "trades")
        .containsEntry("SANDBOX_PID", Long.toString(run.process.pid()))
        .containsKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "SANDBOX_OPERATOR_PID");
    assertThat(kubeconfig).isEqualTo(DIR.resolve("kubeconfig"));

    // The four samples, applied by the sandbox, all reach COMPLETED.
    run.awaitOutput(" ok samples final", Duration.ofMinutes(3));
    assertThat(
            kubectl(
                kubeconfig,
                "get",
                "kxcs",
                "-n",
                "default",
                "-o",
                "jsonpath={range .items[*]}{.metadata.name}={.status.status}{\"\\n\"}{end}"))
        .containsOnlyOnce("trades-2020-01-02=COMPLETED")
        .containsOnlyOnce("trades-sym-2020-01-02=COMPLETED")
        .containsOnlyOnce("trades-expire-2019-01-02=COMPLETED")
        .containsOnlyOnce("trades-restate-2020-01-03=COMPLETED");

    // Every metric the shipped alerts and Grafana dashboard query (config/monitoring) is on the
    // sandbox operator's /metrics, as a user who points Prometheus at it would scrape it
    // (kxchangeset_in_flight has series only while work is in flight).
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + (portBase + 4) + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String name : io.kxops.operator.testing.MonitoringFiles.allMetricNames()) {
      if (!name.equals("kxchangeset_in_flight")) {
        assertThat(metrics)
            .as("the sandbox's /metrics exports %s", name)
            .containsPattern("(?m)^" + name + "[{ ]");
      }
    }

    // A manifest of our own, in the other namespace the sandbox creates, reaches COMPLETED.
    Path own = LOGS.resolve("own.yaml");
    Files.writeString(
        own,
        """
        apiVersion: finspace.kxops.io/v1alpha1
        kind: KxChangeset
        metadata:
          name: sandbox-it-own
          namespace: kdb
        spec:
          environmentId: jlcenjvtkgzrdek2qqv7ic
          databaseName: trades
          changeRequests:
          - changeType: PUT
            s3Path: s3://kdb-staging-it/trades/2020.02.03/
            dbPath: /2020.02.03/
        """);
    kubectl(kubeconfig, "apply", "-f", own.toString());
    kubectl(
        kubeconfig,
        "wait",
        "--for=jsonpath={.status.status}=COMPLETED",
        "kxcs/sandbox-it-own",
        "-n",
        "kdb",
        "--timeout=120s");

    // What the sandbox tells a person to do to make one fail: a failure rule, then the example.
    HttpResponse<String> rule =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(env.get("FINSPACE_EMULATOR_ADMIN_URL") + "/lifecycle"))
                    .PUT(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"failureRules\":[{\"s3Path\":\"s3://kdb-staging-prod/bad/*\","
                                + "\"errorMessage\":\"no such object\"}]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(rule.statusCode()).isEqualTo(200);
    assertThat(run.output())
        .contains("kubectl apply -f target/sandbox/examples/failing-changeset.yaml");
    kubectl(kubeconfig, "apply", "-f", DIR.resolve("examples/failing-changeset.yaml").toString());
    kubectl(
        kubeconfig,
        "wait",
        "--for=condition=Stalled",
        "kxcs/trades-bad-2020-01-07",
        "--timeout=120s");
    assertThat(
            kubectl(
                kubeconfig, "get", "kxcs/trades-bad-2020-01-07", "-o", "jsonpath={.status.status}"))
        .isEqualTo("FAILED");
    run.awaitOutput("default/trades-bad-2020-01-07: FAILED", Duration.ofSeconds(30));

    List<ProcessHandle> children = run.children();
    assertThat(children.stream().map(ProcessHandle::pid))
        .containsExactlyInAnyOrderElementsOf(run.childPidsFromFiles(env));

    // A second sandbox of this checkout is refused, and leaves the running one alone.
    Sandbox second = start("signals-second", false, "--no-samples");
    assertThat(second.process.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(second.process.exitValue()).isEqualTo(1);
    assertThat(second.output())
        .contains("a sandbox of this checkout is already running (pid " + run.process.pid() + ")");
    assertThat(children).allMatch(ProcessHandle::isAlive);
    assertThat(run.awaitEnv(Duration.ofSeconds(5))).isEqualTo(env);

    // SIGTERM: the operator, kube-apiserver and etcd stop with the sandbox, in that order.
    run.process.destroy();
    assertThat(run.process.waitFor(STOPPED_WITHIN.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertAllGone(children);
    assertThat(run.process.exitValue()).isEqualTo(143);
    String out = run.output();
    assertThat(out.indexOf(" ok stop operator")).isPositive();
    assertThat(out.indexOf(" ok stop operator"))
        .isLessThan(out.indexOf(" ok stop kube-apiserver, then etcd"));
    assertThat(DIR.resolve("env")).doesNotExist();
  }

  @Test
  void aSecondStartAfterAnUncleanExitCleansUpAndComesUp() throws Exception {
    Sandbox first = start("unclean-1", "--no-samples");
    Map<String, String> env = first.awaitEnv(FIRST_START);
    List<ProcessHandle> orphans = first.children();
    assertThat(orphans.stream().map(ProcessHandle::pid))
        .containsExactlyInAnyOrderElementsOf(first.childPidsFromFiles(env));

    // kill -9 of the sandbox JVM: no shutdown hook runs, its children live on.
    first.process.destroyForcibly();
    assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(orphans).allMatch(ProcessHandle::isAlive);

    Sandbox second = start("unclean-2", "--no-samples");
    Map<String, String> env2 = second.awaitEnv(Duration.ofMinutes(3));
    assertAllGone(orphans);
    assertThat(second.output()).contains(" ok clean up after a previous run: killed operator");
    Path kubeconfig = Path.of(env2.get("KUBECONFIG"));
    Path own = LOGS.resolve("after-unclean.yaml");
    Files.writeString(
        own,
        """
        apiVersion: finspace.kxops.io/v1alpha1
        kind: KxChangeset
        metadata:
          name: after-unclean-exit
        spec:
          environmentId: jlcenjvtkgzrdek2qqv7ic
          databaseName: trades
          changeRequests:
          - changeType: DELETE
            dbPath: /2019.12.31/
        """);
    kubectl(kubeconfig, "apply", "-f", own.toString());
    kubectl(
        kubeconfig, "wait", "--for=condition=Ready", "kxcs/after-unclean-exit", "--timeout=120s");

    List<ProcessHandle> children = second.children();
    assertThat(children).hasSize(3);
    second.process.destroy();
    assertThat(second.process.waitFor(STOPPED_WITHIN.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertAllGone(children);
  }

  // ------------------------------------------------------------------ helpers

  Sandbox start(String name, String... args) throws IOException {
    return start(name, true, args);
  }

  Sandbox start(String name, boolean fresh, String... args) throws IOException {
    if (fresh) {
      // A killed sandbox leaves its env file behind: never read a stale one.
      Files.deleteIfExists(DIR.resolve("env"));
    }
    List<String> cmd =
        new ArrayList<>(List.of(SCRIPT.toString(), "--port-base", Integer.toString(portBase)));
    cmd.addAll(List.of(args));
    Path log = LOGS.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(SCRIPT.getParent().getParent().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Process p = pb.start();
    seen.add(p.toHandle());
    return new Sandbox(p, log);
  }

  void assertAllGone(List<ProcessHandle> handles) {
    Instant deadline = Instant.now().plus(STOPPED_WITHIN);
    while (Instant.now().isBefore(deadline) && handles.stream().anyMatch(Processes::running)) {
      Processes.sleep(200);
    }
    assertThat(handles.stream().filter(Processes::running).map(SandboxIT::describe))
        .as("processes the sandbox started and left running")
        .isEmpty();
  }

  /** Adds whatever the sandbox's pid files name to {@link #seen}. */
  void collectFromFiles() {
    for (Path f :
        List.of(
            DIR.resolve("sandbox.pid"), DIR.resolve("operator.pid"), DIR.resolve("cluster/pids"))) {
      try {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            ProcessHandle.of(Long.parseLong(line.trim()))
                .filter(
                    h ->
                        h.info().commandLine().orElse("").contains(DIR.toString())
                            || seen.contains(h))
                .ifPresent(seen::add);
          }
        }
      } catch (IOException | NumberFormatException e) {
        // not there
      }
    }
  }

  static String kubectl(Path kubeconfig, String... args) {
    Cli.Result r =
        new Cli(kubeconfig.getParent().resolve("cli"), kubeconfig).kubectl((Object[]) args);
    assertThat(r.exitCode()).as("kubectl %s: %s", String.join(" ", args), r.output()).isZero();
    return r.stdout();
  }

  static String describe(ProcessHandle h) {
    return h.pid() + " " + h.info().commandLine().orElse("?");
  }

  /** Six consecutive free ports (wildcard bind, as the operator's endpoints) in 30000-32700. */
  static int freePortBase() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = 30000 + 10 * ThreadLocalRandom.current().nextInt(270);
      boolean free = true;
      for (int p = base; p < base + 6 && free; p++) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(p));
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no six consecutive free ports in 30000-32700");
  }

  /** One run of hack/sandbox.sh. */
  final class Sandbox {
    final Process process;
    final Path log;

    Sandbox(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    String output() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Waits for target/sandbox/env written by this run; returns its KEY=value pairs. */
    Map<String, String> awaitEnv(Duration timeout) {
      Instant deadline = Instant.now().plus(timeout);
      while (Instant.now().isBefore(deadline)) {
        assertThat(process.isAlive()).as("sandbox exited early:%n%s", output()).isTrue();
        Optional<Map<String, String>> env = readEnv();
        if (env.isPresent() && Long.toString(process.pid()).equals(env.get().get("SANDBOX_PID"))) {
          seen.addAll(children());
          return env.get();
        }
        Processes.sleep(250);
      }
      throw new AssertionError("no target/sandbox/env after " + timeout + ":\n" + output());
    }

    void awaitOutput(String text, Duration timeout) {
      Instant deadline = Instant.now().plus(timeout);
      while (!output().contains(text)) {
        assertThat(process.isAlive()).as("sandbox exited early:%n%s", output()).isTrue();
        if (Instant.now().isAfter(deadline)) {
          throw new AssertionError("no '" + text + "' after " + timeout + ":\n" + output());
        }
        Processes.sleep(250);
      }
    }

    /** The sandbox JVM's descendants: the operator JVM, etcd and kube-apiserver. */
    List<ProcessHandle> children() {
      List<ProcessHandle> d = process.toHandle().descendants().collect(Collectors.toList());
      seen.addAll(d);
      return d;
    }

    /** The operator's pid from the env file, etcd's and kube-apiserver's from the pids file. */
    List<Long> childPidsFromFiles(Map<String, String> env) throws IOException {
      List<Long> pids = new ArrayList<>();
      pids.add(Long.parseLong(env.get("SANDBOX_OPERATOR_PID")));
      for (String line : Files.readAllLines(DIR.resolve("cluster/pids"))) {
        if (!line.isBlank()) {
          pids.add(Long.parseLong(line.trim()));
        }
      }
      return pids;
    }

    private Optional<Map<String, String>> readEnv() {
      try {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(DIR.resolve("env"))) {
          String l = line.strip();
          if (l.startsWith("export ")) {
            l = l.substring("export ".length());
          }
          int eq = l.indexOf('=');
          if (l.startsWith("#") || eq < 1 || l.startsWith("PATH=")) {
            continue;
          }
          String v = l.substring(eq + 1);
          if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
            v = v.substring(1, v.length() - 1).replace("'\\''", "'");
          }
          env.put(l.substring(0, eq), v);
        }
        return Optional.of(env);
      } catch (IOException e) {
        return Optional.empty();
      }
    }
  }
}
