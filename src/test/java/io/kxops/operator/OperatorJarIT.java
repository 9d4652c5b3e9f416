/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * What ships: the operator's jar (the one the image runs, ImageIT) holds the operator and its
 * libraries, and nothing of the FinSpace emulator. An IT because it reads the packaged jar, which
 * exists only from the package phase on; it needs no API server.
 */
class OperatorJarIT {

  static final Path JAR = Path.of("target", "kxchangeset-operator.jar");

  @Test
  void theOperatorJarHoldsNoEmulatorClass() throws IOException {
    assertThat(JAR).as("the shaded operator jar (mvn package)").isRegularFile();
    List<String> entries;
    try (JarFile jar = new JarFile(JAR.toFile())) {
      entries = jar.stream().map(ZipEntry::getName).toList();
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo(Main.class.getName());
    }
    assertThat(entries)
        .as("the jar's own classes and a shaded library")
        .contains("io/kxops/operator/Main.class", "io/javaoperatorsdk/operator/Operator.class");
    assertThat(entries)
        .as("entries of the FinSpace emulator in %s", JAR)
        .noneMatch(e -> e.startsWith("io/kxops/emulator/"))
        .noneMatch(e -> e.equals("emulator-logback.xml"));
  }
}
