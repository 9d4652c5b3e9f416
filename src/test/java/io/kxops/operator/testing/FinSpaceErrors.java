/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.testing;

import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.finspace.Operation;

/** Classified FinSpace errors as the SDK layer would raise them. */
public final class FinSpaceErrors {

  private FinSpaceErrors() {}

  public static FinSpaceException of(Operation op, String code, int status) {
    return FinSpaceException.of(op, code, status, op.apiName() + ": " + code + " (test)", null);
  }

  /**
   * A failure that SdkFinSpace's transmission mark proves happened before any attempt left the
   * process (STS refused the role, the send deadline held the create back).
   */
  public static FinSpaceException notSent(Operation op, String code) {
    return of(op, code, 0).notSent();
  }
}
