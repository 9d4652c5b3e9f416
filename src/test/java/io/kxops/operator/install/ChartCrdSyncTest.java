/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The chart's CRD template is the CRD under crds/ (generated from it by hack/update-generated.sh:
 * Helm cannot read files outside the chart, and a stale copy would install an old schema), and
 * kustomize uses crds/ itself.
 */
class ChartCrdSyncTest {

  static final Path CRD = Path.of("crds", "kxchangesets.finspace.kxops.io-v1.yml");
  static final Path CHART_CRD = Path.of("helm", "kxchangeset-operator", "templates", "crd.yaml");
  static final Path KUSTOMIZE_CRD = Path.of("config", "crd", "kustomization.yaml");
  static final String REGENERATE = "; regenerate it with: hack/update-generated.sh";

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void kustomizeUsesTheGeneratedCrdItself() throws IOException {
    Map<?, ?> crdKustomization = YAML.readValue(KUSTOMIZE_CRD.toFile(), Map.class);
    assertThat(crdKustomization.get("resources")).isEqualTo(java.util.List.of("../../crds"));
    Map<?, ?> crds = YAML.readValue(Path.of("crds", "kustomization.yaml").toFile(), Map.class);
    assertThat(crds.get("resources")).isEqualTo(java.util.List.of(CRD.getFileName().toString()));
    assertThat(Path.of("config", "crd", "bases")).doesNotExist();
  }

  @Test
  void chartTemplateIsTheCrdWithHelmMetadata() throws IOException {
    String template = Files.readString(CHART_CRD);
    // The template's own lines are whole-line actions ({{ if }}, {{ include }}, {{ end }}); what
    // is left is YAML: the CRD plus the annotations and labels the template adds.
    String yaml =
        template.lines().filter(l -> !l.strip().startsWith("{{")).collect(Collectors.joining("\n"));
    Map<?, ?> chart = YAML.readValue(yaml, Map.class);
    Map<?, ?> metadata = (Map<?, ?>) chart.get("metadata");
    assertThat(metadata.get("annotations"))
        .as("the chart's CRD must survive helm uninstall")
        .isEqualTo(Map.of("helm.sh/resource-policy", "keep"));
    metadata.remove("annotations");
    metadata.remove("labels");

    assertThat(chart)
        .withFailMessage(CHART_CRD + " is not " + CRD + " with Helm's metadata" + REGENERATE)
        .isEqualTo(YAML.readValue(Files.readString(CRD), Map.class));
  }

  @Test
  void chartTemplateCanBeSwitchedOff() throws IOException {
    String template = Files.readString(CHART_CRD).strip();
    assertThat(template.lines().skip(1).findFirst()).hasValue("{{- if .Values.crds.install }}");
    assertThat(template).endsWith("{{- end }}");
  }
}
