/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The error table: every FinSpace error of the three operations, and the HTTP fallbacks. */
class ErrorClassifierTest {

  @ParameterizedTest
  @CsvSource({
    "CREATE, ValidationException,         400, TERMINAL,            InvalidRequest",
    "GET,    ValidationException,         400, TRANSIENT,           CallRejected",
    "LIST,   ValidationException,         400, TRANSIENT,           CallRejected",
    "CREATE, UnrecognizedClientException, 403, BOUNDED,             InvalidCredentials",
    "GET,    InvalidSignatureException,   403, BOUNDED,             InvalidCredentials",
    "LIST,   ExpiredTokenException,       403, BOUNDED,             InvalidCredentials",
    "CREATE, CredentialsNotLoaded,        0,   BOUNDED,             InvalidCredentials",
    "CREATE, ResourceNotFoundException,   404, WAIT_FOR_DEPENDENCY, DatabaseNotFound",
    "LIST,   ResourceNotFoundException,   404, WAIT_FOR_DEPENDENCY, DatabaseNotFound",
    "GET,    ResourceNotFoundException,   404, TRANSIENT,           ChangesetNotFound",
    "CREATE, AccessDeniedException,       403, BOUNDED,             AccessDenied",
    "GET,    AccessDeniedException,       403, BOUNDED,             AccessDenied",
    "CREATE, ThrottlingException,         429, TRANSIENT,           Throttled",
    "LIST,   ThrottlingException,         429, TRANSIENT,           Throttled",
    "GET,    InternalServerException,     500, TRANSIENT,           ServiceUnavailable",
    "CREATE, ConflictException,           409, TRANSIENT,           Conflict",
    "CREATE, LimitExceededException,      400, TRANSIENT,           LimitExceeded",
    "CREATE, ServiceQuotaExceededException, 402, TRANSIENT,         LimitExceeded",
    "CREATE, NetworkError,                0,   TRANSIENT,           ServiceUnavailable",
    "GET,    '',                          503, TRANSIENT,           ServiceUnavailable",
    "GET,    SomethingNewException,       429, TRANSIENT,           Throttled",
    "CREATE, '',                          403, BOUNDED,             AccessDenied",
    "CREATE, SomethingNewException,       400, TRANSIENT,           UnexpectedError",
  })
  void classifies(Operation op, String code, int status, String expected, String reason) {
    Failure f = ErrorClassifier.classify(op, code, status);
    assertThat(kind(f)).isEqualTo(expected);
    assertThat(f.reason()).isEqualTo(reason);
  }

  /** The reaction in the words of the table: how retries, stalls and the intent are handled. */
  static String kind(Failure f) {
    Reaction r = f.reaction();
    if (!r.retry()) {
      return "TERMINAL";
    }
    if (r.stall() == Reaction.Stall.AFTER_ACCESS_BOUND) {
      return "BOUNDED";
    }
    return r.nothingCreated() ? "WAIT_FOR_DEPENDENCY" : "TRANSIENT";
  }

  @org.junit.jupiter.api.Test
  void aClientTokenReusedForOtherRequestsIsTerminalAndKeepsNothingCreatedFalse() {
    Failure f =
        ErrorClassifier.classify(
            Operation.CREATE, "ConflictException", "IDEMPOTENT_PARAMETER_MISMATCH", 409);
    assertThat(f).isEqualTo(Failure.CLIENT_TOKEN_CONFLICT);
    assertThat(f.reaction().retry()).isFalse();
    assertThat(f.reaction().nothingCreated()).as("a changeset exists for the token").isFalse();
    assertThat(ErrorClassifier.classify(Operation.CREATE, "ConflictException", "OTHER", 409))
        .isEqualTo(Failure.CONFLICT);
  }

  @org.junit.jupiter.api.Test
  void everyReasonIsWrittenOnce() {
    assertThat(java.util.Arrays.stream(Failure.values()).map(Failure::reason).distinct())
        .hasSize(Failure.values().length);
  }

  @Test
  void metricOutcomesAreTheKnownCodesPlusOther() {
    assertThat(ErrorClassifier.outcomeLabel("ThrottlingException"))
        .isEqualTo("ThrottlingException");
    assertThat(ErrorClassifier.outcomeLabel("ExpiredTokenException"))
        .isEqualTo("ExpiredTokenException");
    assertThat(ErrorClassifier.outcomeLabel(ErrorClassifier.NETWORK_ERROR))
        .isEqualTo("NetworkError");
    assertThat(ErrorClassifier.outcomeLabel("success")).isEqualTo("success");
    assertThat(ErrorClassifier.outcomeLabel("SomethingNewException")).isEqualTo("other");
    assertThat(ErrorClassifier.outcomeLabel("Evil\n{code=\"x\"}")).isEqualTo("other");
    assertThat(ErrorClassifier.outcomeLabel(null)).isEqualTo("other");
  }
}
