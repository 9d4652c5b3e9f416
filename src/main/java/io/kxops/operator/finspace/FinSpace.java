/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import java.time.Instant;
import java.util.List;

/**
 * The FinSpace changeset API in domain terms. Every method throws {@link FinSpaceException},
 * already classified, on any failure.
 */
public interface FinSpace {

  /**
   * CreateKxChangeset with a caller-chosen idempotency token (never a random one). No attempt of
   * the call, the SDK's own retries included, is transmitted after {@code sendBy} (this process's
   * clock): FinSpace honours a token for a limited time, and a resend that arrives later may make a
   * second changeset. Past it the call fails with {@link Failure#SEND_WINDOW_CLOSED} and nothing
   * more is sent.
   */
  Changeset create(
      DatabaseRef database, List<ChangeRequest> changeRequests, String clientToken, Instant sendBy);

  /** GetKxChangeset. */
  Changeset get(DatabaseRef database, String changesetId);

  /** ListKxChangesets, every page. */
  List<ChangesetSummary> list(DatabaseRef database);

  /**
   * The same API with every call signed for {@code caller}: with the credentials of the role its
   * KxAccessPolicy names, else the operator's own. Implementations without credentials (the test
   * fakes) return themselves.
   */
  default FinSpace as(Caller caller) {
    return this;
  }
}
