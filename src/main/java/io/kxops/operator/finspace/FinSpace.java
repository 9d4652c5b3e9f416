/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import java.util.List;

/**
 * The FinSpace changeset API in domain terms. Every method throws {@link FinSpaceException},
 * already classified, on any failure.
 */
public interface FinSpace {

  /** CreateKxChangeset with a caller-chosen idempotency token (never a random one). */
  Changeset create(DatabaseRef database, List<ChangeRequest> changeRequests, String clientToken);

  /** GetKxChangeset. */
  Changeset get(DatabaseRef database, String changesetId);

  /** ListKxChangesets, every page. */
  List<ChangesetSummary> list(DatabaseRef database);
}
