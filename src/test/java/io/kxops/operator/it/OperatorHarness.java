/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.OperatorApp;
import io.kxops.operator.config.ConfigLoader;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the operator in the test JVM with the same wiring as {@code Main}, pointed at an emulator
 * through AWS_ENDPOINT_URL_FINSPACE and fast poll/retry settings.
 */
final class OperatorHarness {

  static {
    // The AWS SDK's default credential chain reads these; the emulator accepts any key.
    System.setProperty("aws.accessKeyId", "AKIDKXOPSTEST");
    System.setProperty("aws.secretAccessKey", "kxops-test-secret");
  }

  private OperatorHarness() {}

  /** The environment the tests start the operator with; {@code overrides} win. */
  static Map<String, String> env(FinSpaceEmulator emulator, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ENDPOINT_URL_FINSPACE", emulator.endpoint().toString());
    env.put("POLL_INTERVAL", "300ms");
    env.put("MAX_POLL_INTERVAL", "2s");
    env.put("RETRY_INITIAL_INTERVAL", "200ms");
    env.put("RETRY_MAX_INTERVAL", "2s");
    env.put("FINSPACE_RATE_LIMIT", "200");
    env.put("METRICS_PORT", "0");
    env.put("HEALTH_PORT", "0");
    env.putAll(overrides);
    return env;
  }

  static OperatorApp start(
      FinSpaceEmulator emulator, KubernetesClient client, Map<String, String> overrides) {
    return OperatorApp.start(ConfigLoader.load(env(emulator, overrides)), client);
  }
}
