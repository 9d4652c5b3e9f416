/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

/**
 * A status write was refused because the resource changed since it was read (another writer, or a
 * spec edit): the reconciliation starts again from the current resource.
 */
public final class StaleResourceException extends RuntimeException {
  public StaleResourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
