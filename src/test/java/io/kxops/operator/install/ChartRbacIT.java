/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.OperatorApp;
import io.kxops.operator.config.ConfigLoader;
import io.kxops.testkit.ApiServer;
import io.kxops.testkit.Cli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator with nothing but the chart's RBAC (as the chart's ServiceAccount, by impersonation):
 * without a permission it needs, start-up fails naming it. The operator as the chart deploys it —
 * its pod's environment, two replicas electing a leader, the hand-over — is ChartE2E's (a real
 * node), which replaced the test here that wrote that environment by hand.
 */
class ChartRbacIT {

  static final String APP_NS = "kdb";
  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final String SA = "system:serviceaccount:" + Install.NS + ":" + Install.NAME;

  static ApiServer api;
  static KubernetesClient admin;
  static FinSpaceEmulator emulator;
  static Cli cli;

  OperatorApp first;
  OperatorApp second;

  @BeforeAll
  static void install() {
    System.setProperty("aws.accessKeyId", "AKIDKXOPSTEST");
    System.setProperty("aws.secretAccessKey", "kxops-test-secret");
    api = Install.startWithoutCrd();
    admin = api.client();
    cli = new Cli(Path.of("target", "install-it", "chart-rbac"), api);
    cli.helm(
            "install",
            Install.NAME,
            Install.CHART,
            "-n",
            Install.NS,
            "--create-namespace",
            "--wait=false",
            "--set",
            "replicaCount=2")
        .ok();
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName(APP_NS).endMetadata().build())
        .create();
    emulator =
        FinSpaceEmulator.builder()
            .port(0)
            .database(ENV, "trades")
            .database(ENV, "quotes")
            .pending(Duration.ofMillis(300))
            .processing(Duration.ofMillis(700))
            .start();
  }

  @AfterAll
  static void uninstall() {
    if (emulator != null) {
      emulator.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @AfterEach
  void stopOperators() {
    for (OperatorApp app : new OperatorApp[] {first, second}) {
      if (app != null) {
        app.close();
      }
    }
  }

  /** The chart's Deployment environment, as the pod would get it, pointed at the emulator. */
  static Map<String, String> env(String podName) {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ENDPOINT_URL_FINSPACE", emulator.endpoint().toString());
    env.put("POLL_INTERVAL", "300ms");
    env.put("MAX_POLL_INTERVAL", "2s");
    env.put("RETRY_INITIAL_INTERVAL", "200ms");
    env.put("RETRY_MAX_INTERVAL", "2s");
    env.put("LEADER_ELECTION", "true");
    env.put("POD_NAMESPACE", Install.NS);
    env.put("POD_NAME", podName);
    env.put("METRICS_PORT", "0");
    env.put("HEALTH_PORT", "0");
    return env;
  }

  static OperatorApp startAsServiceAccount(String podName) {
    KubernetesClient asSa =
        api.impersonating(
            SA,
            "system:serviceaccounts",
            "system:serviceaccounts:" + Install.NS,
            "system:authenticated");
    return OperatorApp.start(ConfigLoader.load(env(podName)), asSa);
  }

  @Test
  void withoutTheStatusPermissionStartUpFailsNamingIt() {
    ClusterRole role = admin.rbac().clusterRoles().withName(Install.NAME).get();
    var rules = List.copyOf(role.getRules());
    role.getRules().removeIf(r -> r.getResources().contains("kxchangesets/status"));
    admin.resource(role).update();
    try {
      assertThatThrownBy(() -> startAsServiceAccount("op-c"))
          .hasMessageContaining("update kxchangesets/status.finspace.kxops.io");
    } finally {
      ClusterRole current = admin.rbac().clusterRoles().withName(Install.NAME).get();
      current.setRules(new java.util.ArrayList<>(rules));
      admin.resource(current).update();
    }
  }
}
