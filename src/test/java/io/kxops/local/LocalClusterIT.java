/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.testkit.LocalCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The harnesses' cluster: a restarted API server keeps its port and its data. */
class LocalClusterIT {

  @Test
  void restartKeepsPortAndData() {
    try (LocalCluster cluster =
        LocalCluster.start(
            Path.of("target", "local-cluster-it"),
            LocalCluster.freePort(),
            LocalCluster.freePort())) {
      try (KubernetesClient c = cluster.newClient()) {
        c.resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("survives")
                    .withNamespace("default")
                    .endMetadata()
                    .addToData("k", "v")
                    .build())
            .create();
      }
      cluster.restartApiServer();
      try (KubernetesClient c = cluster.newClient()) {
        assertThat(c.configMaps().inNamespace("default").withName("survives").get().getData())
            .containsEntry("k", "v");
      }
    }
  }
}
