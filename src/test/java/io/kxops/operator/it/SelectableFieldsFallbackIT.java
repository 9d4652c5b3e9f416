/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.testkit.ApiServer;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link OperatorE2EIT} again, against an API server that cannot select KxChangesets
 * by status: the CRD is installed without its selectableFields, as on Kubernetes 1.30 (the
 * CustomResourceFieldSelectors gate is alpha and off there) or on a cluster that kept the CRD of an
 * older release. The operator must fall back to caching final resources and still work.
 */
class SelectableFieldsFallbackIT extends OperatorE2EIT {

  /** The API server {@link OperatorE2EIT#startCluster} starts for this class. */
  static ApiServer withoutSelectableFields() {
    return ApiServer.start(
        crd -> crd.getSpec().getVersions().forEach(v -> v.setSelectableFields(null)));
  }

  @Test
  void theApiServerRefusesTheFieldSelectorAndTheOperatorFallsBack() {
    assertThat(selectsByStatus()).isFalse();
    assertThatThrownBy(
            () ->
                client
                    .resources(KxChangeset.class)
                    .inNamespace(NS)
                    .withField("status.status", "COMPLETED")
                    .list())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(400));
  }
}
