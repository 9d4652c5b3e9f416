/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.FinSpaceException;

/**
 * A FinSpace call failed during a reconciliation, together with the resource as it was when the
 * call failed (a create intent may have been written during the same reconciliation), so that the
 * failure is recorded on top of the latest status.
 */
public final class ReconcileFailure extends RuntimeException {

  private final transient KxChangeset latest;

  public ReconcileFailure(KxChangeset latest, FinSpaceException cause) {
    super(cause.getMessage(), cause);
    this.latest = latest;
  }

  public KxChangeset latest() {
    return latest;
  }

  public FinSpaceException failure() {
    return (FinSpaceException) getCause();
  }
}
