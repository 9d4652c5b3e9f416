/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.util.List;

/**
 * The table from FinSpace error code to {@link ErrorClass} and condition reason. The first row that
 * matches the operation and code wins; HTTP status decides for codes not in the table.
 */
public final class ErrorClassifier {

  /** The class and condition reason of an error. */
  public record Classification(ErrorClass errorClass, String reason) {}

  /** One row: {@code operation == null} matches every operation. */
  record Rule(Operation operation, String code, ErrorClass errorClass, String reason) {}

  /** Error code sent when no HTTP response was received (connection refused, reset, timeout). */
  public static final String NETWORK_ERROR = "NetworkError";

  static final List<Rule> RULES =
      List.of(
          new Rule(null, "ValidationException", ErrorClass.TERMINAL, "InvalidRequest"),
          // On create and list a missing environment or database may still be on its way
          // (GitOps creates things in any order); on get, right after a create, the changeset
          // may not be visible yet. Both are retried; the status layer bounds the get case.
          new Rule(
              Operation.CREATE,
              "ResourceNotFoundException",
              ErrorClass.WAIT_FOR_DEPENDENCY,
              "DatabaseNotFound"),
          new Rule(
              Operation.LIST,
              "ResourceNotFoundException",
              ErrorClass.WAIT_FOR_DEPENDENCY,
              "DatabaseNotFound"),
          new Rule(
              Operation.GET,
              "ResourceNotFoundException",
              ErrorClass.TRANSIENT,
              "ChangesetNotFound"),
          new Rule(null, "AccessDeniedException", ErrorClass.BOUNDED, "AccessDenied"),
          new Rule(null, "ThrottlingException", ErrorClass.TRANSIENT, "Throttled"),
          new Rule(null, "InternalServerException", ErrorClass.TRANSIENT, "ServiceUnavailable"),
          new Rule(null, "ConflictException", ErrorClass.TRANSIENT, "Conflict"),
          new Rule(null, "LimitExceededException", ErrorClass.TRANSIENT, "LimitExceeded"),
          new Rule(null, "ServiceQuotaExceededException", ErrorClass.TRANSIENT, "LimitExceeded"),
          new Rule(null, NETWORK_ERROR, ErrorClass.TRANSIENT, "ServiceUnavailable"));

  private ErrorClassifier() {}

  public static Classification classify(Operation operation, String code, int httpStatus) {
    for (Rule r : RULES) {
      if ((r.operation() == null || r.operation() == operation) && r.code().equals(code)) {
        return new Classification(r.errorClass(), r.reason());
      }
    }
    // Codes FinSpace might add later, or a proxy's answer: fall back on the HTTP status.
    if (httpStatus == 429) {
      return new Classification(ErrorClass.TRANSIENT, "Throttled");
    }
    if (httpStatus == 403) {
      return new Classification(ErrorClass.BOUNDED, "AccessDenied");
    }
    if (httpStatus >= 500 || httpStatus == 0) {
      return new Classification(ErrorClass.TRANSIENT, "ServiceUnavailable");
    }
    return new Classification(ErrorClass.TRANSIENT, "UnexpectedError");
  }
}
