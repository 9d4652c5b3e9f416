/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The error table: every FinSpace error of the three operations, and the HTTP fallbacks. */
class ErrorClassifierTest {

  @ParameterizedTest
  @CsvSource({
    "CREATE, ValidationException,         400, TERMINAL,            InvalidRequest",
    "GET,    ValidationException,         400, TERMINAL,            InvalidRequest",
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
  void classifies(Operation op, String code, int status, ErrorClass expected, String reason) {
    ErrorClassifier.Classification c = ErrorClassifier.classify(op, code, status);
    assertThat(c.errorClass()).isEqualTo(expected);
    assertThat(c.reason()).isEqualTo(reason);
  }
}
