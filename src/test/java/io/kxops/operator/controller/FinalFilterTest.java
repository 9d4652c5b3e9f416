/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.SelectableField;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The start-up probe of {@link FinalFilter#supported} names every field the CRD declares
 * selectable: a field the operator selects by that the probe left out would pass the probe on a CRD
 * that lacks it, and every read by it would then be refused.
 */
class FinalFilterTest {

  @Test
  void theStartUpProbeNamesEveryFieldTheCrdDeclaresSelectable() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(Path.of("crds", "kxchangesets.finspace.kxops.io-v1.yml")),
            CustomResourceDefinition.class);
    Set<String> declared =
        crd.getSpec().getVersions().get(0).getSelectableFields().stream()
            .map(SelectableField::getJsonPath)
            .map(p -> p.substring(1))
            .collect(Collectors.toSet());

    Set<String> probed =
        Arrays.stream(FinalFilter.everySelector().split(","))
            .map(term -> term.split("!=|=", 2)[0])
            .collect(Collectors.toSet());

    assertThat(probed).isEqualTo(declared);
  }
}
