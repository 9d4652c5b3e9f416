/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** One-line start-up errors about reaching the Kubernetes API server, instead of stack traces. */
final class ClusterAccess {

  static final Path TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  private ClusterAccess() {}

  /**
   * Why no API server can be configured at all, if so. fabric8 would otherwise fall back to
   * https://kubernetes.default.svc and retry for about 20 s before failing with "An error has
   * occurred."
   */
  static Optional<String> notConfigured(Map<String, String> env, Path home, Path token) {
    String kubeconfig = env.getOrDefault("KUBECONFIG", "");
    if (!kubeconfig.isBlank()) {
      for (String f : kubeconfig.split(java.io.File.pathSeparator)) {
        if (!f.isBlank() && Files.isRegularFile(Path.of(f))) {
          return Optional.empty();
        }
      }
      return Optional.of(
          "KUBECONFIG="
              + kubeconfig
              + " names no readable file: point it at a kubeconfig of the cluster to run in");
    }
    if (home != null && Files.isRegularFile(home.resolve(".kube").resolve("config"))) {
      return Optional.empty();
    }
    if (!env.getOrDefault("KUBERNETES_SERVICE_HOST", "").isBlank() && Files.isRegularFile(token)) {
      return Optional.empty();
    }
    if (!env.getOrDefault("KUBERNETES_MASTER", "").isBlank()) {
      return Optional.empty();
    }
    return Optional.of(
        "no Kubernetes API server to talk to: not in a pod (no KUBERNETES_SERVICE_HOST and"
            + " ServiceAccount token), no KUBECONFIG and no "
            + (home == null ? "~" : home)
            + "/.kube/config; set KUBECONFIG to a kubeconfig, or run the operator in the cluster"
            + " (helm/kxchangeset-operator or config/default)");
  }

  /** One line for a start-up failure that is about the API server being unreachable, if it is. */
  static Optional<String> unreachable(RuntimeException e, String masterUrl) {
    if (!(e instanceof KubernetesClientException)) {
      return Optional.empty();
    }
    IOException io = null;
    // The innermost one names the cause (ConnectException: Connection refused); fabric8 wraps it.
    for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof IOException found) {
        io = found;
      }
    }
    if (io == null) {
      return Optional.empty();
    }
    return Optional.of(
        "cannot reach the Kubernetes API server at "
            + masterUrl
            + " ("
            + io.getClass().getSimpleName()
            + (io.getMessage() == null ? "" : ": " + io.getMessage())
            + "): check KUBECONFIG and its current context, or the pod's network");
  }
}
