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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CRD has one source, crds/ (generated from the API classes; CrdTest checks that), and the
 * installs follow it by construction: kustomize's config/crd points at crds/, and the chart reads
 * it through the link files/kxchangesets.finspace.kxops.io-v1.yml (Helm reads only files inside the
 * chart; the link makes crds/ one of them, and {@code helm package} stores the file itself). What
 * Helm renders from it is checked against a real API server by HelmChartIT.
 */
class ChartCrdSyncTest {

  static final Path CRD = Path.of("crds", "kxchangesets.finspace.kxops.io-v1.yml");
  static final Path POLICY_CRD = Path.of("crds", "kxaccesspolicies.finspace.kxops.io-v1.yml");
  static final Path CHART = Path.of("helm", "kxchangeset-operator");
  static final Path CHART_CRD_LINK = CHART.resolve("files").resolve(CRD.getFileName());
  static final Path CHART_CRD_TEMPLATE = CHART.resolve("templates").resolve("crd.yaml");
  static final Path KUSTOMIZE_CRD = Path.of("config", "crd", "kustomization.yaml");

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void kustomizeUsesTheGeneratedCrdItself() throws IOException {
    Map<?, ?> crdKustomization = YAML.readValue(KUSTOMIZE_CRD.toFile(), Map.class);
    assertThat(crdKustomization.get("resources")).isEqualTo(List.of("../../crds"));
    Map<?, ?> crds = YAML.readValue(Path.of("crds", "kustomization.yaml").toFile(), Map.class);
    assertThat(crds.get("resources"))
        .isEqualTo(List.of(CRD.getFileName().toString(), POLICY_CRD.getFileName().toString()));
    assertThat(Path.of("config", "crd", "bases")).doesNotExist();
  }

  @Test
  void chartReadsTheGeneratedCrdItself() throws IOException {
    assertThat(Files.isSymbolicLink(CHART_CRD_LINK))
        .as(CHART_CRD_LINK + " must be a link to " + CRD + ", not a copy")
        .isTrue();
    assertThat(CHART_CRD_LINK.toRealPath()).isEqualTo(CRD.toRealPath());
    Path policyLink = CHART.resolve("files").resolve(POLICY_CRD.getFileName());
    assertThat(Files.isSymbolicLink(policyLink)).as(policyLink + " must be a link").isTrue();
    assertThat(policyLink.toRealPath()).isEqualTo(POLICY_CRD.toRealPath());
    assertThat(Files.readString(CHART_CRD_TEMPLATE))
        .contains("\"files/" + CRD.getFileName() + "\"")
        .contains("\"files/" + POLICY_CRD.getFileName() + "\"");
  }

  @Test
  void chartTemplateKeepsTheCrdOnUninstallAndCanBeSwitchedOff() throws IOException {
    String template = Files.readString(CHART_CRD_TEMPLATE);
    assertThat(template).contains("\"helm.sh/resource-policy\" \"keep\"");
    List<String> actions =
        template.lines().filter(l -> l.startsWith("{{- if") || l.startsWith("{{- end")).toList();
    assertThat(actions).first().isEqualTo("{{- if .Values.crds.install }}");
    assertThat(template.strip()).endsWith("{{- end }}");
  }
}
