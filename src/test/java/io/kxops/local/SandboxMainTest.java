/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kxops.local.SandboxWatch.Row;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sandbox's pure parts: options, the env file, the progress table. */
class SandboxMainTest {

  /** The banner's commands work as pasted: the samples are not in the default namespace. */
  @Test
  void theBannerWatchesEveryNamespace() {
    assertThat(SandboxEnv.howTo(Path.of("/repo")))
        .anySatisfy(l -> assertThat(l).contains("kubectl get kxcs -A -w"))
        .noneSatisfy(l -> assertThat(l).containsPattern("get kxcs -w"));
  }

  /** hack/sandbox.sh checks its options before it builds anything: a typo costs a second. */
  @Test
  void theScriptRejectsABadOptionBeforeBuilding() throws Exception {
    Process p =
        new ProcessBuilder("bash", "hack/sandbox.sh", "--port-base", "12")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out)
        .startsWith("error: --port-base must be a number from 1024 to 65530, got '12'")
        .doesNotContain("... binaries")
        .doesNotContain("... build");
  }

  @Test
  void defaultsAvoidCommonPortsAndTheEphemeralRange() {
    SandboxOptions o = SandboxOptions.parse().orElseThrow();
    assertThat(o).isEqualTo(SandboxOptions.DEFAULTS);
    assertThat(o.ports().keySet())
        .containsExactly(24680, 24681, 24682, 24683, 24684, 24685)
        .allMatch(p -> p < 32768)
        .doesNotContain(2379, 2380, 4566, 6443, 8080, 8081, 8443, 9090);
    assertThat(o.samples()).isTrue();
    assertThat(o.inProgress()).isEqualTo("IN_PROGRESS");
  }

  @Test
  void parsesEveryOptionInBothSpellings() {
    SandboxOptions o =
        SandboxOptions.parse(
                "--port-base",
                "30000",
                "--pending=500ms",
                "--processing",
                "1.5m",
                "--in-progress",
                "processing",
                "--no-samples")
            .orElseThrow();
    assertThat(o.portBase()).isEqualTo(30000);
    assertThat(o.emulatorPort()).isEqualTo(30003);
    assertThat(o.healthPort()).isEqualTo(30005);
    assertThat(o.pending()).isEqualTo(Duration.ofMillis(500));
    assertThat(o.processing()).isEqualTo(Duration.ofSeconds(90));
    assertThat(o.inProgress()).isEqualTo("PROCESSING");
    assertThat(o.samples()).isFalse();
    assertThat(SandboxOptions.parse("--processing", "PT2S").orElseThrow().processing())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(SandboxOptions.parse("--help")).isEmpty();
    assertThat(SandboxOptions.parse("--no-samples", "-h")).isEmpty();
  }

  @Test
  void theUsageIsTheScriptsHeaderAndNamesEveryOption() {
    String usage = SandboxOptions.usage(Path.of(""));
    assertThat(usage)
        .startsWith("The local sandbox")
        .contains("Usage: hack/sandbox.sh [options]")
        .contains("--port-base N", "--pending DURATION", "--processing DURATION")
        .contains("--in-progress STATUS", "--no-samples", "-h, --help")
        .doesNotContain("set -euo");
  }

  @Test
  void badOptionsNameTheOption() {
    assertThatThrownBy(() -> SandboxOptions.parse("--port-base", "80"))
        .hasMessageContaining("--port-base");
    assertThatThrownBy(() -> SandboxOptions.parse("--port-base", "65531"))
        .hasMessageContaining("--port-base");
    assertThatThrownBy(() -> SandboxOptions.parse("--processing", "soon"))
        .hasMessageContaining("--processing");
    assertThatThrownBy(() -> SandboxOptions.parse("--in-progress", "RUNNING"))
        .hasMessageContaining("--in-progress");
    assertThatThrownBy(() -> SandboxOptions.parse("--pending"))
        .hasMessageContaining("needs a value");
    assertThatThrownBy(() -> SandboxOptions.parse("--samples"))
        .hasMessageContaining("unknown option");
  }

  @Test
  void envFileIsSourceableExportLines() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("KUBECONFIG", "/home/a b/target/sandbox/kubeconfig");
    v.put("AWS_REGION", "us-east-1");
    v.put("ODD", "it's");
    String env = SandboxEnv.envFile(v, Path.of("/cache/bin"));
    assertThat(env)
        .contains("export KUBECONFIG='/home/a b/target/sandbox/kubeconfig'\n")
        .contains("export AWS_REGION=us-east-1\n")
        .contains("export ODD='it'\\''s'\n")
        .contains("export KXOPS_BIN_DIR=/cache/bin\n")
        .endsWith("export PATH=\"$KXOPS_BIN_DIR:$PATH\"\n");
    assertThat(SandboxEnv.envFile(v, null)).doesNotContain("PATH");
  }

  @Test
  void samplesAreAppliedInKustomizationOrder() {
    assertThat(Samples.kustomizationResources(Path.of("config/samples/kustomization.yaml")))
        .containsExactly(
            "trades-partition-put.yaml",
            "trades-sym-put.yaml",
            "trades-partition-delete.yaml",
            "trades-restate.yaml");
  }

  @Test
  void tableIsCompactAndAligned() {
    List<Row> rows =
        List.of(
            new Row("default", "trades-2020-01-02", "COMPLETED", "True", "Completed", "abc", true),
            new Row("default", "trades-sym", "-", "False", "Queued", "-", false));
    assertThat(SandboxWatch.table(rows))
        .containsExactly(
            "    NAME               STATUS     READY  REASON     CHANGESET",
            "    trades-2020-01-02  COMPLETED  True   Completed  abc",
            "    trades-sym         -          False  Queued     -");
    assertThat(SandboxWatch.summary(rows)).isEqualTo("1 -, 1 COMPLETED");
  }
}
