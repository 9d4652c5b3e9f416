/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

/**
 * Whose FinSpace call it is: the namespace of the KxChangeset, and the IAM role its KxAccessPolicy
 * names for it ({@code roleArn} null: the operator's own credentials).
 */
public record Caller(String namespace, String roleArn) {

  /** The operator itself, with its own credentials. */
  public static final Caller OPERATOR = new Caller(null, null);

  /** True when the call is signed with an assumed role's credentials. */
  public boolean assumesRole() {
    return roleArn != null && !roleArn.isBlank();
  }
}
