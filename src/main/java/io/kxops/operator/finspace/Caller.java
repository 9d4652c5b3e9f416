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

  /**
   * The session tag that names the namespace when the operator assumes its role. Not {@code
   * kubernetes-namespace}: under EKS Pod Identity the operator's own session already carries that
   * tag as a transitive one, and STS refuses an AssumeRole that passes a tag with the key of an
   * inherited one.
   */
  public static final String NAMESPACE_TAG = "kxops-namespace";

  /** Role session names are at most 64 characters. */
  static final int MAX_SESSION_NAME = 64;

  /** The operator itself, with its own credentials. */
  public static final Caller OPERATOR = new Caller(null, null);

  /** The role session name for {@code namespace}: kxops-NAMESPACE, cut to 64 characters. */
  public static String sessionName(String namespace) {
    String name = "kxops-" + (namespace == null ? "cluster" : namespace);
    return name.length() <= MAX_SESSION_NAME ? name : name.substring(0, MAX_SESSION_NAME);
  }

  /** True when the call is signed with an assumed role's credentials. */
  public boolean assumesRole() {
    return roleArn != null && !roleArn.isBlank();
  }
}
