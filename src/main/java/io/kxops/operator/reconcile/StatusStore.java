/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;

/** Where the reconcile logic writes a resource's status; the controller's one status writer. */
public interface StatusStore {

  /**
   * Writes {@code next} as the status of {@code r}, only if {@code r} has not changed since it was
   * read (otherwise {@link StaleResourceException}); writes nothing when {@code next} equals the
   * current status. Returns the resource as it now is.
   */
  KxChangeset write(KxChangeset r, KxChangesetStatus next);
}
