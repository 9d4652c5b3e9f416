/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspace.FinspaceClient;

/**
 * The SDK 2.40.2 finds the emulator through its own conventions, without endpointOverride: the
 * system property aws.endpointUrlFinspace and the environment variable AWS_ENDPOINT_URL_FINSPACE.
 */
class EndpointConventionTest {
  static FinSpaceEmulator emu;

  @BeforeAll
  static void start() {
    TestClients.quietLogging();
    emu = FinSpaceEmulator.builder().database("env1", "trades").start();
  }

  @AfterAll
  static void stop() {
    emu.close();
  }

  @Test
  void theSystemPropertyPointsTheClientAtTheEmulator() {
    System.setProperty("aws.endpointUrlFinspace", emu.endpoint().toString());
    try (FinspaceClient client =
        FinspaceClient.builder()
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "s")))
            .httpClientBuilder(ApacheHttpClient.builder())
            .build()) {
      client.listKxChangesets(b -> b.environmentId("env1").databaseName("trades"));
    } finally {
      System.clearProperty("aws.endpointUrlFinspace");
    }
    assertThat(emu.counter(Operation.LIST_KX_CHANGESETS, "200")).isEqualTo(1);
  }

  @Test
  void theEnvironmentVariablePointsAChildJvmAtTheEmulator()
      throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                EndpointEnvProbe.class.getName(),
                "env1",
                "trades",
                "env-var-token")
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("AWS_"));
    env.put("AWS_ENDPOINT_URL_FINSPACE", emu.endpoint().toString());
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    env.put("AWS_SECRET_ACCESS_KEY", "secret");
    env.put("AWS_CONFIG_FILE", "/dev/null");
    env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");

    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as(output).isZero();
    String id = emu.changesetsByClientToken().get("env-var-token").get(0);
    assertThat(output).contains("created " + id);
  }
}
