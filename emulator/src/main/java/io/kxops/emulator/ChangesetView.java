/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.time.Instant;
import java.util.List;

/**
 * A stored changeset as a test sees it at one emulator instant: the fields GetKxChangeset would
 * return plus the client token it was created with. Nullable: activeFromTimestamp (until
 * COMPLETED), errorType and errorMessage (until FAILED).
 */
public record ChangesetView(
    String changesetId,
    String environmentId,
    String databaseName,
    String clientToken,
    List<Request> changeRequests,
    String status,
    Instant createdTimestamp,
    Instant lastModifiedTimestamp,
    Instant activeFromTimestamp,
    String errorType,
    String errorMessage) {

  /** One change request as stored and echoed; s3Path is null for DELETE. */
  public record Request(String changeType, String s3Path, String dbPath) {}

  /** Whether the changeset has reached COMPLETED or FAILED. */
  public boolean isFinal() {
    return "COMPLETED".equals(status) || "FAILED".equals(status);
  }
}
