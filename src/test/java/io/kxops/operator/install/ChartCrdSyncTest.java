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
 * The chart's CRD template and kustomize's CRD copy are the CRD under crds/: both are generated
 * from it by hack/update-generated.sh, and a stale copy would install an old schema.
 */
class ChartCrdSyncTest {

  static final Path CRD = Path.of("crds", "kxchangesets.finspace.kxops.io-v1.yml");
  static final Path CHART_CRD = Path.of("helm", "kxchangeset-operator", "templates", "crd.yaml");
  static final Path KUSTOMIZE_CRD =
      Path.of("config", "crd", "bases", "kxchangesets.finspace.kxops.io-v1.yml");
  static final String REGENERATE = "; regenerate it with: hack/update-generated.sh";

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void kustomizeCopyIsTheCrd() throws IOException {
    assertThat(Files.readString(KUSTOMIZE_CRD))
        .withFailMessage(KUSTOMIZE_CRD + " differs from " + CRD + REGENERATE)
        .isEqualTo(Files.readString(CRD));
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
