/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.time.Duration;
import java.util.List;

/** What the reconcile logic reads of other KxChangesets: those targeting the same database. */
public interface ClusterView {

  /**
   * Every KxChangeset (in any watched namespace) whose target database key is {@code databaseKey},
   * with this process's own latest status writes laid over what the watch delivered.
   */
  List<KxChangeset> onDatabase(String databaseKey);

  /**
   * Waits until this process's watch has delivered {@code written} (that version or a later one):
   * from then on the view holds every status written before it, by any process. False when {@code
   * timeout} passed first.
   */
  boolean awaitSeen(KxChangeset written, Duration timeout);
}
