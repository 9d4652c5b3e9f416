/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.testkit.OperatorProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Operators as JVMs (the jar, the chart's JVM flags) beside etcd and kube-apiserver. */
final class ProcessTarget implements Target {

  private final Harness h;
  private int next;

  ProcessTarget(Path dir, FinSpaceEmulator.Builder emulator, Consumer<String> log) {
    this.h = Harness.start(dir, emulator, log);
  }

  @Override
  public String name() {
    return "process";
  }

  @Override
  public KubernetesClient client() {
    return h.client();
  }

  @Override
  public FinSpaceEmulator emulator() {
    return h.emulator();
  }

  @Override
  public void namespace(String name) {
    h.namespace(name);
  }

  private Map<String, String> env(Map<String, String> settings) {
    Map<String, String> env = h.operatorEnv(settings.get("WATCH_NAMESPACES"));
    env.putAll(settings);
    return env;
  }

  @Override
  public void startOperators(Map<String, String> settings, int replicas) {
    Map<String, String> env = env(settings);
    env.put("LEADER_ELECTION", "true");
    for (int i = 0; i < replicas; i++) {
      h.operator("operator-" + next++, env, Harness.chartJvmOptions()).start();
    }
    h.supervise(Duration.ofSeconds(2));
  }

  @Override
  public void startRaised(Map<String, String> settings) {
    Map<String, String> env = env(settings);
    env.put("LEADER_ELECTION", "false");
    h.operator("operator-raised", env, Harness.chartJvmOptions()).start();
  }

  @Override
  public Optional<String> leader() {
    return h.leader()
        .filter(OperatorProcess::alive)
        .filter(OperatorProcess::ready)
        .map(OperatorProcess::name);
  }

  @Override
  public String awaitLeader(Duration timeout) {
    return h.awaitLeader(timeout).name();
  }

  /** Always SIGKILL (a process has no graceful stop that a kubelet would give it here). */
  @Override
  public List<String> killLeader(boolean orAll, boolean crash, Duration holdDown) {
    Optional<OperatorProcess> leader = h.leader().filter(OperatorProcess::alive);
    List<OperatorProcess> victims = new ArrayList<>();
    if (leader.isPresent()) {
      victims.add(leader.get());
    } else if (orAll) {
      h.operators().stream().filter(OperatorProcess::alive).forEach(victims::add);
    }
    List<String> names = new ArrayList<>();
    for (OperatorProcess p : victims) {
      names.add("SIGKILL " + p.name() + " (pid " + p.pid() + ")");
      p.killAndHoldDown(holdDown);
    }
    return names;
  }

  @Override
  public void restartApiServer() {
    h.cluster().restartApiServer();
  }

  @Override
  public void stopSupervising() {
    h.stopSupervising();
  }

  @Override
  public List<String> restarts() {
    return h.restarts();
  }

  @Override
  public void close() {
    h.close();
  }
}
