/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import java.time.Instant;
import java.util.List;

/**
 * A changeset as FinSpace reports it (Create or Get response). {@code status} is FinSpace's raw
 * string: the real service sends values outside the model, such as IN_PROGRESS.
 */
public record Changeset(
    String id,
    String status,
    String errorType,
    String errorMessage,
    List<ChangeRequest> changeRequests,
    Instant createdTimestamp,
    Instant lastModifiedTimestamp,
    Instant activeFromTimestamp) {

  public static final String COMPLETED = "COMPLETED";
  public static final String FAILED = "FAILED";

  /** COMPLETED and FAILED are final; every other string, known or not, is still in progress. */
  public static boolean isFinal(String status) {
    return COMPLETED.equals(status) || FAILED.equals(status);
  }

  public boolean isFinal() {
    return isFinal(status);
  }
}
