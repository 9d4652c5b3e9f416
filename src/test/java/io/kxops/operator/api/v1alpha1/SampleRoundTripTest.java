/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every sample survives YAML → KxChangeset → YAML without losing or inventing a field. */
class SampleRoundTripTest {

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static List<Path> samples() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("config", "samples"))) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".yaml"))
          .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
          .sorted()
          .toList();
    }
  }

  @ParameterizedTest
  @MethodSource("samples")
  void roundTripsWithoutLoss(Path sample) throws IOException {
    String text = Files.readString(sample);
    KxChangeset resource = Serialization.unmarshal(text, KxChangeset.class);

    JsonNode original = YAML.readTree(text);
    JsonNode again = YAML.readTree(Serialization.asYaml(resource));
    assertThat(again).isEqualTo(original);

    assertThat(resource.getSpec().getChangeRequests()).isNotEmpty();
    assertThat(resource.getStatus()).isNull();
  }

  @ParameterizedTest
  @MethodSource("samples")
  void samplesSatisfyTheModelPatterns(Path sample) throws IOException {
    KxChangeset r = Serialization.unmarshal(Files.readString(sample), KxChangeset.class);
    KxChangesetSpec s = r.getSpec();
    assertThat(s.getEnvironmentId()).matches(KxChangesetSpec.ENVIRONMENT_ID_PATTERN);
    assertThat(s.getDatabaseName()).matches(KxChangesetSpec.DATABASE_NAME_PATTERN);
    for (ChangeRequest c : s.getChangeRequests()) {
      assertThat(c.getDbPath())
          .matches(ChangeRequest.DB_PATH_PATTERN)
          .startsWith("/")
          .endsWith("/");
      if (c.getChangeType() == ChangeType.PUT) {
        assertThat(c.getS3Path()).matches(ChangeRequest.S3_PATH_PATTERN);
      } else {
        assertThat(c.getS3Path()).isNull();
      }
    }
  }
}
