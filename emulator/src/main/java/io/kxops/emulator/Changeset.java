/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.time.Instant;
import java.util.List;

/**
 * A stored changeset. Immutable: its whole schedule is fixed at creation, so its status at any
 * emulator instant is computed on read and no background thread is needed.
 */
final class Changeset {
  static final String PENDING = "PENDING";
  static final String COMPLETED = "COMPLETED";
  static final String FAILED = "FAILED";

  final String id;
  final String environmentId;
  final String databaseName;
  final List<ChangesetView.Request> requests;
  final String clientToken;
  // Epoch milliseconds of emulator time: creation, start of processing, COMPLETED or FAILED.
  final long createdAt;
  final long processingAt;
  final long finalAt;
  // Both null unless the changeset ends FAILED.
  final String errorType;
  final String errorMessage;

  Changeset(
      String id,
      String environmentId,
      String databaseName,
      List<ChangesetView.Request> requests,
      String clientToken,
      long createdAt,
      long processingAt,
      long finalAt,
      String errorType,
      String errorMessage) {
    this.id = id;
    this.environmentId = environmentId;
    this.databaseName = databaseName;
    this.requests = requests;
    this.clientToken = clientToken;
    this.createdAt = createdAt;
    this.processingAt = processingAt;
    this.finalAt = finalAt;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }

  boolean isFinal(long now) {
    return now >= finalAt;
  }

  boolean failed(long now) {
    return errorType != null && isFinal(now);
  }

  boolean completed(long now) {
    return errorType == null && isFinal(now);
  }

  String status(long now, String inProgressStatus) {
    if (now < processingAt) {
      return PENDING;
    }
    if (now < finalAt) {
      return inProgressStatus;
    }
    return errorType == null ? COMPLETED : FAILED;
  }

  /** Moves on each transition: creation, start of processing, final. */
  long lastModified(long now) {
    if (now < processingAt) {
      return createdAt;
    }
    return now < finalAt ? processingAt : finalAt;
  }

  /** Meaningful only when {@link #completed}: the time the new version became active. */
  long activeFrom() {
    return finalAt;
  }

  /** Same request as another Create call, for client-token replay. */
  boolean sameRequest(String env, String db, List<ChangesetView.Request> other) {
    return environmentId.equals(env) && databaseName.equals(db) && requests.equals(other);
  }

  ChangesetView view(long now, String inProgressStatus) {
    boolean failed = failed(now);
    return new ChangesetView(
        id,
        environmentId,
        databaseName,
        clientToken,
        requests,
        status(now, inProgressStatus),
        Instant.ofEpochMilli(createdAt),
        Instant.ofEpochMilli(lastModified(now)),
        completed(now) ? Instant.ofEpochMilli(activeFrom()) : null,
        failed ? errorType : null,
        failed ? errorMessage : null);
  }
}
