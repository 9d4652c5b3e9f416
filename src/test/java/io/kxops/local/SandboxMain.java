/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.local.Console.StepFailed;
import io.kxops.testkit.Binaries;
import io.kxops.testkit.LocalCluster;
import io.kxops.testkit.OperatorProcess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.LoggerFactory;

/**
 * The local sandbox behind {@code hack/sandbox.sh}: etcd + kube-apiserver ({@link LocalCluster}),
 * the CRD, the FinSpace emulator (in this JVM, admin API over HTTP), the operator as a separate
 * process ({@code java -jar target/kxchangeset-operator.jar}), and the samples, with a progress
 * report a person can follow. Runs until SIGINT/SIGTERM, then stops the operator, the emulator,
 * kube-apiserver and etcd, in that order. Everything it writes is under {@code target/sandbox}.
 */
public final class SandboxMain {

  /** Also created, so the README's example (namespace kdb) applies as written. */
  static final String EXTRA_NAMESPACE = "kdb";

  /** On the operator's command line, followed by target/sandbox's absolute path. */
  static final String OPERATOR_MARKER = "-Dkxops.sandbox.dir=";

  /** On the sandbox JVM's command line (hack/sandbox.sh puts it there), followed by the same. */
  static final String SANDBOX_MARKER = "-Dkxops.sandbox=";

  private final SandboxOptions options;
  private final Path root;
  private final Path dir;
  private final Path clusterDir;
  private final long t0Nanos;
  private final Console console;
  private final ReentrantLock lifecycle = new ReentrantLock();
  private volatile boolean stopping;
  private volatile OperatorProcess operator;
  private volatile LocalCluster cluster;
  private volatile FinSpaceEmulator emulator;

  SandboxMain(SandboxOptions options, Path root, long t0Nanos) {
    this.options = options;
    this.root = root.toAbsolutePath().normalize();
    this.dir = this.root.resolve("target").resolve("sandbox");
    this.clusterDir = dir.resolve("cluster");
    this.t0Nanos = t0Nanos;
    this.console = new Console(t0Nanos);
  }

  public static void main(String[] args) {
    Optional<SandboxOptions> options;
    try {
      options = SandboxOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(SandboxOptions.usage(Path.of("")));
      System.exit(2);
      return;
    }
    if (options.isEmpty()) {
      System.out.print(SandboxOptions.usage(Path.of("")));
      return;
    }
    SandboxMain sandbox = new SandboxMain(options.get(), Path.of(""), startNanos());
    int code = sandbox.run();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** When hack/sandbox.sh started (SANDBOX_T0_US, epoch microseconds), as a nanoTime value. */
  private static long startNanos() {
    long now = System.nanoTime();
    String t0 = System.getenv("SANDBOX_T0_US");
    if (t0 != null && t0.matches("\\d{10,}")) {
      long sinceMicros = Instant.now().toEpochMilli() * 1000 - Long.parseLong(t0);
      if (sinceMicros >= 0 && sinceMicros < 3_600_000_000L) {
        return now - sinceMicros * 1000;
      }
    }
    return now;
  }

  /** Starts everything and blocks until stopped; returns an exit code on a failed start. */
  int run() {
    try {
      Files.createDirectories(dir);
      configureLogging(dir.resolve("sandbox.log"));
      PreviousRun.cleanUp(console, dir, clusterDir);
      Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "sandbox-stop"));
      PreviousRun.checkPorts(options);
      startCluster();
      startEmulator();
      startOperator();
      writeEnv();
      console.line(
          "ready after "
              + Console.seconds(System.nanoTime() - t0Nanos)
              + ": target/sandbox/env and target/sandbox/kubeconfig written");
      try (KubernetesClient client = cluster.newClient()) {
        SandboxWatch watch = new SandboxWatch(client, console, () -> stopping);
        if (options.samples()) {
          List<String> names = Samples.apply(console, client, root);
          watch.samples(SandboxEnv.NAMESPACE, names);
        }
        if (!stopping) {
          console.block(SandboxEnv.howTo(root));
        }
        watch.changes();
      }
      return 0;
    } catch (StepFailed e) {
      if (!stopping) {
        console.line("FAILED: " + e.getMessage());
      }
      return 1;
    } catch (RuntimeException | IOException e) {
      if (!stopping) {
        console.line("FAILED: " + e);
        LoggerFactory.getLogger(SandboxMain.class).error("sandbox failed", e);
        console.line("  details: target/sandbox/sandbox.log");
      }
      return 1;
    }
  }

  // ------------------------------------------------------------------ steps

  private void startCluster() {
    String what =
        "etcd + kube-apiserver: etcd 127.0.0.1:%d, API server https://127.0.0.1:%d"
            .formatted(options.etcdPort(), options.apiPort());
    console.step(
        what,
        () -> {
          guarded(
              () ->
                  cluster =
                      LocalCluster.startDetached(
                          clusterDir, options.etcdPort(), options.apiPort()));
          watchProcesses(PreviousRun.clusterProcesses(clusterDir), "target/sandbox/cluster/");
          return "ready (logs: target/sandbox/cluster/)";
        });
    console.step(
        "KxChangeset CRD",
        () -> {
          cluster.installCrd(root.resolve("crds").resolve("kxchangesets.finspace.kxops.io-v1.yml"));
          cluster.installCrd(
              root.resolve("crds").resolve("kxaccesspolicies.finspace.kxops.io-v1.yml"));
          try (KubernetesClient c = cluster.newClient()) {
            c.resource(
                    new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(EXTRA_NAMESPACE)
                        .endMetadata()
                        .build())
                .serverSideApply();
          }
          return "established; namespaces " + SandboxEnv.NAMESPACE + " and " + EXTRA_NAMESPACE;
        });
  }

  private void startEmulator() {
    console.step(
        "FinSpace emulator: http://127.0.0.1:" + options.emulatorPort() + ", in this JVM",
        () -> {
          guarded(
              () ->
                  emulator =
                      FinSpaceEmulator.builder()
                          .host("127.0.0.1")
                          .port(options.emulatorPort())
                          .database(SandboxEnv.ENVIRONMENT_ID, SandboxEnv.DATABASE)
                          .pending(options.pending())
                          .processing(options.processing())
                          .inProgressStatus(options.inProgress())
                          .start());
          return "database %s/%s; PENDING %s, %s %s"
              .formatted(
                  SandboxEnv.ENVIRONMENT_ID,
                  SandboxEnv.DATABASE,
                  Console.seconds(options.pending().toNanos()),
                  options.inProgress(),
                  Console.seconds(options.processing().toNanos()));
        });
  }

  private void startOperator() {
    Path jar = root.resolve("target").resolve("kxchangeset-operator.jar");
    Path log = dir.resolve("operator.log");
    console.step(
        "operator: java -jar target/kxchangeset-operator.jar, log target/sandbox/operator.log",
        () -> {
          if (!Files.isRegularFile(jar)) {
            throw new StepFailed(jar + " is missing; build it with mvn -DskipTests package");
          }
          List<String> jvm = new ArrayList<>();
          String opts =
              Optional.ofNullable(System.getenv("SANDBOX_OPERATOR_JAVA_OPTS"))
                  .orElse("-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
          for (String o : opts.trim().split("\\s+")) {
            if (!o.isEmpty()) {
              jvm.add(o);
            }
          }
          jvm.add(OPERATOR_MARKER + dir);
          Files.deleteIfExists(log);
          OperatorProcess op =
              new OperatorProcess(
                  "sandbox-operator",
                  List.of("setsid"),
                  jar,
                  log,
                  jvm,
                  operatorEnv(),
                  options.metricsPort(),
                  options.healthPort());
          guarded(
              () -> {
                op.start();
                operator = op;
                try {
                  Files.writeString(dir.resolve("operator.pid"), op.pid() + "\n");
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
          watchProcesses(List.of(op.handle().orElseThrow()), "target/sandbox/operator.log");
          try {
            op.awaitReady(Duration.ofSeconds(180));
          } catch (IllegalStateException e) {
            throw new StepFailed(
                (op.alive()
                        ? "the operator is not ready after 180s"
                        : "the operator exited with code " + op.exitCode().orElse(-1))
                    + "; last lines of target/sandbox/operator.log:\n"
                    + Processes.tail(log, 15));
          }
          return "ready (pid " + op.pid() + ")";
        });
  }

  /** The operator's environment (on top of this JVM's, minus any AWS_* variable). */
  Map<String, String> operatorEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KUBECONFIG", clusterDir.resolve("kubeconfig").toString());
    env.put("AWS_ENDPOINT_URL_FINSPACE", "http://127.0.0.1:" + options.emulatorPort());
    env.put("AWS_REGION", SandboxEnv.REGION);
    env.put("AWS_ACCESS_KEY_ID", SandboxEnv.ACCESS_KEY_ID);
    env.put("AWS_SECRET_ACCESS_KEY", SandboxEnv.SECRET_ACCESS_KEY);
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("POLL_INTERVAL", "500ms");
    env.put("MAX_POLL_INTERVAL", "1s");
    env.put("RETRY_INITIAL_INTERVAL", "500ms");
    env.put("RETRY_MAX_INTERVAL", "10s");
    env.put("METRICS_PORT", Integer.toString(options.metricsPort()));
    env.put("HEALTH_PORT", Integer.toString(options.healthPort()));
    env.put("LOG_FORMAT", "text");
    env.put("LOG_LEVEL", "info");
    return env;
  }

  /** Writes target/sandbox/kubeconfig, env and examples/. */
  private void writeEnv() throws IOException {
    OperatorProcess op = operator;
    SandboxEnv.write(
        dir,
        clusterDir.resolve("kubeconfig"),
        SandboxEnv.values(dir, options, op == null ? -1 : op.pid()),
        Files.isExecutable(Binaries.binDir().resolve("kubectl")) ? Binaries.binDir() : null);
  }

  // ------------------------------------------------------------- processes

  /** Runs a start action under the lifecycle lock, unless the sandbox is already stopping. */
  private void guarded(Runnable action) {
    lifecycle.lock();
    try {
      if (stopping) {
        throw new StepFailed("stopping");
      }
      action.run();
    } finally {
      lifecycle.unlock();
    }
  }

  /** If one of these processes dies while the sandbox runs, say so and stop everything. */
  private void watchProcesses(List<ProcessHandle> handles, String logs) {
    for (ProcessHandle h : handles) {
      String name = Processes.executable(h);
      h.onExit()
          .thenRun(
              () -> {
                if (!stopping) {
                  console.line(
                      "FAILED: "
                          + name
                          + " (pid "
                          + h.pid()
                          + ") exited unexpectedly; see "
                          + logs);
                  new Thread(() -> System.exit(1), "sandbox-exit").start();
                }
              });
    }
  }

  /** The shutdown hook: the operator first, then the emulator, kube-apiserver and etcd. */
  void stop() {
    stopping = true;
    boolean locked = false;
    try {
      locked = lifecycle.tryLock(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      console.line("stopping (operator, emulator, kube-apiserver, etcd) ...");
      OperatorProcess op = operator;
      if (op != null && op.alive()) {
        console.step(
            "stop operator",
            () -> {
              op.stop(20);
              return op.exitCode().map(c -> "exited with code " + c).orElse("killed");
            });
      } else if (op == null) {
        // started but not yet recorded (an interrupted start): the pid file names it
        Processes.readPid(dir.resolve("operator.pid"))
            .flatMap(ProcessHandle::of)
            .filter(h -> Processes.commandLine(h).contains(OPERATOR_MARKER + dir))
            .ifPresent(Processes::kill);
      }
      FinSpaceEmulator emu = emulator;
      if (emu != null) {
        console.step(
            "stop FinSpace emulator",
            () -> {
              emu.close();
              return "stopped";
            });
      }
      LocalCluster c = cluster;
      if (c != null) {
        console.step(
            "stop kube-apiserver, then etcd",
            () -> {
              c.close();
              return "stopped";
            });
      } else {
        LocalCluster.killLeftovers(clusterDir);
      }
      // Only what is still ours: never the files of a sandbox started after this one.
      long self = ProcessHandle.current().pid();
      if (Processes.readPid(dir.resolve("sandbox.pid")).filter(p -> p == self).isPresent()) {
        if (op != null
            && Processes.readPid(dir.resolve("operator.pid"))
                .filter(p -> p == op.pid())
                .isPresent()) {
          Files.deleteIfExists(dir.resolve("operator.pid"));
        }
        Files.deleteIfExists(dir.resolve("env"));
        Files.deleteIfExists(dir.resolve("sandbox.pid"));
      }
      console.line("stopped; logs are kept in target/sandbox/");
    } catch (IOException | RuntimeException e) {
      console.line("error while stopping: " + e);
    } finally {
      if (locked) {
        lifecycle.unlock();
      }
    }
  }

  /** The sandbox JVM's own logs (emulator, fabric8) go to a file, not the console. */
  private static void configureLogging(Path file) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    String xml =
        """
        <configuration>
          <appender name="FILE" class="ch.qos.logback.core.FileAppender">
            <file>%s</file>
            <append>false</append>
            <encoder><pattern>%%d{HH:mm:ss.SSS} %%-5level [%%thread] %%logger{0} - %%msg%%n</pattern></encoder>
          </appender>
          <root level="INFO"><appender-ref ref="FILE"/></root>
        </configuration>
        """
            .formatted(file.toAbsolutePath());
    try {
      configurator.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      System.err.println("warning: cannot configure logging: " + e);
    }
  }
}
