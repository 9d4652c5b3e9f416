/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed KxAccessPolicy CRD is what the classes generate. */
class AccessPolicyCrdTest {

  static final String FILE = "kxaccesspolicies.finspace.kxops.io-v1.yml";
  static final Path COMMITTED = Path.of("crds", FILE);
  static final Path GENERATED = Path.of("target", "classes", "META-INF", "fabric8", FILE);

  @Test
  void committedCrdMatchesWhatTheClassesGenerate() throws IOException {
    assertThat(Files.readString(COMMITTED))
        .as(COMMITTED + " differs from the classes; regenerate it with hack/update-generated.sh")
        .isEqualTo(Files.readString(GENERATED));
  }

  @Test
  void namespacedSoThatAdmissionResolvesOnePolicyPerNamespace() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(COMMITTED), CustomResourceDefinition.class);
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("KxAccessPolicy");
    assertThat(crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getRequired())
        .contains("spec");
  }
}
