/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.testkit.Cli;
import io.kxops.testkit.E2eCluster;
import io.kxops.testkit.LocalNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Operators as users run them: the image installed by the Helm chart (two replicas, leader
 * election), pods on our own {@link LocalNode}; a leader kill is a pod deletion through the API
 * (graceful, or with grace period 0 for a crash), and the kubelet and the Deployment bring pods
 * back. The emulator listens on the host's end of the node's veth, which the pods reach.
 */
final class NodeTarget implements Target {

  static final String RELEASE = "kxops";
  static final String RELEASE_NS = "kxops-system";
  static final String RAISED_RELEASE = "kxops-raised";
  static final String RAISED_NS = "kxops-raised-system";
  static final String LEASE = "kxchangeset-operator";
  static final Path CHART = Path.of("helm", "kxchangeset-operator");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path dir;
  private final E2eCluster cluster;
  private final KubernetesClient client;
  private final FinSpaceEmulator emulator;
  private final Cli cli;
  private final Consumer<String> log;
  private final List<String> deletions = new CopyOnWriteArrayList<>();

  NodeTarget(Path dir, FinSpaceEmulator.Builder emulator, Consumer<String> log) {
    this.dir = dir.toAbsolutePath();
    this.log = log;
    this.cluster = E2eCluster.start(this.dir);
    try {
      if (cluster.node().isEmpty()) {
        throw new IllegalStateException(
            "--target node runs on our own node (it restarts the API server and waits for a"
                + " deleted pod's processes); unset KXOPS_E2E_KUBECONFIG");
      }
      this.client = cluster.newClient();
      this.cli = new Cli(this.dir.resolve("cli"), cluster.kubeconfig());
      this.emulator = emulator.host(cluster.emulatorHost()).port(0).start();
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return "node";
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public FinSpaceEmulator emulator() {
    return emulator;
  }

  @Override
  public void namespace(String name) {
    client
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .endMetadata()
                .build())
        .serverSideApply();
  }

  @Override
  public void startOperators(Map<String, String> settings, int replicas) {
    install(RELEASE, RELEASE_NS, settings, replicas, true);
  }

  @Override
  public void startRaised(Map<String, String> settings) {
    install(RAISED_RELEASE, RAISED_NS, settings, 1, false);
  }

  /** {@code helm install --wait} with values made from the operator's settings. */
  private void install(
      String release, String ns, Map<String, String> settings, int replicas, boolean main) {
    namespace(ns);
    ObjectNode v = YAML.createObjectNode();
    v.put("replicaCount", replicas);
    v.putObject("image")
        .put("repository", cluster.repository())
        .put("tag", cluster.tag())
        .put("pullPolicy", "Never");
    // The second release shares the cluster-wide CRD that the first installed.
    v.putObject("crds").put("install", main);
    v.putObject("leaderElection").put("enabled", main);
    ObjectNode config = values(settings);
    config.put("awsRegion", Harness.REGION);
    config.put("awsEndpointUrlFinspace", emulator.endpoint().toString());
    // The emulator is plain http on the host's end of the veth, not on loopback.
    config.put("finspaceAllowHttpEndpoint", true);
    config.put("logFormat", "text");
    v.set("config", config);
    var env = v.putArray("extraEnv");
    env.addObject().put("name", "AWS_ACCESS_KEY_ID").put("value", "AKIDHARNESS");
    env.addObject().put("name", "AWS_SECRET_ACCESS_KEY").put("value", "harness-secret");
    Path file = dir.resolve(release + "-values.yaml");
    try {
      Files.createDirectories(dir);
      YAML.writeValue(file.toFile(), v);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long t = System.nanoTime();
    cli.helm("install", release, CHART, "-n", ns, "-f", file, "--wait", "--timeout", "180s").ok();
    log.accept(
        "helm install %s: %d pod(s) Ready after %.1fs"
            .formatted(release, replicas, (System.nanoTime() - t) / 1e9));
  }

  /**
   * The chart's {@code config} values for operator environment variables: each is the camelCase of
   * the variable's name (README, "Values"); a variable the chart has no value for is an error.
   */
  static ObjectNode values(Map<String, String> settings) {
    JsonNode known;
    try {
      known =
          YAML.readTree(Harness.projectRoot().resolve(CHART).resolve("values.yaml").toFile())
              .path("config");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ObjectNode config = YAML.createObjectNode();
    settings.forEach(
        (k, val) -> {
          if (k.equals("LEADER_ELECTION")) {
            return; // leaderElection.enabled, set per release
          }
          String key = camel(k);
          JsonNode def = known.get(key);
          if (def == null) {
            throw new IllegalArgumentException(
                k + ": the chart has no config." + key + " to set it with");
          }
          if (def.isArray()) {
            var a = config.putArray(key);
            Stream.of(val.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(a::add);
          } else if (def.isIntegralNumber()) {
            config.put(key, Long.parseLong(val));
          } else if (def.isNumber()) {
            config.put(key, Double.parseDouble(val));
          } else if (def.isBoolean()) {
            config.put(key, Boolean.parseBoolean(val));
          } else {
            config.put(key, val);
          }
        });
    return config;
  }

  /** MAX_IN_FLIGHT_PER_DATABASE → maxInFlightPerDatabase. */
  static String camel(String envName) {
    StringBuilder sb = new StringBuilder();
    boolean up = false;
    for (char c : envName.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }

  private List<Pod> pods(String ns) {
    return client
        .pods()
        .inNamespace(ns)
        .withLabel("app.kubernetes.io/instance", ns.equals(RELEASE_NS) ? RELEASE : RAISED_RELEASE)
        .list()
        .getItems();
  }

  private static boolean ready(Pod p) {
    return p.getMetadata().getDeletionTimestamp() == null
        && p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private Optional<String> holder() {
    try {
      Lease lease = client.leases().inNamespace(RELEASE_NS).withName(LEASE).get();
      return lease == null || lease.getSpec() == null
          ? Optional.empty()
          : Optional.ofNullable(lease.getSpec().getHolderIdentity());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public Optional<String> leader() {
    try {
      Optional<String> h = holder();
      return h.filter(
          name -> pods(RELEASE_NS).stream().anyMatch(p -> isNamed(p, name) && ready(p)));
    } catch (RuntimeException e) {
      return Optional.empty(); // the API server is restarting
    }
  }

  private static boolean isNamed(Pod p, String name) {
    return p.getMetadata().getName().equals(name);
  }

  @Override
  public String awaitLeader(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<String> l = leader();
      if (l.isPresent()) {
        return l.get();
      }
      Harness.sleep(100);
    }
    throw new IllegalStateException("no operator pod became leader within " + timeout);
  }

  @Override
  public List<String> killLeader(boolean orAll, boolean crash, Duration holdDown) {
    List<Pod> victims = new ArrayList<>();
    Optional<String> h = holder();
    List<Pod> live =
        pods(RELEASE_NS).stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .toList();
    live.stream().filter(p -> h.isPresent() && isNamed(p, h.get())).forEach(victims::add);
    if (victims.isEmpty() && orAll) {
      victims.addAll(live);
    }
    List<String> out = new ArrayList<>();
    for (Pod p : victims) {
      String name = p.getMetadata().getName();
      var pod = client.pods().inNamespace(RELEASE_NS).withName(name);
      long t = System.nanoTime();
      if (crash) {
        pod.withGracePeriod(0).delete();
        // Returns once no process of the pod runs, so that nothing it had in flight completes.
        awaitProcessesGone(p.getMetadata().getUid(), Duration.ofSeconds(30));
        out.add(
            "pod %s deleted with grace period 0, its processes gone after %.1fs"
                .formatted(name, (System.nanoTime() - t) / 1e9));
      } else {
        pod.delete();
        out.add("pod " + name + " deleted (graceful: SIGTERM)");
      }
      deletions.add(out.get(out.size() - 1));
    }
    return out;
  }

  /** Waits until no process on this machine runs in the pod's cgroups. */
  static void awaitProcessesGone(String podUid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (processesOf(podUid).isEmpty()) {
        return;
      }
      Harness.sleep(50);
    }
    throw new IllegalStateException(
        "pod " + podUid + " still has processes " + processesOf(podUid) + " after " + timeout);
  }

  /** The pids whose cgroup path names the pod (the kubelet's cgroupfs layout: .../pod<uid>/...). */
  static List<Long> processesOf(String podUid) {
    String mark = "/pod" + podUid + "/";
    List<Long> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Iterator<Path> it = procs.iterator(); it.hasNext(); ) {
        Path p = it.next();
        String pid = p.getFileName().toString();
        if (!pid.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          if (Files.readString(p.resolve("cgroup")).contains(mark)) {
            out.add(Long.parseLong(pid));
          }
        } catch (IOException gone) {
          // exited meanwhile
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  @Override
  public void restartApiServer() {
    cluster.node().orElseThrow().restartApiServer();
  }

  @Override
  public void stopSupervising() {
    // The kubelet and the Deployment keep the pods; nothing to stop.
  }

  @Override
  public List<String> restarts() {
    List<String> out = new ArrayList<>(deletions);
    for (String ns : List.of(RELEASE_NS, RAISED_NS)) {
      for (Pod p : pods(ns)) {
        p.getStatus().getContainerStatuses().stream()
            .filter(c -> c.getRestartCount() > 0)
            .forEach(
                c ->
                    out.add(
                        "pod %s: container restarted %d time(s)"
                            .formatted(p.getMetadata().getName(), c.getRestartCount())));
      }
    }
    return out;
  }

  /** The logs of the operator pods that still exist, into the work directory. */
  private void saveLogs() {
    for (String ns : List.of(RELEASE_NS, RAISED_NS)) {
      for (Pod p : pods(ns)) {
        String name = p.getMetadata().getName();
        try {
          Files.writeString(
              dir.resolve("operator-" + name + ".log"),
              client.pods().inNamespace(ns).withName(name).getLog());
        } catch (IOException | RuntimeException e) {
          log.accept("no log of " + name + ": " + e.getMessage());
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      saveLogs();
    } catch (RuntimeException e) {
      log.accept("cannot save the operator logs: " + e.getMessage());
    }
    try {
      client.close();
      emulator.close();
    } finally {
      cluster.close();
    }
  }
}
