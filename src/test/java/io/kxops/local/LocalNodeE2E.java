/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kxops.testkit.Binaries;
import io.kxops.testkit.Cli;
import io.kxops.testkit.LocalNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The single-node cluster itself: a pod under the restricted Pod Security level runs to Ready, and
 * teardown leaves the machine as it found it — also after the process that started the node was
 * killed with SIGKILL.
 */
class LocalNodeE2E {

  static final Path DIR = Path.of("target", "e2e", "node-smoke");

  @BeforeAll
  static void onlyOnOurOwnNode() {
    assumeTrue(
        System.getenv("KXOPS_E2E_KUBECONFIG") == null,
        "the E2E layer targets an existing cluster; LocalNode's own tests do not apply");
  }

  @Test
  void aRestrictedPodRunsAndTeardownLeavesNothing() throws Exception {
    Map<String, String> before = hostSnapshot();
    try (LocalNode node = LocalNode.start(DIR.resolve("node"))) {
      System.out.println("LocalNode start timings (s): " + node.startTimings());
      try (KubernetesClient client = node.newClient()) {
        client
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName("smoke")
                    .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                    .endMetadata()
                    .build())
            .create();
        client
            .serviceAccounts()
            .inNamespace("smoke")
            .withName("default")
            .waitUntilCondition(sa -> sa != null, 60, TimeUnit.SECONDS);
        // Not restricted: refused at admission.
        Pod privileged = pod("privileged", false);
        try {
          client.resource(privileged).create();
          throw new AssertionError("a pod without the restricted securityContext was admitted");
        } catch (KubernetesClientException e) {
          assertThat(e.getCode()).isEqualTo(403);
          assertThat(e.getMessage()).contains("restricted");
        }
        client.resource(pod("pause", true)).create();
        client
            .pods()
            .inNamespace("smoke")
            .withName("pause")
            .waitUntilCondition(
                p ->
                    p != null
                        && p.getStatus() != null
                        && p.getStatus().getConditions().stream()
                            .anyMatch(
                                c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
                120,
                TimeUnit.SECONDS);
        // The node's namespace routes only the run's own addresses: no default route, so
        // nothing in it (component, pod, DNS lookup) can reach the machine's network.
        assertThat(sh("ip", "-n", "kxops-node", "route", "show", "default")).isBlank();
        assertThat(sh("ip", "-n", "kxops-node", "-4", "route", "show"))
            .doesNotContain("via")
            .contains("10.213.0.0/30", "10.213.128.0/24");
        Pod running = client.pods().inNamespace("smoke").withName("pause").get();
        assertThat(running.getStatus().getPodIP()).startsWith("10.213.128.");
        // The API server reaches the kubelet (logs) by the node's InternalIP.
        Cli cli = new Cli(DIR.resolve("cli"), node.kubeconfig());
        cli.kubectl("logs", "-n", "smoke", "pause").ok();
        System.out.println("LocalNode RSS (MiB): " + node.rssMiB());
        // kubelet's changes to host sysctls are undone as soon as the node is Ready.
        Map<String, String> now = hostSnapshot();
        before.forEach(
            (k, v) -> {
              if (k.startsWith("sysctl ")) {
                assertThat(now.get(k)).as(k).isEqualTo(v);
              }
            });
      }
    }
    assertThat(hostSnapshot()).isEqualTo(before);
  }

  @Test
  void aCrashedRunIsCleanedUpByTheNext() throws Exception {
    Map<String, String> before = hostSnapshot();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.kxops.testkit.LocalNodeMain",
                "up",
                DIR.resolve("crashed").toString()));
    Process p =
        new ProcessBuilder(cmd)
            .redirectError(Files.createDirectories(DIR).resolve("crashed.err").toFile())
            .start();
    boolean ready = false;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.equals("READY")) {
          ready = true;
          break;
        }
      }
      assertThat(ready).as("node started by a child JVM; see crashed.err").isTrue();
      p.destroyForcibly(); // SIGKILL: no shutdown hook runs, every component survives it
      p.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(Files.exists(Path.of("/run/netns/kxops-node"))).isTrue();
    LocalNode.cleanUp();
    assertThat(hostSnapshot()).isEqualTo(before);
  }

  static Pod pod(String name, boolean restricted) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("smoke")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("pause")
            .withImage(Binaries.pauseImage())
            .withImagePullPolicy("Never")
            .endContainer()
            .endSpec();
    if (restricted) {
      b.editSpec()
          .withNewSecurityContext()
          .withRunAsNonRoot(true)
          .withNewSeccompProfile()
          .withType("RuntimeDefault")
          .endSeccompProfile()
          .endSecurityContext()
          .editFirstContainer()
          .withNewSecurityContext()
          .withAllowPrivilegeEscalation(false)
          .withReadOnlyRootFilesystem(true)
          .withNewCapabilities()
          .withDrop("ALL")
          .endCapabilities()
          .endSecurityContext()
          .endContainer()
          .endSpec();
    }
    return b.build();
  }

  /**
   * What must be the same before and after: host sysctls, network interfaces, routes, iptables
   * rules, network namespaces, the fixed paths, the kubepods cgroups, mounts.
   */
  static Map<String, String> hostSnapshot() throws Exception {
    Map<String, String> s = new TreeMap<>();
    for (String sysctl :
        List.of(
            "vm/overcommit_memory",
            "vm/panic_on_oom",
            "kernel/panic",
            "kernel/panic_on_oops",
            "kernel/keys/root_maxkeys",
            "kernel/keys/root_maxbytes",
            "net/ipv4/ip_forward")) {
      // sysctl files answer only a read at offset 0: read them with sysctl(8)
      s.put("sysctl " + sysctl, sh("sysctl", "-n", sysctl.replace('/', '.')).strip());
    }
    s.put("links", sh("ip", "-o", "link", "show").replaceAll("\\\\.*", ""));
    s.put("routes", sh("ip", "route", "show", "table", "all"));
    s.put(
        "iptables",
        sh("iptables-save").replaceAll("(?m)^#.*$", "").replaceAll("\\[\\d+:\\d+\\]", ""));
    s.put("netns", sh("ip", "netns", "list"));
    for (String p :
        List.of(
            "/var/lib/kubelet",
            "/run/containerd",
            "/var/lib/cni",
            "/var/log/pods",
            "/var/log/containers",
            "/run/netns",
            "/sys/fs/cgroup/memory/kubepods",
            "/sys/fs/cgroup/cpu/kubepods")) {
      s.put("exists " + p, Boolean.toString(Files.exists(Path.of(p))));
    }
    s.put(
        "mounts",
        Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
            .map(l -> l.split(" ")[4])
            .sorted()
            .toList()
            .toString());
    return s;
  }

  static String sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }
}
