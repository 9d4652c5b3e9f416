/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.testkit.LocalCluster;
import io.kxops.testkit.OperatorProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The rig both harnesses run on: a real etcd + kube-apiserver (restartable), the FinSpace emulator
 * in this JVM, and operator processes supervised like pods — a process that dies (killed, or
 * exiting after losing its Lease) is started again after a delay.
 */
final class Harness implements AutoCloseable {

  static final String ENVIRONMENT = "jlcenjvtkgzrdek2qqv7ic";
  static final String REGION = "us-east-1";
  static final String LEASE_NAMESPACE = "kxops-system";
  static final String LEASE_NAME = "kxchangeset-operator";

  private final Path root;
  private final Path dir;
  private final LocalCluster cluster;
  private final KubernetesClient client;
  private final FinSpaceEmulator emulator;
  private final List<OperatorProcess> operators = new CopyOnWriteArrayList<>();
  private final List<String> restarts = new CopyOnWriteArrayList<>();
  private final Consumer<String> log;
  private volatile boolean supervising;
  private Thread supervisor;
  private final Thread stopHook =
      new Thread(
          () -> {
            stopSupervising();
            operators.forEach(OperatorProcess::kill);
          },
          "harness-operators-stop");

  private Harness(
      Path root, Path dir, LocalCluster cluster, FinSpaceEmulator emulator, Consumer<String> log) {
    this.root = root;
    this.dir = dir;
    this.cluster = cluster;
    this.client = cluster.newClient();
    this.emulator = emulator;
    this.log = log;
  }

  /**
   * Starts etcd + kube-apiserver in {@code dir/cluster}, installs the CRD, creates the Lease
   * namespace, and starts the emulator built by {@code emulator}.
   */
  static Harness start(Path dir, FinSpaceEmulator.Builder emulator, Consumer<String> log) {
    Path root = projectRoot();
    LocalCluster cluster =
        LocalCluster.start(
            dir.resolve("cluster"), LocalCluster.freePort(), LocalCluster.freePort());
    FinSpaceEmulator emu;
    try {
      cluster.installCrd(root.resolve("crds").resolve("kxchangesets.finspace.kxops.io-v1.yml"));
      cluster.installCrd(root.resolve("crds").resolve("kxaccesspolicies.finspace.kxops.io-v1.yml"));
      emu = emulator.start();
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    Harness h = new Harness(root, dir, cluster, emu, log);
    try {
      h.namespace(LEASE_NAMESPACE);
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
    // An interrupted run (Ctrl-C) must not leave operator JVMs behind; the cluster has a hook.
    Runtime.getRuntime().addShutdownHook(h.stopHook);
    return h;
  }

  KubernetesClient client() {
    return client;
  }

  FinSpaceEmulator emulator() {
    return emulator;
  }

  LocalCluster cluster() {
    return cluster;
  }

  List<OperatorProcess> operators() {
    return operators;
  }

  /** What the supervisor restarted, one line each. */
  List<String> restarts() {
    return List.copyOf(restarts);
  }

  /** Creates a namespace (idempotent). */
  void namespace(String name) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
  }

  /**
   * The environment of an operator watching {@code namespace} and talking to the emulator:
   * everything the chart would set, callers add or override variables.
   */
  Map<String, String> operatorEnv(String namespace) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KUBECONFIG", cluster.kubeconfig().toString());
    env.put("AWS_ENDPOINT_URL_FINSPACE", emulator.endpoint().toString());
    env.put("AWS_REGION", REGION);
    env.put("AWS_ACCESS_KEY_ID", "AKIDHARNESS");
    env.put("AWS_SECRET_ACCESS_KEY", "harness-secret");
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("WATCH_NAMESPACES", namespace);
    env.put("LEADER_ELECTION_NAMESPACE", LEASE_NAMESPACE);
    env.put("LEADER_ELECTION_LEASE_NAME", LEASE_NAME);
    env.put("LOG_FORMAT", "text");
    env.put("LOG_LEVEL", "info");
    return env;
  }

  /** A new operator process (not started) with its own ports and log under the run directory. */
  OperatorProcess operator(String name, Map<String, String> env, List<String> jvmOptions) {
    OperatorProcess p =
        new OperatorProcess(
            name,
            root.resolve("target").resolve("kxchangeset-operator.jar"),
            dir.resolve(name + ".log"),
            jvmOptions,
            env,
            LocalCluster.freePort(),
            LocalCluster.freePort());
    operators.add(p);
    return p;
  }

  /**
   * Restarts any operator that is not running, {@code delay} after noticing — a kubelet's job. Runs
   * until {@link #stopSupervising()}.
   */
  synchronized void supervise(Duration delay) {
    if (supervisor != null) {
      return;
    }
    supervising = true;
    supervisor =
        new Thread(
            () -> {
              Map<OperatorProcess, Long> downSince = new LinkedHashMap<>();
              while (supervising) {
                for (OperatorProcess p : operators) {
                  if (p.alive()) {
                    downSince.remove(p);
                    continue;
                  }
                  long now = System.nanoTime();
                  long since = downSince.computeIfAbsent(p, k -> now);
                  if (now - since >= delay.toNanos() && p.mayRestart() && supervising) {
                    String line =
                        "restarted %s (exit %s) after %.1fs down"
                            .formatted(
                                p.name(),
                                p.exitCode().map(String::valueOf).orElse("?"),
                                (now - since) / 1e9);
                    try {
                      p.start();
                    } catch (RuntimeException e) {
                      // Keep supervising: a run that cannot restart shows as not converging.
                      log.accept("cannot restart " + p.name() + ": " + e.getMessage());
                      continue;
                    }
                    downSince.remove(p);
                    restarts.add(line);
                    log.accept(line);
                  }
                }
                sleep(100);
              }
            },
            "harness-supervisor");
    supervisor.setDaemon(true);
    supervisor.start();
  }

  synchronized void stopSupervising() {
    supervising = false;
    if (supervisor != null) {
      try {
        supervisor.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      supervisor = null;
    }
  }

  /** The operator holding the Lease, if the API server answers and one holds it. */
  Optional<OperatorProcess> leader() {
    try {
      Lease lease = client.leases().inNamespace(LEASE_NAMESPACE).withName(LEASE_NAME).get();
      if (lease == null || lease.getSpec() == null) {
        return Optional.empty();
      }
      String holder = lease.getSpec().getHolderIdentity();
      return operators.stream().filter(p -> p.name().equals(holder)).findFirst();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Waits until some running operator holds the Lease and answers /readyz. */
  OperatorProcess awaitLeader(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<OperatorProcess> l = leader().filter(OperatorProcess::alive);
      if (l.isPresent() && l.get().ready()) {
        return l.get();
      }
      sleep(100);
    }
    throw new IllegalStateException("no operator became leader within " + timeout);
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(stopHook);
    } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
      // nothing to remove
    }
    stopSupervising();
    for (OperatorProcess p : operators) {
      p.stop(20);
    }
    try {
      client.close();
    } finally {
      try {
        emulator.close();
      } finally {
        cluster.close();
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The JVM flags the Helm chart gives the operator (values.yaml {@code jvmOptions}), plus {@code
   * -XX:MaxRAM} set to the chart's memory limit: in a container the JVM sizes its heap from the
   * limit, on this host it would size it from all of the machine's memory.
   */
  static List<String> chartJvmOptions() {
    Path values = projectRoot().resolve("helm/kxchangeset-operator/values.yaml");
    try {
      JsonNode v = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(values));
      List<String> out = new ArrayList<>();
      for (String o : v.path("jvmOptions").asText("").trim().split("\\s+")) {
        if (!o.isEmpty()) {
          out.add(o);
        }
      }
      String limit = v.path("resources").path("limits").path("memory").asText("");
      if (!limit.isEmpty()) {
        out.add("-XX:MaxRAM=" + mebibytes(limit) + "m");
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** "512Mi" → 512, "1Gi" → 1024. */
  static long mebibytes(String quantity) {
    if (quantity.endsWith("Mi")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 2));
    }
    if (quantity.endsWith("Gi")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 2)) * 1024;
    }
    throw new IllegalArgumentException("unsupported memory quantity " + quantity);
  }

  /** The checkout: the working directory or one of its parents holding pom.xml and crds/. */
  static Path projectRoot() {
    Path p = Path.of("").toAbsolutePath();
    for (Path q = p; q != null; q = q.getParent()) {
      if (Files.isRegularFile(q.resolve("pom.xml")) && Files.isDirectory(q.resolve("crds"))) {
        return q;
      }
    }
    throw new IllegalStateException("not inside the project checkout: " + p);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
