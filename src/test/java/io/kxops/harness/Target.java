/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the resilience run's operators run and how they are disrupted: JVMs beside an API server
 * ({@link ProcessTarget}) or pods of the Helm chart on a real node ({@link NodeTarget}).
 */
interface Target extends AutoCloseable {

  /** "process" or "node", as results.json names it. */
  String name();

  KubernetesClient client();

  FinSpaceEmulator emulator();

  /** Creates a namespace (idempotent). */
  void namespace(String name);

  /**
   * Starts {@code replicas} operators with leader election, configured by {@code settings} (the
   * operator's environment variables, e.g. POLL_INTERVAL; WATCH_NAMESPACES names what they watch).
   */
  void startOperators(Map<String, String> settings, int replicas);

  /** Starts one more operator without leader election (the raised-limit part of the races). */
  void startRaised(Map<String, String> settings);

  /** The operator that holds the Lease, if it runs and is ready. */
  Optional<String> leader();

  /** Waits until a running operator holds the Lease and is ready; returns its name. */
  String awaitLeader(Duration timeout);

  /**
   * Stops the operator holding the Lease (with {@code orAll}, every operator if none is known) and
   * returns what was done to whom. {@code crash}: a hard stop (on a node: the pod deleted with
   * grace period 0, and this returns once its processes are gone); else a graceful one where the
   * target has it. {@code holdDown}: how long a process stays down before it may start again.
   */
  List<String> killLeader(boolean orAll, boolean crash, Duration holdDown);

  void restartApiServer();

  /** Lets operators come back by themselves no longer (the end of the run). */
  void stopSupervising();

  /** What restarted operators along the run, one line each. */
  List<String> restarts();

  @Override
  void close();
}
