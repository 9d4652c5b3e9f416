/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.util.List;

/** What the reconciler reads of other KxChangesets: those targeting the same database. */
public interface ClusterView {

  /** Every KxChangeset (in any watched namespace) whose database key is {@code databaseKey}. */
  List<KxChangeset> onDatabase(String databaseKey);
}
