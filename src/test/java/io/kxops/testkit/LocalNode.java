/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node Kubernetes cluster on this machine, for the E2E layer: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, containerd (with runc and the CNI bridge plugin),
 * kubelet and kube-proxy as child processes, from the binaries {@code hack/provision-binaries.sh
 * --node} caches. Needs root. One at a time per machine (a lock in {@link #stateDir()}).
 *
 * <p><b>Network: everything in a network namespace the run creates.</b> All node components run in
 * the namespace {@value #NETNS} (through {@code nsenter --net}, so they share the host's mount
 * namespace, which kubelet and containerd need to see each other's mounts). It holds only its
 * loopback, one end of a veth pair ({@value #NODE_VETH}, the node's address {@value #NODE_IP}) and
 * the CNI bridge of the pods ({@value #POD_CIDR}); it has no default route, so nothing in it —
 * component, pod or a stray DNS lookup — can reach any address but the run's own. The other end of
 * the veth ({@value #HOST_VETH}, {@value #HOST_IP}) is in the host namespace: it is how the host
 * reaches the API server ({@link #server()}, {@link #kubeconfig()}: kubectl, helm, fabric8) and how
 * pods reach a process on the host bound to {@link #HOST_IP} (the FinSpace emulator of the tests).
 * Pod traffic to the host is masqueraded to the node's address inside the namespace, so the host
 * never needs a route to the pods, and a forward rule there drops pod traffic to anything else. The
 * addresses come from {@value #RANGE}; {@link #start} refuses to run if the host already routes any
 * of it. Node addresses are given explicitly (kubelet {@code --node-ip}, {@code
 * --hostname-override}, the API server reaches kubelets by InternalIP), pods get an empty
 * resolv.conf, and nothing is looked up in DNS. The host's iptables are not touched and its only
 * new route is the veth's own /30; kube-proxy's and the CNI plugin's rules, and {@code ip_forward},
 * are the namespace's own.
 *
 * <p><b>Teardown, also after a crash.</b> What a run creates outside its work directory is written
 * to {@code state} in {@link #stateDir()} before it is created: the namespace and veth, the fixed
 * paths the components use whatever they are told ({@link #FIXED_PATHS}, the pods' namespaces under
 * /run/netns, the kubepods cgroups), and the original values of the host sysctls kubelet changes
 * ({@link #SYSCTLS}). {@link #close()} — and the next {@link #start} after an unclean exit, or
 * {@link #cleanUp()} — kills every process of the run (by work directory, by namespace, by cgroup),
 * unmounts, deletes the namespace (and so the veth, the bridge, the rules), removes the cgroups and
 * paths and restores the sysctls. kubelet sets {@code vm.overcommit_memory=1}, {@code
 * kernel.panic=10}, {@code kernel.panic_on_oops=1} and two key limits when it starts (it cannot be
 * told not to); they are restored as soon as the node is Ready, and again at teardown.
 */
public final class LocalNode implements AutoCloseable {

  public static final String NODE_NAME = "kxops-node";
  static final String NETNS = "kxops-node";
  static final String HOST_VETH = "kxops-h0";
  static final String NODE_VETH = "kxops-n0";
  static final String RANGE = "10.213.0.0/16";

  /** The host's end of the veth: bind a server here for pods to reach it. */
  public static final String HOST_IP = "10.213.0.1";

  /** The node's address: the API server, the kubelet. */
  public static final String NODE_IP = "10.213.0.2";

  public static final String POD_CIDR = "10.213.128.0/24";
  static final String SERVICE_CIDR = "10.213.64.0/24";
  static final String SERVICE_IP = "10.213.64.1";
  static final int ETCD_PORT = 2379;
  static final int API_PORT = 6443;

  /** Paths the components use whatever they are told; a run deletes those it created. */
  static final List<Path> FIXED_PATHS =
      Stream.of(
              "/var/lib/kubelet",
              "/run/containerd",
              "/var/lib/cni",
              "/var/log/pods",
              "/var/log/containers",
              "/run/netns")
          .map(Path::of)
          .toList();

  /** Host sysctls kubelet (or a plugin) may change; recorded before, restored after. */
  static final List<String> SYSCTLS =
      List.of(
          "vm/overcommit_memory",
          "vm/panic_on_oom",
          "kernel/panic",
          "kernel/panic_on_oops",
          "kernel/keys/root_maxkeys",
          "kernel/keys/root_maxbytes",
          "net/ipv4/ip_forward",
          "net/bridge/bridge-nf-call-iptables",
          "net/netfilter/nf_conntrack_max");

  private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
  private static final Path NETNS_DIR = Path.of("/run/netns");
  private static final List<String> IN_NETNS = List.of("nsenter", "--net=/run/netns/" + NETNS);

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Map<String, Process> components = new LinkedHashMap<>();
  private final Map<String, Double> timings = new LinkedHashMap<>();
  private LocalCluster controlPlane;
  private Thread hook;
  private boolean closed;

  private LocalNode(Path dir, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Where the state file and the lock live: KXOPS_NODE_STATE_DIR, else /var/lib/kxops-node. */
  public static Path stateDir() {
    String v = System.getenv("KXOPS_NODE_STATE_DIR");
    return Path.of(v == null || v.isBlank() ? "/var/lib/kxops-node" : v);
  }

  /**
   * Cleans up after an earlier run (if its state file is there), then starts the cluster in {@code
   * workDir} (wiped first) and waits until the node is Ready and the default ServiceAccount exists.
   */
  public static LocalNode start(Path workDir) {
    Instant t0 = Instant.now();
    requireRoot();
    FileChannel channel;
    FileLock lock;
    try {
      Files.createDirectories(stateDir());
      channel =
          FileChannel.open(
              stateDir().resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        throw new IllegalStateException(
            "another LocalNode runs on this machine (lock " + stateDir().resolve("lock") + ")");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LocalNode node = new LocalNode(workDir.toAbsolutePath().normalize(), channel, lock);
    try {
      cleanUpUnlocked();
      node.hook = new Thread(node::close, "local-node-stop");
      Runtime.getRuntime().addShutdownHook(node.hook);
      node.up(t0);
      return node;
    } catch (RuntimeException | Error e) {
      try {
        node.close();
      } catch (RuntimeException stop) {
        e.addSuppressed(stop);
      }
      throw e;
    }
  }

  /** Undoes what an earlier run left behind (no-op without a state file); takes the lock. */
  public static void cleanUp() {
    requireRoot();
    try {
      Files.createDirectories(stateDir());
      try (FileChannel ch =
              FileChannel.open(
                  stateDir().resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock l = ch.tryLock()) {
        if (l == null) {
          throw new IllegalStateException("a LocalNode is running; not cleaning up");
        }
        cleanUpUnlocked();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------------------- start

  private void up(Instant t0) {
    Path kube = Binaries.kubernetesDir();
    Path nodeBin = Binaries.nodeKubernetesDir();
    Path ctdBin = Binaries.containerdDir();
    checkAddressesFree();
    LocalCluster.deleteRecursively(dir);
    mkdirs(dir);
    State state = State.create(dir);
    // Record what exists before anything is created: only what was not there is ours to delete.
    for (Path p : FIXED_PATHS) {
      if (Files.exists(p) && !p.equals(NETNS_DIR)) {
        throw new IllegalStateException(
            p
                + " exists and no LocalNode run recorded it: another kubelet/containerd uses this"
                + " machine? Remove it by hand if it is a leftover.");
      }
      if (!Files.exists(p)) {
        state.add("created", p.toString());
      }
    }
    for (Path c : kubepodsCgroups()) {
      throw new IllegalStateException(c + " exists: another kubelet runs on this machine?");
    }
    state.add("cgroups", "kubepods");
    for (String s : SYSCTLS) {
      readSysctl(s).ifPresent(v -> state.add("sysctl." + s, v));
    }
    if (Files.isDirectory(NETNS_DIR)) {
      for (String n : list(NETNS_DIR)) {
        state.add("netns.before", n);
      }
    }
    state.add("netns", NETNS);
    network();
    lap("network", t0);

    // containerd first: it does not need the API server, and the pause image must be there
    // before kubelet creates the first sandbox.
    writeContainerdConfig(ctdBin);
    components.put(
        "containerd",
        spawnDetached(
            List.of(ctdBin.resolve("containerd").toString(), "--config", path("containerd.toml")),
            "containerd.log"));
    waitFor("containerd socket", Duration.ofSeconds(60), () -> ctr("version").exitCode == 0);
    importImage(Binaries.pauseImageTar());
    lap("containerd", t0);

    controlPlane =
        LocalCluster.startForNode(
            dir,
            ETCD_PORT,
            API_PORT,
            new LocalCluster.NodeOptions(IN_NETNS, NODE_IP, SERVICE_CIDR, SERVICE_IP));
    lap("apiserver ready", t0);
    certificatesAndKubeconfigs();
    components.put(
        "kube-controller-manager",
        controlPlane.spawn(
            List.of(
                nodeBin.resolve("kube-controller-manager").toString(),
                "--kubeconfig=" + path("kcm.kubeconfig"),
                "--authentication-kubeconfig=" + path("kcm.kubeconfig"),
                "--authorization-kubeconfig=" + path("kcm.kubeconfig"),
                "--bind-address=127.0.0.1",
                "--leader-elect=false",
                "--service-account-private-key-file=" + path("sa.key"),
                "--root-ca-file=" + path("ca.crt"), // what puts ca.crt into projected tokens
                "--use-service-account-credentials=true",
                "--allocate-node-cidrs=false",
                "--service-cluster-ip-range=" + SERVICE_CIDR,
                "--cluster-cidr=" + POD_CIDR),
            "kube-controller-manager.log"));
    components.put(
        "kube-scheduler",
        controlPlane.spawn(
            List.of(
                nodeBin.resolve("kube-scheduler").toString(),
                "--kubeconfig=" + path("scheduler.kubeconfig"),
                "--authentication-kubeconfig=" + path("scheduler.kubeconfig"),
                "--authorization-kubeconfig=" + path("scheduler.kubeconfig"),
                "--bind-address=127.0.0.1",
                "--leader-elect=false"),
            "kube-scheduler.log"));
    writeKubeletConfig();
    components.put(
        "kubelet",
        controlPlane.spawn(
            List.of(
                nodeBin.resolve("kubelet").toString(),
                "--config=" + path("kubelet.yaml"),
                "--kubeconfig=" + path("kubelet.kubeconfig"),
                "--hostname-override=" + NODE_NAME,
                "--node-ip=" + NODE_IP,
                "--v=1"),
            "kubelet.log"));
    writeKubeProxyConfig();
    components.put(
        "kube-proxy",
        controlPlane.spawn(
            List.of(
                nodeBin.resolve("kube-proxy").toString(), "--config=" + path("kube-proxy.yaml")),
            "kube-proxy.log"));
    try (KubernetesClient client = newClient()) {
      waitFor("node " + NODE_NAME + " Ready", Duration.ofSeconds(120), () -> nodeReady(client));
      lap("node Ready", t0);
      restoreSysctls(State.read());
      waitFor(
          "the default ServiceAccount (kube-controller-manager)",
          Duration.ofSeconds(120),
          () -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
      lap("default ServiceAccount", t0);
    }
  }

  private void lap(String what, Instant t0) {
    timings.put(what, Duration.between(t0, Instant.now()).toMillis() / 1000.0);
    for (var e : components.entrySet()) {
      if (!e.getValue().isAlive()) {
        throw new IllegalStateException(
            e.getKey() + " exited: see " + dir.resolve(e.getKey() + ".log"));
      }
    }
  }

  private boolean nodeReady(KubernetesClient client) {
    for (var e : components.entrySet()) {
      if (!e.getValue().isAlive()) {
        throw new IllegalStateException(
            e.getKey()
                + " exited: see "
                + dir.resolve(e.getKey() + ".log")
                + "\n"
                + tail(dir.resolve(e.getKey() + ".log"), 30));
      }
    }
    Node n = client.nodes().withName(NODE_NAME).get();
    return n != null
        && n.getStatus() != null
        && n.getStatus().getConditions() != null
        && n.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private void network() {
    run("ip", "netns", "add", NETNS);
    run("ip", "link", "add", HOST_VETH, "type", "veth", "peer", "name", NODE_VETH, "netns", NETNS);
    // No IPv6 on the host's end: no link-local chatter, no router solicitations.
    writeQuietly(Path.of("/proc/sys/net/ipv6/conf", HOST_VETH, "disable_ipv6"), "1");
    run("ip", "addr", "add", HOST_IP + "/30", "dev", HOST_VETH);
    run("ip", "link", "set", HOST_VETH, "up");
    run("ip", "-n", NETNS, "link", "set", "lo", "up");
    run("ip", "-n", NETNS, "addr", "add", NODE_IP + "/30", "dev", NODE_VETH);
    run("ip", "-n", NETNS, "link", "set", NODE_VETH, "up");
    // Pods reach the host's end as the node (the host has no route to pods); nothing else
    // leaves through the veth (there is no default route either).
    netnsRun(
        "iptables",
        "-w",
        "-t",
        "nat",
        "-A",
        "POSTROUTING",
        "-s",
        POD_CIDR,
        "-o",
        NODE_VETH,
        "-j",
        "MASQUERADE");
    netnsRun("iptables", "-w", "-A", "FORWARD", "-o", NODE_VETH, "!", "-d", HOST_IP, "-j", "DROP");
  }

  private void certificatesAndKubeconfigs() {
    controlPlane.issue("kubelet-client", "/O=system:nodes/CN=system:node:" + NODE_NAME, null);
    controlPlane.issue("kubelet", "/CN=" + NODE_NAME, "IP:" + NODE_IP + ",DNS:" + NODE_NAME);
    controlPlane.issue("kcm", "/CN=system:kube-controller-manager", null);
    controlPlane.issue("scheduler", "/CN=system:kube-scheduler", null);
    controlPlane.issue("proxy", "/CN=system:kube-proxy", null);
    controlPlane.writeKubeconfig(dir.resolve("kubelet.kubeconfig"), "kubelet-client");
    controlPlane.writeKubeconfig(dir.resolve("kcm.kubeconfig"), "kcm");
    controlPlane.writeKubeconfig(dir.resolve("scheduler.kubeconfig"), "scheduler");
    controlPlane.writeKubeconfig(dir.resolve("proxy.kubeconfig"), "proxy");
  }

  private void writeContainerdConfig(Path ctdBin) {
    mkdirs(dir.resolve("cni/net.d"));
    write(
        dir.resolve("cni/net.d/10-kxops.conflist"),
        """
        {
          "cniVersion": "1.0.0",
          "name": "kxops",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "cni0",
              "isGateway": true,
              "ipMasq": false,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": "%s"}]],
                "routes": [{"dst": "0.0.0.0/0"}],
                "dataDir": "%s"
              }
            }
          ]
        }
        """
            .formatted(POD_CIDR, path("cni/ipam")));
    String runc = which("runc");
    write(
        dir.resolve("containerd.toml"),
        """
        version = 3
        root = "%1$s/containerd/root"
        state = "%1$s/containerd/state"
        disabled_plugins = ["io.containerd.internal.v1.tracing", "io.containerd.nri.v1.nri"]

        [grpc]
          address = "%1$s/containerd.sock"

        [plugins.'io.containerd.cri.v1.runtime']
          enable_selinux = false
          # runc cannot set a negative oom_score_adj on these VMs (no CAP_SYS_RESOURCE).
          restrict_oom_score_adj = true
          [plugins.'io.containerd.cri.v1.runtime'.containerd]
            default_runtime_name = "runc"
            [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
                BinaryName = "%2$s"
                SystemdCgroup = false
          [plugins.'io.containerd.cri.v1.runtime'.cni]
            bin_dirs = ["/usr/lib/cni"]
            conf_dir = "%1$s/cni/net.d"

        [plugins.'io.containerd.cri.v1.images']
          snapshotter = "overlayfs"
          [plugins.'io.containerd.cri.v1.images'.pinned_images]
            sandbox = "%3$s"
        """
            .formatted(dir, runc, Binaries.pauseImage()));
  }

  private void writeKubeletConfig() {
    write(
        dir.resolve("kubelet.yaml"),
        """
        apiVersion: kubelet.config.k8s.io/v1beta1
        kind: KubeletConfiguration
        address: %1$s
        readOnlyPort: 0
        healthzBindAddress: 127.0.0.1
        authentication:
          anonymous: {enabled: false}
          webhook: {enabled: true}
          x509: {clientCAFile: %2$s/ca.crt}
        authorization: {mode: Webhook}
        tlsCertFile: %2$s/kubelet.crt
        tlsPrivateKeyFile: %2$s/kubelet.key
        cgroupDriver: cgroupfs
        failCgroupV1: false
        failSwapOn: false
        containerRuntimeEndpoint: unix://%2$s/containerd.sock
        resolvConf: ""
        clusterDomain: cluster.local
        rotateCertificates: false
        serializeImagePulls: false
        imageGCHighThresholdPercent: 100
        imageGCLowThresholdPercent: 99
        evictionHard:
          memory.available: 100Mi
          nodefs.available: 1%%
          imagefs.available: 1%%
          nodefs.inodesFree: 1%%
        maxPods: 30
        podPidsLimit: 4096
        containerLogMaxSize: 10Mi
        """
            .formatted(NODE_IP, dir));
  }

  private void writeKubeProxyConfig() {
    write(
        dir.resolve("kube-proxy.yaml"),
        """
        apiVersion: kubeproxy.config.k8s.io/v1alpha1
        kind: KubeProxyConfiguration
        clientConnection:
          kubeconfig: %s
        mode: iptables
        hostnameOverride: %s
        clusterCIDR: %s
        metricsBindAddress: 127.0.0.1:10249
        healthzBindAddress: 127.0.0.1:10256
        nodePortAddresses: ["%s/32"]
        # Leave host-wide conntrack settings alone.
        conntrack:
          maxPerCore: 0
          min: 0
          tcpEstablishedTimeout: 0s
          tcpCloseWaitTimeout: 0s
        iptables:
          localhostNodePorts: false
        """
            .formatted(path("proxy.kubeconfig"), NODE_NAME, POD_CIDR, NODE_IP));
  }

  /** A component in the namespace, recorded in the state file and the pids file. */
  private Process spawnDetached(List<String> command, String log) {
    return LocalCluster.spawn(dir, IN_NETNS, command, log);
  }

  // ------------------------------------------------------------------------------- use

  /** The work directory: configuration, certificates, every component's log. */
  public Path dir() {
    return dir;
  }

  /** An admin kubeconfig for kubectl and helm on the host (server {@link #server()}). */
  public Path kubeconfig() {
    return controlPlane.kubeconfig();
  }

  /** The API server's URL as the host reaches it (through the veth). */
  public String server() {
    return controlPlane.server();
  }

  /** A new admin client; the caller closes it. */
  public KubernetesClient newClient() {
    return controlPlane.newClient();
  }

  /** Seconds from {@link #start} to each step (network, containerd, apiserver, node Ready...). */
  public Map<String, Double> startTimings() {
    return Map.copyOf(timings);
  }

  /**
   * Imports an OCI or Docker image tarball into containerd's k8s.io namespace; returns ctr's
   * output.
   */
  public String importImage(Path tar) {
    CommandResult r =
        ctr("images", "import", "--platform", "linux/" + arch(), tar.toAbsolutePath().toString());
    if (r.exitCode != 0) {
      throw new IllegalStateException("ctr images import " + tar + " failed:\n" + r.output);
    }
    return r.output;
  }

  /** Gives an imported image a second name (a new tag for an upgrade). */
  public void tagImage(String source, String target) {
    CommandResult r = ctr("images", "tag", "--force", source, target);
    if (r.exitCode != 0) {
      throw new IllegalStateException("ctr images tag failed:\n" + r.output);
    }
  }

  /** Removes one name of an image (the content stays while another name refers to it). */
  public void untagImage(String name) {
    CommandResult r = ctr("images", "rm", name);
    if (r.exitCode != 0) {
      throw new IllegalStateException("ctr images rm " + name + " failed:\n" + r.output);
    }
  }

  /** Stops and starts kube-apiserver (etcd keeps the state); the harness's API server outage. */
  public void restartApiServer() {
    controlPlane.restartApiServer();
  }

  /** The images containerd has (names). */
  public List<String> images() {
    // (ctr's log lines, e.g. warnings, share the output: names have no spaces)
    return ctr("images", "list", "-q").output.lines().filter(l -> l.matches("\\S+")).toList();
  }

  /** Resident memory of each node component, in MiB (from /proc). */
  public Map<String, Long> rssMiB() {
    Map<String, Long> out = new LinkedHashMap<>();
    Map<String, Process> all = new LinkedHashMap<>();
    if (controlPlane != null) {
      ProcessHandle.of(controlPlane.etcdPid()).ifPresent(h -> out.put("etcd", rss(h.pid())));
      ProcessHandle.of(controlPlane.apiServerPid())
          .ifPresent(h -> out.put("kube-apiserver", rss(h.pid())));
    }
    all.putAll(components);
    all.forEach((k, p) -> out.put(k, rss(p.pid())));
    long shims = 0;
    for (long pid : pidsWithCommandLine("containerd-shim")) {
      shims += rss(pid);
    }
    out.put("containerd-shims", shims);
    return out;
  }

  private static long rss(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return 0;
  }

  /** Stops everything and undoes what the run created (see the class comment). */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // kubelet first, so that it does not restart what is being killed.
      Process kubelet = components.get("kubelet");
      if (kubelet != null) {
        kubelet.destroyForcibly();
      }
      cleanUpUnlocked();
      if (controlPlane != null) {
        controlPlane.close();
      }
    } finally {
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        // released with the channel or the JVM
      }
      if (hook != null && !Thread.currentThread().equals(hook)) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook itself is running
        }
      }
    }
  }

  // ------------------------------------------------------------------------------- teardown

  /** The teardown itself; the caller holds the lock. Reads and finally deletes the state file. */
  private static void cleanUpUnlocked() {
    State state = State.read();
    if (state == null) {
      return;
    }
    List<String> problems = new ArrayList<>();
    Path work = Path.of(state.first("workdir"));
    if (work.getNameCount() < 2) {
      throw new IllegalStateException("refusing a work directory this shallow: " + work);
    }
    Set<String> netnsBefore = new LinkedHashSet<>(state.all("netns.before"));
    long netnsIno = netnsInode();
    // 1. processes: containers (kubepods cgroups), components and shims (their command lines
    // name the work directory), anything else in the namespace. Until none is left.
    for (int round = 0; round < 50; round++) {
      Set<Long> pids = new LinkedHashSet<>();
      for (Path cg : kubepodsCgroups()) {
        pids.addAll(cgroupProcs(cg));
      }
      pids.addAll(pidsWithCommandLine(work + "/"));
      if (netnsIno != 0) {
        pids.addAll(pidsInNetns(netnsIno));
      }
      pids.remove(ProcessHandle.current().pid());
      if (pids.isEmpty()) {
        break;
      }
      for (long pid : pids) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      sleep(100);
      if (round == 49) {
        problems.add("processes still alive: " + pids);
      }
    }
    // 2. mounts: under the work directory, the fixed paths, the pods' namespaces of this run.
    List<String> prefixes = new ArrayList<>(List.of(work.toString()));
    for (String created : state.all("created")) {
      if (!created.equals(NETNS_DIR.toString())) {
        prefixes.add(created);
      }
    }
    for (String mp : mountPoints()) {
      boolean ours = prefixes.stream().anyMatch(p -> mp.equals(p) || mp.startsWith(p + "/"));
      if (mp.startsWith(NETNS_DIR + "/")) {
        String name = mp.substring(NETNS_DIR.toString().length() + 1);
        ours |= !netnsBefore.contains(name) && (name.startsWith("cni-") || name.equals(NETNS));
      }
      if (ours) {
        CommandResult r = exec(List.of("umount", "-l", mp));
        if (r.exitCode != 0 && mountPoints().contains(mp)) {
          problems.add("umount " + mp + ": " + r.output.strip());
        }
      }
    }
    // 3. the namespace (with it the veth pair, the bridge, every iptables rule of the run).
    if (Files.exists(NETNS_DIR.resolve(NETNS))) {
      CommandResult r = exec(List.of("ip", "netns", "del", NETNS));
      if (r.exitCode != 0) {
        problems.add("ip netns del: " + r.output.strip());
      }
    }
    if (Files.exists(Path.of("/sys/class/net", HOST_VETH))) {
      exec(List.of("ip", "link", "del", HOST_VETH));
    }
    if (Files.isDirectory(NETNS_DIR)) {
      for (String n : list(NETNS_DIR)) {
        if (!netnsBefore.contains(n) && (n.startsWith("cni-") || n.equals(NETNS))) {
          try {
            Files.deleteIfExists(NETNS_DIR.resolve(n));
          } catch (IOException e) {
            problems.add("rm /run/netns/" + n + ": " + e);
          }
        }
      }
    }
    // 4. cgroups, deepest first (they empty asynchronously after their processes die).
    if (state.all("cgroups").contains("kubepods")) {
      for (Path cg : kubepodsCgroups()) {
        if (!removeCgroup(cg)) {
          problems.add("cgroup not removed: " + cg);
        }
      }
    }
    // 5. the fixed paths this run created (never across a mount: rm --one-file-system).
    for (String created : state.all("created")) {
      Path p = Path.of(created);
      if (p.equals(NETNS_DIR)) {
        if (Files.isDirectory(p) && list(p).isEmpty()) {
          exec(List.of("umount", "-l", p.toString())); // ip netns add mounts it on itself
          exec(List.of("rmdir", p.toString()));
        }
        continue;
      }
      if (Files.exists(p)) {
        CommandResult r = exec(List.of("rm", "-rf", "--one-file-system", p.toString()));
        if (r.exitCode != 0) {
          problems.add("rm " + p + ": " + r.output.strip());
        }
      }
    }
    // 6. sysctls
    problems.addAll(restoreSysctls(state));
    if (!problems.isEmpty()) {
      // Keep the state file: the next run retries.
      throw new IllegalStateException(
          "LocalNode teardown incomplete: "
              + String.join("; ", problems)
              + " (state: "
              + State.file()
              + ")");
    }
    try {
      Files.deleteIfExists(State.file());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> restoreSysctls(State state) {
    List<String> problems = new ArrayList<>();
    for (String s : SYSCTLS) {
      String want = state.first("sysctl." + s);
      if (want == null) {
        continue;
      }
      String have = readSysctl(s).orElse(null);
      if (have != null && !have.equals(want)) {
        try {
          Files.writeString(Path.of("/proc/sys", s), want);
        } catch (IOException e) {
          problems.add("sysctl " + s + " not restored to " + want + ": " + e);
        }
      }
    }
    return problems;
  }

  private static boolean removeCgroup(Path cg) {
    for (int attempt = 0; attempt < 50; attempt++) {
      if (!Files.exists(cg)) {
        return true;
      }
      try (Stream<Path> walk = Files.walk(cg)) {
        List<Path> dirs =
            walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        for (Path d : dirs) {
          try {
            Files.delete(d); // rmdir: a cgroup's control files go with it
          } catch (IOException busy) {
            // still has tasks; retry
          }
        }
      } catch (IOException | UncheckedIOException e) {
        // raced with removal
      }
      if (!Files.exists(cg)) {
        return true;
      }
      sleep(100);
    }
    return false;
  }

  static List<Path> kubepodsCgroups() {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(CGROUPS)) {
      return out;
    }
    for (String controller : list(CGROUPS)) {
      Path p = CGROUPS.resolve(controller).resolve("kubepods");
      if (Files.isDirectory(p)) {
        out.add(p);
      }
    }
    if (Files.isDirectory(CGROUPS.resolve("kubepods"))) {
      out.add(CGROUPS.resolve("kubepods")); // cgroup v2
    }
    return out;
  }

  private static Set<Long> cgroupProcs(Path cg) {
    Set<Long> pids = new LinkedHashSet<>();
    try (Stream<Path> walk = Files.walk(cg)) {
      for (Path procs : walk.filter(p -> p.endsWith("cgroup.procs")).toList()) {
        for (String l : Files.readAllLines(procs)) {
          if (!l.isBlank()) {
            pids.add(Long.parseLong(l.trim()));
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // removed meanwhile
    }
    return pids;
  }

  private static Set<Long> pidsWithCommandLine(String fragment) {
    Set<Long> pids = new LinkedHashSet<>();
    ProcessHandle.allProcesses()
        .forEach(
            h -> {
              try {
                byte[] raw =
                    Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "cmdline"));
                if (new String(raw, StandardCharsets.UTF_8).contains(fragment)) {
                  pids.add(h.pid());
                }
              } catch (IOException e) {
                // gone
              }
            });
    return pids;
  }

  private static long netnsInode() {
    Path ns = NETNS_DIR.resolve(NETNS);
    try {
      return Files.exists(ns) ? ((Number) Files.getAttribute(ns, "unix:ino")).longValue() : 0;
    } catch (IOException | UnsupportedOperationException e) {
      return 0;
    }
  }

  private static Set<Long> pidsInNetns(long inode) {
    String want = "net:[" + inode + "]";
    Set<Long> pids = new LinkedHashSet<>();
    ProcessHandle.allProcesses()
        .forEach(
            h -> {
              try {
                Path link =
                    Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "ns/net"));
                if (link.toString().equals(want)) {
                  pids.add(h.pid());
                }
              } catch (IOException | UnsupportedOperationException e) {
                // gone, or a kernel thread
              }
            });
    return pids;
  }

  /** Mount points from /proc/self/mountinfo, deepest first. */
  private static List<String> mountPoints() {
    try {
      List<String> out = new ArrayList<>();
      for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = l.split(" ");
        if (f.length > 4) {
          out.add(f[4].replace("\\040", " "));
        }
      }
      out.sort(Comparator.comparingInt(String::length).reversed());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------------------- helpers

  /** Fails unless nothing on the host already routes or owns an address of {@link #RANGE}. */
  private static void checkAddressesFree() {
    CommandResult routes = exec(List.of("ip", "-4", "-o", "route", "show", "table", "all"));
    CommandResult addrs = exec(List.of("ip", "-4", "-o", "addr", "show"));
    long[] range = cidr(RANGE);
    for (String line : (routes.output + "\n" + addrs.output).lines().toList()) {
      for (String token : line.split("\\s+")) {
        if (token.matches("\\d+\\.\\d+\\.\\d+\\.\\d+(/\\d+)?")) {
          long[] c = cidr(token.contains("/") ? token : token + "/32");
          if (c[1] == 0) {
            continue; // a default route covers everything
          }
          if (overlaps(range, c)) {
            throw new IllegalStateException(
                "the host already uses "
                    + token
                    + " ("
                    + line.strip()
                    + "), inside "
                    + RANGE
                    + ", which LocalNode needs for itself");
          }
        }
      }
    }
  }

  private static long[] cidr(String s) {
    String[] parts = s.split("/");
    long ip = 0;
    for (String o : parts[0].split("\\.")) {
      ip = (ip << 8) | Long.parseLong(o);
    }
    int bits = Integer.parseInt(parts[1]);
    long mask = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
    return new long[] {ip & mask, bits};
  }

  private static boolean overlaps(long[] a, long[] b) {
    int bits = (int) Math.min(a[1], b[1]);
    long mask = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
    return (a[0] & mask) == (b[0] & mask);
  }

  private CommandResult ctr(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Binaries.containerdDir().resolve("ctr").toString());
    cmd.addAll(List.of("--address", path("containerd.sock"), "--namespace", "k8s.io"));
    cmd.addAll(List.of(args));
    return exec(cmd);
  }

  private static void requireRoot() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("Uid:") && !l.split("\\s+")[1].equals("0")) {
          throw new IllegalStateException("LocalNode needs root (kubelet, containerd, netns)");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static java.util.Optional<String> readSysctl(String name) {
    Path p = Path.of("/proc/sys", name);
    if (!Files.exists(p)) {
      return java.util.Optional.empty();
    }
    // One read(2) with a big buffer: a sysctl read at an offset past 0 returns nothing, so
    // Files.readString (which reads one byte, then the rest) would see only the first digit.
    try (var in = Files.newInputStream(p)) {
      byte[] buf = new byte[4096];
      int n = in.read(buf);
      return java.util.Optional.of(
          n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII).strip());
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  /** A finished command: its exit code and its output (stdout and stderr). */
  public record CommandResult(int exitCode, String output) {}

  /** Runs a command (two minutes at most) and returns its exit code and output. */
  public static CommandResult exec(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new CommandResult(-1, "timed out: " + cmd);
      }
      return new CommandResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new CommandResult(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void run(String... cmd) {
    CommandResult r = exec(List.of(cmd));
    if (r.exitCode != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.output.strip());
    }
  }

  private static void netnsRun(String... cmd) {
    List<String> full = new ArrayList<>(IN_NETNS);
    full.addAll(List.of(cmd));
    run(full.toArray(String[]::new));
  }

  private static String which(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    for (String d : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new IllegalStateException(tool + " not found (apt-get install " + tool + ")");
  }

  private String path(String name) {
    return dir.resolve(name).toString();
  }

  private static String arch() {
    String a = System.getProperty("os.arch");
    return a.equals("aarch64") || a.equals("arm64") ? "arm64" : "amd64";
  }

  private static List<String> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static void mkdirs(Path p) {
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path p, String content) {
    try {
      Files.writeString(p, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeQuietly(Path p, String content) {
    try {
      Files.writeString(p, content);
    } catch (IOException e) {
      // optional
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no " + file + ")";
    }
  }

  private static void waitFor(
      String what, Duration timeout, java.util.function.BooleanSupplier ok) {
    Instant deadline = Instant.now().plus(timeout);
    Exception last = null;
    while (Instant.now().isBefore(deadline)) {
      try {
        if (ok.getAsBoolean()) {
          return;
        }
      } catch (IllegalStateException e) {
        throw e;
      } catch (RuntimeException e) {
        last = e;
      }
      sleep(200);
    }
    throw new IllegalStateException("timed out after " + timeout + " waiting for " + what, last);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The state file: key=value lines, appended before each thing is created. */
  private static final class State {
    private final List<String[]> entries = new ArrayList<>();

    static Path file() {
      return stateDir().resolve("state");
    }

    static State create(Path workDir) {
      try {
        Files.deleteIfExists(file());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      State s = new State();
      s.add("workdir", workDir.toString());
      return s;
    }

    static State read() {
      if (!Files.exists(file())) {
        return null;
      }
      State s = new State();
      try {
        for (String l : Files.readAllLines(file())) {
          int eq = l.indexOf('=');
          if (eq > 0) {
            s.entries.add(new String[] {l.substring(0, eq), l.substring(eq + 1)});
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return s.first("workdir") == null ? null : s;
    }

    void add(String key, String value) {
      entries.add(new String[] {key, value});
      try {
        Files.writeString(
            file(),
            key + "=" + value + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND,
            StandardOpenOption.SYNC);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String first(String key) {
      return entries.stream().filter(e -> e[0].equals(key)).map(e -> e[1]).findFirst().orElse(null);
    }

    List<String> all(String key) {
      return entries.stream().filter(e -> e[0].equals(key)).map(e -> e[1]).toList();
    }
  }
}
