/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

/** How the operator reacts to a failed FinSpace call. */
public enum ErrorClass {
  /** Retrying cannot help (the request itself is wrong): Stalled, no retry. */
  TERMINAL,
  /**
   * Something the changeset needs does not exist yet (GitOps may create it): retry with backoff.
   */
  WAIT_FOR_DEPENDENCY,
  /** Needs a human (permissions): retried slowly, Stalled after a bounded time. */
  BOUNDED,
  /** Throttling, server errors, conflicts, network: retry with backoff and jitter. */
  TRANSIENT
}
