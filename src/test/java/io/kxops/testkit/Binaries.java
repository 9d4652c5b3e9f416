/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where the binaries {@code hack/provision-binaries.sh} provides are: the one place that knows the
 * cache layout ({@code KXOPS_CACHE}, default {@code ~/.cache/kxops}) and the variables the script
 * exports to override parts of it ({@code KUBE_API_TEST_DIR}, {@code KXOPS_BIN_DIR}).
 */
public final class Binaries {

  private static final String PROVISION = "; provision them with hack/provision-binaries.sh";

  private Binaries() {}

  /** The cache root: KXOPS_CACHE, else ~/.cache/kxops. */
  public static Path cacheRoot() {
    return env("KXOPS_CACHE").orElse(Path.of(System.getProperty("user.home"), ".cache", "kxops"));
  }

  /** kube-api-test's directory (VERSION, k8s/&lt;version&gt;-&lt;os&gt;-&lt;arch&gt;/). */
  public static Path kubeApiTestDir() {
    Path dir = env("KUBE_API_TEST_DIR").orElse(cacheRoot().resolve("kube-api-test"));
    if (!Files.isRegularFile(dir.resolve("VERSION"))) {
      throw new IllegalStateException("no kube-apiserver/etcd binaries in " + dir + PROVISION);
    }
    return dir;
  }

  /**
   * The Kubernetes version of the API server the tests run (without a leading "v"): {@code
   * KUBE_API_TEST_API_SERVER_VERSION} when set (the version matrix runs some ITs a second time on
   * the oldest supported version, {@code hack/provision-binaries.sh --api-server-only}), else the
   * cache's VERSION.
   */
  public static String kubernetesVersion() {
    String chosen = System.getenv("KUBE_API_TEST_API_SERVER_VERSION");
    if (chosen != null && !chosen.isBlank()) {
      return chosen.strip().replaceFirst("^v", "");
    }
    try {
      return Files.readString(kubeApiTestDir().resolve("VERSION")).trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the binaries' VERSION" + PROVISION, e);
    }
  }

  /** The directory holding kube-apiserver, etcd and kubectl for this machine. */
  public static Path kubernetesDir() {
    Path dir = kubeApiTestDir().resolve("k8s").resolve(kubernetesVersion() + "-linux-" + arch());
    if (!Files.isExecutable(dir.resolve("kube-apiserver"))) {
      throw new IllegalStateException("no kube-apiserver in " + dir + PROVISION);
    }
    return dir;
  }

  /** The directory of kubectl and helm: KXOPS_BIN_DIR, else the cache's bin/. */
  public static Path binDir() {
    return env("KXOPS_BIN_DIR").orElse(cacheRoot().resolve("bin")).toAbsolutePath();
  }

  /** {@code name} (kubectl, helm) in {@link #binDir()}; fails if it is not there. */
  public static Path tool(String name) {
    Path tool = binDir().resolve(name);
    if (!Files.isExecutable(tool)) {
      throw new IllegalStateException(
          "no " + name + " in " + binDir() + " (set KXOPS_BIN_DIR)" + PROVISION);
    }
    return tool;
  }

  /** The node parts of {@code hack/provision-binaries.sh --node}: KXOPS_NODE_DIR, else node/. */
  public static Path nodeDir() {
    Path dir = env("KXOPS_NODE_DIR").orElse(cacheRoot().resolve("node"));
    if (!Files.isRegularFile(dir.resolve("VERSION"))) {
      throw new IllegalStateException(
          "no node binaries in " + dir + "; provision them with hack/provision-binaries.sh --node");
    }
    return dir;
  }

  /** A value of node/VERSION (k8s, containerd, pause). */
  static String nodeVersion(String key) {
    try {
      for (String l : Files.readAllLines(nodeDir().resolve("VERSION"))) {
        if (l.startsWith(key + "=")) {
          return l.substring(key.length() + 1).trim();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + nodeDir().resolve("VERSION"), e);
    }
    throw new IllegalStateException("no " + key + "= in " + nodeDir().resolve("VERSION"));
  }

  /** kubelet, kube-proxy, kube-scheduler, kube-controller-manager. */
  public static Path nodeKubernetesDir() {
    return existing(
        nodeDir().resolve("k8s").resolve(nodeVersion("k8s") + "-linux-" + arch()), "kubelet");
  }

  /** containerd, ctr, containerd-shim-runc-v2. */
  public static Path containerdDir() {
    return existing(
        nodeDir().resolve("containerd").resolve(nodeVersion("containerd") + "-linux-" + arch()),
        "containerd");
  }

  /** The pause (sandbox) image's OCI tarball. */
  public static Path pauseImageTar() {
    Path tar =
        nodeDir()
            .resolve("pause")
            .resolve("k8s-" + nodeVersion("k8s") + "-linux-" + arch())
            .resolve("pause.tar");
    if (!Files.isRegularFile(tar)) {
      throw new IllegalStateException("no " + tar + "; run hack/provision-binaries.sh --node");
    }
    return tar;
  }

  /** The pause image's name, as containerd is configured with it. */
  public static String pauseImage() {
    return nodeVersion("pause");
  }

  private static Path existing(Path dir, String binary) {
    if (!Files.isExecutable(dir.resolve(binary))) {
      throw new IllegalStateException(
          "no " + binary + " in " + dir + "; run hack/provision-binaries.sh --node");
    }
    return dir;
  }

  private static String arch() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "amd64";
  }

  private static java.util.Optional<Path> env(String name) {
    String v = System.getenv(name);
    return v == null || v.isBlank()
        ? java.util.Optional.empty()
        : java.util.Optional.of(Path.of(v));
  }
}
