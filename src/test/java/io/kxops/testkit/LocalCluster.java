/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * etcd and kube-apiserver as child processes on fixed loopback ports, with certificates made by
 * openssl — unlike kube-api-test, the API server can be restarted on the same port and the same
 * etcd data, so clients (a running operator) survive the restart. Used by the sandbox and the
 * resilience and performance harnesses. Process ids go to {@code pids} in the work directory, so a
 * later start can clean up after an unclean exit. (Why not {@link ApiServer} there: see its
 * Javadoc.)
 *
 * <p>{@link LocalNode} runs the same two processes as the control plane of a single-node cluster
 * ({@link #startForNode}): inside its network namespace, on the node's address, with the flags a
 * kubelet and pods need (Node authorization, ServiceAccount admission, the {@code kubernetes}
 * Service's endpoint, kubelet client certificates).
 */
public final class LocalCluster implements AutoCloseable {

  private final Path dir;
  private final Path bin;
  private final int etcdPort;
  private final int apiPort;
  private final boolean detached;

  /** The command every child process is started through (setsid, nsenter), or empty. */
  private final List<String> launcher;

  /** The API server's address (bind, advertise, kubeconfig). */
  private final String address;

  /** Node mode: the {@link NodeOptions} of {@link #startForNode}, else null. */
  private final NodeOptions node;

  private Process etcd;
  private Process apiServer;

  /**
   * What a cluster with a node needs of the control plane.
   *
   * @param launcher the command prefix that puts a process into the node's network namespace
   * @param address the node's address, where the API server listens and pods reach it
   * @param serviceCidr the Service range; its first address is the {@code kubernetes} Service
   * @param serviceIp that first address (a SAN of the serving certificate)
   */
  record NodeOptions(List<String> launcher, String address, String serviceCidr, String serviceIp) {}

  private LocalCluster(
      Path dir, Path bin, int etcdPort, int apiPort, boolean detached, NodeOptions node) {
    this.dir = dir;
    this.bin = bin;
    this.etcdPort = etcdPort;
    this.apiPort = apiPort;
    this.detached = detached;
    this.node = node;
    if (node != null) {
      this.launcher = node.launcher();
      this.address = node.address();
    } else {
      // setsid execs in place (a ProcessBuilder child is no process group leader): same pid.
      this.launcher = detached ? List.of("setsid") : List.of();
      this.address = "127.0.0.1";
    }
  }

  /** Starts etcd and kube-apiserver in {@code dir} (wiped first) and waits until ready. */
  public static LocalCluster start(Path dir, int etcdPort, int apiPort) {
    return start(dir, etcdPort, apiPort, false);
  }

  /**
   * As {@link #start}, but etcd and kube-apiserver run in sessions of their own ({@code setsid}),
   * so a terminal's Ctrl-C reaches only this JVM, and no shutdown hook is registered: the caller
   * stops the cluster ({@link #close()}) in its own order, e.g. after the clients that use it.
   */
  public static LocalCluster startDetached(Path dir, int etcdPort, int apiPort) {
    return start(dir, etcdPort, apiPort, true);
  }

  private static LocalCluster start(Path dir, int etcdPort, int apiPort, boolean detached) {
    return start(dir, etcdPort, apiPort, detached, null);
  }

  /**
   * The control plane of {@link LocalNode}: etcd and kube-apiserver started through {@code
   * options.launcher()} (into the node's network namespace), no shutdown hook (the node stops them
   * in its own order). {@code dir} is not wiped: the node owns it.
   */
  static LocalCluster startForNode(Path dir, int etcdPort, int apiPort, NodeOptions options) {
    return start(dir, etcdPort, apiPort, true, options);
  }

  private static LocalCluster start(
      Path dir, int etcdPort, int apiPort, boolean detached, NodeOptions node) {
    Path bin = Binaries.kubernetesDir();
    if (node == null) { // a node cleans up itself, and has started containerd already
      killLeftovers(dir);
      deleteRecursively(dir);
    }
    LocalCluster c = new LocalCluster(dir.toAbsolutePath(), bin, etcdPort, apiPort, detached, node);
    if (!detached) {
      Runtime.getRuntime().addShutdownHook(new Thread(c::close, "local-cluster-stop"));
    }
    try {
      c.certificates();
      c.writeKubeconfig();
      c.startEtcd();
      c.startApiServer();
    } catch (RuntimeException e) {
      c.close(); // a detached cluster has no shutdown hook: never leave etcd running
      throw e;
    }
    return c;
  }

  /** A free loopback TCP port (and the next one, which etcd uses for peers, is checked too). */
  public static int freePort() {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        int port = s.getLocalPort();
        try (var next =
            new java.net.ServerSocket(port + 1, 1, java.net.InetAddress.getLoopbackAddress())) {
          return port;
        } catch (IOException taken) {
          // try another
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free port pair");
  }

  public Path kubeconfig() {
    return dir.resolve("kubeconfig");
  }

  /** The work directory: certificates, kubeconfigs, logs. */
  Path dir() {
    return dir;
  }

  /** The API server's URL. */
  public String server() {
    return "https://" + address + ":" + apiPort;
  }

  public int apiPort() {
    return apiPort;
  }

  /** The running kube-apiserver's pid, or -1 (a harness reads its CPU time from /proc). */
  public synchronized long apiServerPid() {
    return apiServer == null ? -1 : apiServer.pid();
  }

  /** The running etcd's pid, or -1. */
  public synchronized long etcdPid() {
    return etcd == null ? -1 : etcd.pid();
  }

  /** A new admin client; the caller closes it. */
  public KubernetesClient newClient() {
    try {
      Config config = Config.fromKubeconfig(Files.readString(kubeconfig()));
      config.setRequestTimeout(30_000);
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Installs (or updates) the CRD from {@code crdFile} and waits until it is established. */
  public void installCrd(Path crdFile) {
    try (KubernetesClient client = newClient()) {
      installCrd(client, crdFile);
    }
  }

  /** Installs (or updates) a CRD through {@code client} and waits until it is established. */
  public static void installCrd(KubernetesClient client, Path crdFile) {
    installCrd(client, crdFile, crd -> {});
  }

  /** {@link #installCrd(KubernetesClient, Path)} with {@code edit} applied to the file's CRD. */
  public static void installCrd(
      KubernetesClient client, Path crdFile, Consumer<CustomResourceDefinition> edit) {
    try {
      CustomResourceDefinition crd =
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .load(Files.newInputStream(crdFile))
              .item();
      edit.accept(crd);
      client.resource(crd).forceConflicts().serverSideApply();
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(
              c ->
                  c.getStatus() != null
                      && c.getStatus().getConditions() != null // a new CRD's status: none yet
                      && c.getStatus().getConditions().stream()
                          .anyMatch(
                              x ->
                                  "Established".equals(x.getType())
                                      && "True".equals(x.getStatus())),
              60,
              TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops kube-apiserver and starts it again on the same port and etcd. */
  public void restartApiServer() {
    stopApiServer();
    startApiServer();
  }

  public synchronized void stopApiServer() {
    stop(apiServer);
    apiServer = null;
  }

  /** Starts kube-apiserver and waits until /readyz answers. */
  public synchronized void startApiServer() {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                bin.resolve("kube-apiserver").toString(),
                "--bind-address=" + address,
                "--advertise-address=" + address,
                "--secure-port=" + apiPort,
                "--tls-cert-file=" + dir.resolve("server.crt"),
                "--tls-private-key-file=" + dir.resolve("server.key"),
                "--client-ca-file=" + dir.resolve("ca.crt"),
                "--etcd-servers=http://127.0.0.1:" + etcdPort,
                "--service-account-issuer=https://kubernetes.default.svc",
                "--service-account-key-file=" + dir.resolve("sa.key"),
                "--service-account-signing-key-file=" + dir.resolve("sa.key"),
                "--allow-privileged=true"));
    if (node == null) {
      cmd.addAll(
          List.of(
              "--endpoint-reconciler-type=none",
              "--authorization-mode=RBAC",
              "--service-cluster-ip-range=10.0.0.0/24",
              "--disable-admission-plugins=ServiceAccount"));
    } else {
      // A kubelet and pods: the kubernetes Service's endpoint is this address (lease reconciler),
      // nodes are authorized as nodes, pods get their ServiceAccount's projected token, and
      // logs/exec reach the kubelet by its InternalIP (by name it would be a DNS lookup).
      cmd.addAll(
          List.of(
              "--authorization-mode=Node,RBAC",
              "--enable-admission-plugins=NodeRestriction",
              "--service-cluster-ip-range=" + node.serviceCidr(),
              "--kubelet-client-certificate=" + dir.resolve("apiserver-kubelet.crt"),
              "--kubelet-client-key=" + dir.resolve("apiserver-kubelet.key"),
              "--kubelet-certificate-authority=" + dir.resolve("ca.crt"),
              "--kubelet-preferred-address-types=InternalIP",
              "--profiling=false"));
    }
    apiServer = spawn(cmd, "kube-apiserver.log");
    waitUntilReady(Duration.ofSeconds(120));
  }

  private void startEtcd() {
    int peer = etcdPort + 1;
    etcd =
        spawn(
            List.of(
                bin.resolve("etcd").toString(),
                "--data-dir=" + dir.resolve("etcd-data"),
                "--listen-client-urls=http://127.0.0.1:" + etcdPort,
                "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
                "--listen-peer-urls=http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls=http://127.0.0.1:" + peer,
                "--initial-cluster=default=http://127.0.0.1:" + peer,
                "--unsafe-no-fsync"),
            "etcd.log");
  }

  private void waitUntilReady(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    Exception last = null;
    while (Instant.now().isBefore(deadline)) {
      if (!apiServer.isAlive()) {
        throw new IllegalStateException(
            "kube-apiserver exited; see " + dir.resolve("kube-apiserver.log"));
      }
      try (KubernetesClient c = newClient()) {
        String ready = c.raw("/readyz");
        if (ready != null && ready.contains("ok")) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      sleep(200);
    }
    throw new IllegalStateException("kube-apiserver not ready after " + timeout, last);
  }

  /** Starts {@code command} through the launcher, output to {@code log}, its pid to pids. */
  Process spawn(List<String> command, String log) {
    return spawn(dir, launcher, command, log);
  }

  /**
   * Starts {@code command} behind {@code prefix} (a launcher such as setsid or nsenter), output
   * appended to {@code log} in {@code dir}, its pid appended to {@code dir}/pids for clean-up.
   */
  static Process spawn(Path dir, List<String> prefix, List<String> command, String log) {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(command);
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log).toFile()))
              .start();
      Files.writeString(
          dir.resolve("pids"),
          p.pid() + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void certificates() {
    try {
      Files.createDirectories(dir);
      openssl(
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "30",
          "-subj",
          "/CN=kxops-local-ca",
          "-keyout",
          "ca.key",
          "-out",
          "ca.crt");
      String sans = "IP:127.0.0.1,DNS:localhost";
      if (node != null) {
        sans +=
            ",IP:"
                + address
                + ",IP:"
                + node.serviceIp()
                + ",DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
                + ",DNS:kubernetes.default.svc.cluster.local";
      }
      issue("server", "/CN=kube-apiserver", sans);
      issue("admin", "/O=system:masters/CN=kxops-admin", null);
      openssl("genrsa", "-out", "sa.key", "2048");
      if (node != null) {
        issue("apiserver-kubelet", "/O=system:masters/CN=kube-apiserver-kubelet-client", null);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A key and a certificate signed by this cluster's CA: {@code name.key}, {@code name.crt} in the
   * work directory, with {@code subjectAltNames} (openssl syntax, e.g. "IP:10.0.0.1,DNS:x") or
   * none.
   */
  void issue(String name, String subject, String subjectAltNames) {
    try {
      String ext = null;
      if (subjectAltNames != null) {
        ext = name + ".ext";
        Files.writeString(dir.resolve(ext), "subjectAltName=" + subjectAltNames + "\n");
      }
      signed(name, subject, ext);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void signed(String name, String subject, String extFile) {
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        subject,
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr");
    List<String> sign =
        new ArrayList<>(
            List.of(
                "x509",
                "-req",
                "-in",
                name + ".csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "30",
                "-out",
                name + ".crt"));
    if (extFile != null) {
      sign.addAll(List.of("-extfile", extFile));
    }
    openssl(sign.toArray(String[]::new));
  }

  private void openssl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("openssl.log").toFile()))
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("openssl " + String.join(" ", args) + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void writeKubeconfig() {
    writeKubeconfig(kubeconfig(), "admin");
  }

  /** A kubeconfig for the user of certificate {@code cert} (see {@link #issue}). */
  Path writeKubeconfig(Path file, String cert) {
    try {
      String yaml =
          """
          apiVersion: v1
          kind: Config
          clusters:
          - name: local
            cluster:
              server: %s
              certificate-authority-data: %s
          users:
          - name: admin
            user:
              client-certificate-data: %s
              client-key-data: %s
          contexts:
          - name: local
            context: {cluster: local, user: admin, namespace: default}
          current-context: local
          """
              .formatted(server(), b64("ca.crt"), b64(cert + ".crt"), b64(cert + ".key"));
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String b64(String file) throws IOException {
    return Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve(file)));
  }

  /** Kills processes a previous, uncleanly ended run left behind (if they still run from dir). */
  public static void killLeftovers(Path dir) {
    Path pids = dir.resolve("pids");
    if (!Files.exists(pids)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(pids)) {
        if (line.isBlank()) {
          continue;
        }
        ProcessHandle.of(Long.parseLong(line.trim()))
            .filter(
                h ->
                    h.info()
                        .commandLine()
                        .map(c -> c.contains(dir.toAbsolutePath().toString()))
                        .orElse(false))
            .ifPresent(
                h -> {
                  h.destroyForcibly();
                  h.onExit().join();
                });
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void stop(Process p) {
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops kube-apiserver first (it retries etcd for minutes if etcd goes first), then etcd. */
  @Override
  public synchronized void close() {
    stop(apiServer);
    stop(etcd);
    apiServer = null;
    etcd = null;
  }

  static void deleteRecursively(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
