/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A real kube-apiserver and etcd (fabric8 kube-api-test), one per IT class, from the binaries
 * {@code hack/provision-binaries.sh} puts in the cache; the CRD from {@code crds/} is installed.
 *
 * <p>Why both this and {@link LocalCluster}: this one is what the ITs need and nothing more —
 * ephemeral ports kube-api-test picks, certificates made in-process, no child-process bookkeeping —
 * and it is the rig the fabric8 project itself maintains for exactly this use. {@link LocalCluster}
 * exists for what kube-api-test cannot do: restart the API server on the same port and etcd data
 * (the resilience harness), and run detached with fixed ports for hours (the sandbox).
 */
public final class ApiServer implements AutoCloseable {

  public static final Path CRD = Path.of("crds", "kxchangesets.finspace.kxops.io-v1.yml");

  /** The KxAccessPolicy CRD, which the operator watches (it re-checks creates against it). */
  public static final Path POLICY_CRD =
      Path.of("crds", "kxaccesspolicies.finspace.kxops.io-v1.yml");

  private final KubeAPIServer server;
  private final String kubeconfig;
  private final KubernetesClient client;
  private final String version;

  private ApiServer(KubeAPIServer server, String version) {
    this.server = server;
    this.version = version;
    this.kubeconfig = server.getKubeConfigYaml();
    this.client = newClient();
  }

  /** Starts etcd and kube-apiserver and installs the CRD. */
  public static ApiServer start() {
    return start(crd -> {});
  }

  /**
   * Starts etcd and kube-apiserver and installs the KxChangeset CRD with {@code edit} applied (for
   * example without its selectable fields, as a cluster that installed an older CRD has it).
   */
  public static ApiServer start(Consumer<CustomResourceDefinition> edit) {
    return start(edit, true);
  }

  /**
   * Starts etcd and kube-apiserver with no CRD installed (for installs that bring their own).
   * Installing the CRDs and deleting them again made the test wait for the API server's CRD
   * cleanup, which once took more than a minute right after start-up (ChartRbacIT in CI).
   */
  public static ApiServer startWithoutCrds() {
    return start(crd -> {}, false);
  }

  private static ApiServer start(Consumer<CustomResourceDefinition> edit, boolean installCrds) {
    Path dir = Binaries.kubeApiTestDir();
    String version = Binaries.kubernetesVersion();
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir.toString())
                .withApiServerVersion(version)
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .build());
    ApiServer api = null;
    try {
      server.start();
      api = new ApiServer(server, version);
      if (installCrds) {
        api.installCrd(edit);
      }
      return api;
    } catch (RuntimeException | Error e) {
      // A failed start must not leave etcd or kube-apiserver running for the rest of the build.
      try {
        if (api != null) {
          api.close();
        } else {
          server.stop();
        }
      } catch (RuntimeException stop) {
        e.addSuppressed(stop);
      }
      throw e;
    }
  }

  /** The Kubernetes version of this API server (as {@link Binaries#kubernetesVersion()}). */
  public String version() {
    return version;
  }

  /** A client with cluster-admin rights (the kubeconfig kube-api-test writes). */
  public KubernetesClient client() {
    return client;
  }

  /** A new admin client; the caller closes it. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
  }

  /** A client that impersonates {@code user} (and its groups), so only that user's RBAC applies. */
  public KubernetesClient impersonating(String user, String... groups) {
    Config config = Config.fromKubeconfig(kubeconfig);
    config.setImpersonateUsername(user);
    config.setImpersonateGroups(groups);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  public String kubeconfigYaml() {
    return kubeconfig;
  }

  /** Writes the kubeconfig to {@code file} (for kubectl and helm). */
  public Path writeKubeconfig(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, kubeconfig);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void installCrd(Consumer<CustomResourceDefinition> edit) {
    LocalCluster.installCrd(client, CRD, edit);
    LocalCluster.installCrd(client, POLICY_CRD);
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.stop();
    }
  }
}
