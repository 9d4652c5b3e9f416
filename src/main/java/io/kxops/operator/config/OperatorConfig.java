/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the operator can be configured with, read once from environment variables by {@link
 * ConfigLoader}. Each component maps to exactly one variable (see README, "Configuration").
 */
public record OperatorConfig(
    Optional<String> region,
    Optional<URI> finspaceEndpoint,
    Set<String> watchNamespaces,
    Duration pollInterval,
    Duration maxPollInterval,
    int maxInFlightPerDatabase,
    double finspaceRateLimit,
    int finspaceMaxAttempts,
    int reconcileThreads,
    Duration retryInitialInterval,
    Duration retryMaxInterval,
    Duration accessDeniedStallAfter,
    Duration adoptAfter,
    Duration queueYieldAfter,
    boolean leaderElection,
    String leaderElectionNamespace,
    String leaderElectionLeaseName,
    String identity,
    int metricsPort,
    int healthPort,
    LogFormat logFormat,
    String logLevel) {

  /** How log lines are written. */
  public enum LogFormat {
    JSON,
    TEXT
  }

  /** True when every namespace is watched. */
  public boolean watchesAllNamespaces() {
    return watchNamespaces.isEmpty();
  }
}
