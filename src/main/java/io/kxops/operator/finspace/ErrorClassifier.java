/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.util.List;
import java.util.Set;

/**
 * The table from (operation, FinSpace error code) to {@link Failure}, which carries the reason and
 * the reaction. The first row that matches wins; the HTTP status decides for codes not in the
 * table.
 */
public final class ErrorClassifier {

  /** One row: {@code operation == null} matches every operation. */
  record Rule(Operation operation, String code, Failure failure) {}

  /** Error code sent when no HTTP response was received (connection refused, reset, timeout). */
  public static final String NETWORK_ERROR = "NetworkError";

  /** Error code used when the AWS SDK could not load any credentials (no HTTP call was made). */
  public static final String CREDENTIALS_NOT_LOADED = "CredentialsNotLoaded";

  /**
   * Error code used when a create attempt was held back at its send deadline (nothing was sent).
   */
  public static final String SEND_WINDOW_CLOSED = "SendWindowClosed";

  /** Error code used when STS refused to let the operator assume a policy's role. */
  public static final String ROLE_NOT_ASSUMED = "RoleNotAssumed";

  /**
   * ConflictException.reason FinSpace-compatible endpoints send when a client token is reused for a
   * different request.
   */
  public static final String IDEMPOTENT_PARAMETER_MISMATCH = "IDEMPOTENT_PARAMETER_MISMATCH";

  /** Codes AWS's endpoints send for unusable credentials or signatures (IAM, STS, SigV4). */
  static final Set<String> CREDENTIAL_CODES =
      Set.of(
          "UnrecognizedClientException",
          "InvalidSignatureException",
          "SignatureDoesNotMatch",
          "IncompleteSignature",
          "MissingAuthenticationToken",
          "InvalidClientTokenId",
          "ExpiredTokenException",
          "ExpiredToken",
          "RequestExpired",
          CREDENTIALS_NOT_LOADED);

  static final String OTHER = "other";

  static final List<Rule> RULES =
      List.of(
          // Only a create carries the user's spec; a Get or List the operator built is not a spec
          // problem (and must not stop a valid spec from ever being created).
          new Rule(Operation.CREATE, "ValidationException", Failure.INVALID_REQUEST),
          new Rule(null, "ValidationException", Failure.CALL_REJECTED),
          new Rule(Operation.CREATE, "ResourceNotFoundException", Failure.DATABASE_NOT_FOUND),
          new Rule(Operation.LIST, "ResourceNotFoundException", Failure.DATABASE_NOT_FOUND),
          new Rule(Operation.GET, "ResourceNotFoundException", Failure.CHANGESET_NOT_FOUND),
          new Rule(null, "AccessDeniedException", Failure.ACCESS_DENIED),
          new Rule(null, "ThrottlingException", Failure.THROTTLED),
          new Rule(null, "InternalServerException", Failure.SERVICE_UNAVAILABLE),
          new Rule(null, "ConflictException", Failure.CONFLICT),
          new Rule(null, "LimitExceededException", Failure.LIMIT_EXCEEDED),
          new Rule(null, "ServiceQuotaExceededException", Failure.LIMIT_EXCEEDED),
          new Rule(null, NETWORK_ERROR, Failure.SERVICE_UNAVAILABLE),
          new Rule(null, ROLE_NOT_ASSUMED, Failure.ROLE_NOT_ASSUMED),
          new Rule(Operation.CREATE, SEND_WINDOW_CLOSED, Failure.SEND_WINDOW_CLOSED));

  private ErrorClassifier() {}

  /**
   * The metrics label of a call's outcome: "success", "error", or an error code this table knows;
   * anything else FinSpace or a proxy sends is "other", so that no answer can add a time series.
   */
  public static String outcomeLabel(String code) {
    if (code == null) {
      return OTHER;
    }
    if (code.equals("success")
        || code.equals("error")
        || code.equals(NETWORK_ERROR)
        || CREDENTIAL_CODES.contains(code)
        || RULES.stream().anyMatch(r -> r.code().equals(code))) {
      return code;
    }
    return OTHER;
  }

  /**
   * The failure of {@code operation} that FinSpace answered with {@code code} (and, for a
   * ConflictException, {@code conflictReason}).
   */
  public static Failure classify(
      Operation operation, String code, String conflictReason, int httpStatus) {
    if (CREDENTIAL_CODES.contains(code)) {
      return Failure.INVALID_CREDENTIALS;
    }
    if (operation == Operation.CREATE
        && "ConflictException".equals(code)
        && IDEMPOTENT_PARAMETER_MISMATCH.equals(conflictReason)) {
      return Failure.CLIENT_TOKEN_CONFLICT;
    }
    for (Rule r : RULES) {
      if ((r.operation() == null || r.operation() == operation) && r.code().equals(code)) {
        return r.failure();
      }
    }
    // Codes FinSpace might add later, or a proxy's answer: fall back on the HTTP status.
    if (httpStatus == 429) {
      return Failure.THROTTLED;
    }
    if (httpStatus == 403) {
      return Failure.ACCESS_DENIED;
    }
    if (httpStatus >= 500 || httpStatus == 0) {
      return Failure.SERVICE_UNAVAILABLE;
    }
    return Failure.UNEXPECTED_ERROR;
  }

  /**
   * True when {@code code} is one FinSpace (or AWS's authentication in front of it) sends for a
   * request refused before it was acted on: AccessDeniedException and the credential codes. Not the
   * HTTP-status fallback: a 403 without such a code may be an intermediary's answer to a request it
   * forwarded (a filtering proxy), which proves nothing of what FinSpace did.
   */
  public static boolean refusedUnactedCode(String code) {
    return "AccessDeniedException".equals(code)
        || (CREDENTIAL_CODES.contains(code) && !CREDENTIALS_NOT_LOADED.equals(code));
  }

  public static Failure classify(Operation operation, String code, int httpStatus) {
    return classify(operation, code, null, httpStatus);
  }
}
