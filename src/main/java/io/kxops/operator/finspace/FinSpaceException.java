/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

/**
 * A failed FinSpace call, with the error code FinSpace sent and the class and condition reason the
 * {@link ErrorClassifier} assigned to it.
 */
public final class FinSpaceException extends RuntimeException {

  private final Operation operation;
  private final String errorCode;
  private final int httpStatus;
  private final ErrorClass errorClass;
  private final String reason;

  public FinSpaceException(
      Operation operation,
      String errorCode,
      int httpStatus,
      ErrorClass errorClass,
      String reason,
      String message,
      Throwable cause) {
    super(message, cause);
    this.operation = operation;
    this.errorCode = errorCode;
    this.httpStatus = httpStatus;
    this.errorClass = errorClass;
    this.reason = reason;
  }

  /** A classified failure of {@code operation}; the classifier picks the class and reason. */
  public static FinSpaceException of(
      Operation operation, String errorCode, int httpStatus, String message, Throwable cause) {
    ErrorClassifier.Classification c = ErrorClassifier.classify(operation, errorCode, httpStatus);
    return new FinSpaceException(
        operation, errorCode, httpStatus, c.errorClass(), c.reason(), message, cause);
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

  public ErrorClass errorClass() {
    return errorClass;
  }

  /** The CamelCase condition reason, e.g. Throttled. */
  public String reason() {
    return reason;
  }
}
