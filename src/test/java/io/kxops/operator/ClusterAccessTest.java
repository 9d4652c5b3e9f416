/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which start-up situations get a one-line answer instead of a stack trace. */
class ClusterAccessTest {

  @TempDir Path home;

  @Test
  void nothingConfiguredSaysWhatToSet() {
    Path noToken = home.resolve("token");
    assertThat(ClusterAccess.notConfigured(Map.of(), home, noToken))
        .get()
        .asString()
        .contains("no Kubernetes API server")
        .contains("set KUBECONFIG")
        .doesNotContain("\n");
  }

  @Test
  void aKubeconfigFileAnInClusterTokenOrAHomeConfigIsEnough() throws IOException {
    Path token = Files.writeString(home.resolve("token"), "t");
    Path kubeconfig = Files.writeString(home.resolve("kc"), "apiVersion: v1");
    assertThat(
            ClusterAccess.notConfigured(Map.of("KUBECONFIG", kubeconfig.toString()), home, token))
        .isEmpty();
    assertThat(
            ClusterAccess.notConfigured(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"), home, token))
        .isEmpty();
    Files.createDirectories(home.resolve(".kube"));
    Files.writeString(home.resolve(".kube/config"), "apiVersion: v1");
    assertThat(ClusterAccess.notConfigured(Map.of(), home, home.resolve("none"))).isEmpty();
  }

  @Test
  void aKubeconfigVariableNamingNoFileIsNamed() {
    assertThat(
            ClusterAccess.notConfigured(
                Map.of("KUBECONFIG", "/nowhere/kubeconfig"), home, home.resolve("none")))
        .get()
        .asString()
        .startsWith("KUBECONFIG=/nowhere/kubeconfig names no readable file");
  }

  @Test
  void anUnreachableServerIsOneLineNamingIt() {
    var e =
        new KubernetesClientException(
            "An error has occurred.", new ConnectException("Connection refused"));
    assertThat(ClusterAccess.unreachable(e, "https://127.0.0.1:1/"))
        .get()
        .asString()
        .isEqualTo(
            "cannot reach the Kubernetes API server at https://127.0.0.1:1/ (ConnectException:"
                + " Connection refused): check KUBECONFIG and its current context, or the pod's"
                + " network");
    assertThat(ClusterAccess.unreachable(new IllegalStateException("x"), "u")).isEmpty();
  }
}
