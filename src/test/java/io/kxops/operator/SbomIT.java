/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The build writes a CycloneDX SBOM of what the operator's jar holds, for a scanner to read; the
 * versions in it are the ones that fixed known vulnerabilities. An IT because the SBOM is written
 * in the package phase.
 */
class SbomIT {

  static final Path SBOM = Path.of("target", "bom.json");

  static Map<String, String> components() throws IOException {
    JsonNode bom = new ObjectMapper().readTree(SBOM.toFile());
    assertThat(bom.path("bomFormat").asText()).isEqualTo("CycloneDX");
    Map<String, String> out = new HashMap<>();
    bom.path("components")
        .forEach(
            c ->
                out.put(
                    c.path("group").asText() + ":" + c.path("name").asText(),
                    c.path("version").asText()));
    return out;
  }

  static int[] version(String v) {
    String[] parts = v.split("[.-]");
    return new int[] {
      Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])
    };
  }

  @Test
  void theSbomListsWhatShipsAtFixedVersions() throws IOException {
    assertThat(SBOM).as("the CycloneDX SBOM (mvn package)").isRegularFile();
    Map<String, String> c = components();
    assertThat(c)
        .containsKeys(
            "io.javaoperatorsdk:operator-framework-core",
            "io.fabric8:kubernetes-client",
            "software.amazon.awssdk:sdk-core",
            "ch.qos.logback:logback-core")
        .containsEntry("software.amazon.awssdk:finspace", "2.40.2");
    for (String logback :
        new String[] {"ch.qos.logback:logback-classic", "ch.qos.logback:logback-core"}) {
      int[] v = version(c.get(logback));
      assertThat(v[0] == 1 && v[1] == 5 && v[2] >= 35 || v[0] == 1 && v[1] > 5 || v[0] > 1)
          .as(
              "%s %s fixes CVE-2025-11226 and the others (1.5.35 or later)",
              logback, c.get(logback))
          .isTrue();
    }
    // Only what ships: no test libraries, no emulator.
    assertThat(c.keySet())
        .noneMatch(k -> k.startsWith("org.junit"))
        .doesNotContain("io.kxops:finspace-emulator", "org.assertj:assertj-core");
  }
}
