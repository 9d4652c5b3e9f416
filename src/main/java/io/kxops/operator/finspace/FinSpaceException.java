/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

/**
 * A failed FinSpace call, with the error code FinSpace sent and the {@link Failure} the {@link
 * ErrorClassifier} assigned to it (which carries the condition reason and the reaction).
 */
public final class FinSpaceException extends RuntimeException {

  private final Operation operation;
  private final String errorCode;
  private final int httpStatus;
  private final Failure failure;
  private final boolean sent;

  /** Exactly one attempt of the call was transmitted: its answer is the only one there was. */
  private final boolean sentOnce;

  public FinSpaceException(
      Operation operation,
      String errorCode,
      int httpStatus,
      Failure failure,
      String message,
      Throwable cause) {
    this(operation, errorCode, httpStatus, failure, message, cause, true, false);
  }

  private FinSpaceException(
      Operation operation,
      String errorCode,
      int httpStatus,
      Failure failure,
      String message,
      Throwable cause,
      boolean sent,
      boolean sentOnce) {
    super(message, cause);
    this.operation = operation;
    this.errorCode = errorCode;
    this.httpStatus = httpStatus;
    this.failure = failure;
    this.sent = sent;
    this.sentOnce = sentOnce;
  }

  /**
   * This failure, known to have happened before any attempt of the call was transmitted (no HTTP
   * request left the process: the credentials could not be had, the send deadline held it back).
   * Without this mark a failure may have been sent.
   */
  public FinSpaceException notSent() {
    FinSpaceException e =
        new FinSpaceException(
            operation, errorCode, httpStatus, failure, getMessage(), getCause(), false, false);
    e.setStackTrace(getStackTrace());
    return e;
  }

  /**
   * This failure, the answer to the one attempt of the call that was transmitted (no SDK retry left
   * the process before or after it). Without this mark other attempts may have been sent.
   */
  public FinSpaceException sentOnce() {
    FinSpaceException e =
        new FinSpaceException(
            operation, errorCode, httpStatus, failure, getMessage(), getCause(), true, true);
    e.setStackTrace(getStackTrace());
    return e;
  }

  /**
   * A classified failure of {@code operation}; the classifier picks the failure, whose hint for a
   * person is appended to the message.
   */
  public static FinSpaceException of(
      Operation operation,
      String errorCode,
      String conflictReason,
      int httpStatus,
      String message,
      Throwable cause) {
    Failure f = ErrorClassifier.classify(operation, errorCode, conflictReason, httpStatus);
    // The message goes into conditions, events and logs: no secrets, bounded.
    String safe = Redaction.clean(message);
    String full = f.hint().isEmpty() ? safe : safe + " (" + f.hint() + ")";
    return new FinSpaceException(operation, errorCode, httpStatus, f, full, cause);
  }

  public static FinSpaceException of(
      Operation operation, String errorCode, int httpStatus, String message, Throwable cause) {
    return of(operation, errorCode, null, httpStatus, message, cause);
  }

  public Operation operation() {
    return operation;
  }

  /** FinSpace's error code (e.g. ThrottlingException), or "NetworkError" if none was received. */
  public String errorCode() {
    return errorCode;
  }

  /** The HTTP status, or 0 when no response arrived. */
  public int httpStatus() {
    return httpStatus;
  }

  public Failure failure() {
    return failure;
  }

  public Reaction reaction() {
    return failure.reaction();
  }

  /** The CamelCase condition reason, e.g. Throttled. */
  public String reason() {
    return failure.reason();
  }

  /**
   * True when this create never left the process: no attempt of the call, the SDK's retries
   * included, was transmitted, so it cannot have made a changeset whatever the error says.
   */
  public boolean provesNothingSent() {
    return operation == Operation.CREATE && !sent;
  }

  /**
   * True when this create's only transmitted attempt was refused before FinSpace acted on it (not
   * authorized, not authenticated, by FinSpace's own error code: a bare 403 may be a proxy's): no
   * changeset was made with its token by this call. An answer to a retry proves nothing of the
   * attempts before it (a permission revoked in between).
   */
  public boolean provesOnlyAttemptRefused() {
    return operation == Operation.CREATE
        && sentOnce
        && failure.reaction().refusedUnacted()
        && ErrorClassifier.refusedUnactedCode(errorCode);
  }

  /** True when FinSpace's answer proves that this create made no changeset. */
  public boolean provesNothingCreated() {
    return operation == Operation.CREATE && failure.reaction().nothingCreated();
  }
}
