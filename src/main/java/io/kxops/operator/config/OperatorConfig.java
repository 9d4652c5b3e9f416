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
    boolean refuseRepeatedHistory,
    boolean leaderElection,
    String leaderElectionNamespace,
    String leaderElectionLeaseName,
    String identity,
    int metricsPort,
    int healthPort,
    int metricsLabelLimit,
    LogFormat logFormat,
    String logLevel,
    Access access) {

  /**
   * Who may target what (issue 19): the name of a namespace's KxAccessPolicy, whether a namespace
   * needs one, the regions any KxChangeset may target (empty: any well-formed region), and the STS
   * endpoint the operator assumes a policy's role through (empty: the SDK's own for the region).
   */
  public record Access(
      String policyName,
      boolean policyRequired,
      Set<String> allowedRegions,
      Optional<URI> stsEndpoint) {

    /** The defaults: policy finspace-access, not required, any region, STS as the SDK finds it. */
    public static Access defaults() {
      return new Access(DEFAULT_POLICY_NAME, false, Set.of(), Optional.empty());
    }
  }

  /** ACCESS_POLICY_NAME's default. */
  public static final String DEFAULT_POLICY_NAME = "finspace-access";

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
