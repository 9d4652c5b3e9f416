/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.util.List;

/** The model's ErrorDetails values: full sentences that must go on the wire byte for byte. */
public final class ErrorTypes {
  public static final String INPUTS_INVALID = "The inputs to this request are invalid.";
  public static final String SERVICE_LIMITS_EXCEEDED = "Service limits have been exceeded.";
  public static final String MISSING_PERMISSION =
      "Missing required permission to perform this request.";
  public static final String INPUTS_NOT_FOUND =
      "One or more inputs to this request were not found.";
  public static final String LACKS_RESOURCES =
      "The system temporarily lacks sufficient resources to process the request.";
  public static final String INTERNAL_ERROR = "An internal error has occurred.";
  public static final String CANCELLED = "Cancelled";
  public static final String USER_RECOVERABLE = "A user recoverable error has occurred";

  /** All eight values, in model order. */
  public static final List<String> ALL =
      List.of(
          INPUTS_INVALID,
          SERVICE_LIMITS_EXCEEDED,
          MISSING_PERMISSION,
          INPUTS_NOT_FOUND,
          LACKS_RESOURCES,
          INTERNAL_ERROR,
          CANCELLED,
          USER_RECOVERABLE);

  private ErrorTypes() {}
}
