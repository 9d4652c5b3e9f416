/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the E2E layer runs: by default our own {@link LocalNode}, with the operator's image tarball
 * ({@code target/kxchangeset-operator-image.tar}, or KXOPS_E2E_IMAGE_TAR) imported into its
 * containerd; or, when KXOPS_E2E_KUBECONFIG is set, an existing cluster (Kind, k3s, EKS...): then
 * KXOPS_E2E_IMAGE names the operator image the cluster can run, and KXOPS_E2E_EMULATOR_HOST an
 * address of this machine that the cluster's pods reach (the tests' FinSpace emulator binds there).
 */
public final class E2eCluster implements AutoCloseable {

  private final LocalNode node;
  private final Path kubeconfig;
  private final String image;
  private final String emulatorHost;

  private E2eCluster(LocalNode node, Path kubeconfig, String image, String emulatorHost) {
    this.node = node;
    this.kubeconfig = kubeconfig;
    this.image = image;
    this.emulatorHost = emulatorHost;
  }

  /** An existing cluster if KXOPS_E2E_KUBECONFIG is set, else a new {@link LocalNode}. */
  public static E2eCluster start(Path workDir) {
    String external = env("KXOPS_E2E_KUBECONFIG");
    if (external != null) {
      return new E2eCluster(
          null,
          Path.of(external),
          required("KXOPS_E2E_IMAGE", "the operator image the cluster can run"),
          required(
              "KXOPS_E2E_EMULATOR_HOST",
              "an address of this machine the cluster's pods reach, for the FinSpace emulator"));
    }
    Path tar =
        Path.of(
            Optional.ofNullable(env("KXOPS_E2E_IMAGE_TAR"))
                .orElse("target/kxchangeset-operator-image.tar"));
    if (!Files.isRegularFile(tar)) {
      throw new IllegalStateException(
          "no operator image " + tar + " (build it: mvn -B package), or set KXOPS_E2E_IMAGE_TAR");
    }
    LocalNode node = LocalNode.start(workDir.resolve("node"));
    try {
      String image = importNamed(node, tar, workDir);
      return new E2eCluster(node, node.kubeconfig(), image, LocalNode.HOST_IP);
    } catch (RuntimeException | Error e) {
      try {
        node.close();
      } catch (RuntimeException stop) {
        e.addSuppressed(stop);
      }
      throw e;
    }
  }

  /**
   * Imports an OCI image tarball under a registry-qualified name, and returns the name. A name
   * without a registry part (e.g. {@code kxops/kxchangeset-operator:TAG} in the {@code
   * org.opencontainers.image.ref.name} of the index) is one the kubelet and containerd's CRI plugin
   * expand to a public registry's, which is not the name ctr stores: such an image is imported from
   * a copy whose index carries {@code io.containerd.image.name: kxops.local/<name>} (what ctr
   * prefers), like the pause image, so that the pod spec names exactly what containerd holds and
   * nothing is ever pulled. KXOPS_E2E_IMAGE overrides the name.
   */
  static String importNamed(LocalNode node, Path tar, Path workDir) {
    try {
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      var index = LocalNode.exec(List.of("tar", "-xOf", tar.toString(), "index.json"));
      if (index.exitCode() != 0) {
        throw new IllegalStateException(tar + " has no index.json: not an OCI image tarball?");
      }
      var root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(index.output());
      var manifests = root.withArray("manifests");
      if (manifests.size() != 1) {
        throw new IllegalStateException(tar + ": expected one manifest in index.json");
      }
      var annotations =
          ((com.fasterxml.jackson.databind.node.ObjectNode) manifests.get(0))
              .withObjectProperty("annotations");
      String ref = annotations.path("org.opencontainers.image.ref.name").asText("");
      String name = env("KXOPS_E2E_IMAGE");
      if (name == null) {
        if (!ref.contains(":")) {
          throw new IllegalStateException(tar + " names no image; set KXOPS_E2E_IMAGE");
        }
        String first = ref.substring(0, Math.max(0, ref.indexOf('/')));
        boolean qualified = first.contains(".") || first.contains(":") || first.equals("localhost");
        name = qualified ? ref : "kxops.local/" + ref;
      }
      if (name.equals(ref)) {
        node.importImage(tar);
      } else {
        // A copy with the name: extracted and packed again (tar --delete mangles some archives).
        Path copy = workDir.toAbsolutePath().resolve("import");
        LocalCluster.deleteRecursively(copy);
        Files.createDirectories(copy);
        run(List.of("tar", "-xf", tar.toAbsolutePath().toString(), "-C", copy.toString()));
        annotations.put("io.containerd.image.name", name);
        Files.writeString(copy.resolve("index.json"), json.writeValueAsString(root));
        Path repacked = workDir.toAbsolutePath().resolve("import.tar");
        run(
            List.of(
                "tar",
                "-cf",
                repacked.toString(),
                "-C",
                copy.toString(),
                "oci-layout",
                "index.json",
                "blobs"));
        node.importImage(repacked);
        Files.delete(repacked);
        LocalCluster.deleteRecursively(copy);
      }
      if (!node.images().contains(name)) {
        throw new IllegalStateException(
            "importing " + tar + " did not add " + name + ": " + node.images());
      }
      return name;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void run(List<String> cmd) {
    var r = LocalNode.exec(cmd);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + r.output());
    }
  }

  /** Our own node, or empty for an existing cluster. */
  public Optional<LocalNode> node() {
    return Optional.ofNullable(node);
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The operator image, repository:tag. */
  public String image() {
    return image;
  }

  public String repository() {
    int colon = image.lastIndexOf(':');
    return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
  }

  public String tag() {
    int colon = image.lastIndexOf(':');
    return colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "latest";
  }

  /**
   * The operator image under another tag, for an upgrade: our node tags it in containerd; on an
   * existing cluster KXOPS_E2E_IMAGE_UPGRADE must name a second image (or the same one).
   */
  public String imageWithTag(String newTag) {
    if (node == null) {
      return Optional.ofNullable(env("KXOPS_E2E_IMAGE_UPGRADE")).orElse(image);
    }
    String target = repository() + ":" + newTag;
    node.tagImage(image, target);
    return target;
  }

  /** Where the emulator binds, so that pods reach it. */
  public String emulatorHost() {
    return emulatorHost;
  }

  /** A new admin client; the caller closes it. */
  public KubernetesClient newClient() {
    try {
      Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
      config.setRequestTimeout(30_000);
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (node != null) {
      node.close();
    }
  }

  private static String env(String name) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static String required(String name, String what) {
    String v = env(name);
    if (v == null) {
      throw new IllegalStateException(
          "KXOPS_E2E_KUBECONFIG is set, so " + name + " must be too: " + what);
    }
    return v;
  }
}
