/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.util.Map;

/** A FinSpace error response: HTTP status, error type (shape name), message and optional reason. */
final class ApiException extends RuntimeException {

  /** HTTP status of each exception the three operations declare (in the FinSpace service model). */
  static final Map<String, Integer> KNOWN_STATUS =
      Map.of(
          "ValidationException", 400,
          "LimitExceededException", 400,
          "AccessDeniedException", 403,
          "ResourceNotFoundException", 404,
          "ConflictException", 409,
          "ThrottlingException", 429,
          "InternalServerException", 500);

  final int status;
  final String type;
  final String reason;

  ApiException(int status, String type, String message, String reason) {
    // No stack trace: these are expected answers, created per request on hot paths.
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.reason = reason;
  }

  /** The HTTP status of a known error type, or {@code fallback} for one the model does not have. */
  static int statusOf(String type, int fallback) {
    return KNOWN_STATUS.getOrDefault(type, fallback);
  }

  static ApiException validation(String message) {
    return new ApiException(400, "ValidationException", message, null);
  }

  static ApiException notFound(String message) {
    return new ApiException(404, "ResourceNotFoundException", message, null);
  }

  static ApiException conflict(String message, String reason) {
    return new ApiException(409, "ConflictException", message, reason);
  }

  static ApiException accessDenied(String message) {
    return new ApiException(403, "AccessDeniedException", message, null);
  }

  static ApiException throttling(String message) {
    return new ApiException(429, "ThrottlingException", message, null);
  }

  static ApiException internal(String message) {
    return new ApiException(500, "InternalServerException", message, null);
  }
}
