/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxAccessPolicy;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Caller;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.FinSpaceException;
import java.util.function.Supplier;

/** A resource's FinSpace calls: made as its namespace's role, a failure thrown as its own. */
final class FinSpaceCalls {

  private final FinSpace finspace;
  private final AccessPolicies policies;

  FinSpaceCalls(FinSpace finspace, AccessPolicies policies) {
    this.finspace = finspace;
    this.policies = policies;
  }

  /** Who a resource's FinSpace calls are made as: its namespace, and its policy's role. */
  Caller callerOf(KxChangeset r) {
    String namespace = r.getMetadata().getNamespace();
    KxAccessPolicy policy = policies.policyOf(namespace);
    String role = policy == null || policy.getSpec() == null ? null : policy.getSpec().getRoleArn();
    return new Caller(namespace, role == null || role.isBlank() ? null : role);
  }

  /** FinSpace for {@code r}'s calls: signed as its role, its namespace served in turn. */
  FinSpace of(KxChangeset r) {
    return as(callerOf(r));
  }

  /** FinSpace for calls made as {@code caller}. */
  FinSpace as(Caller caller) {
    return finspace.as(caller);
  }

  /** Runs {@code body}; a failed FinSpace call becomes {@code r}'s {@link ReconcileFailure}. */
  static <T> T call(KxChangeset r, Supplier<T> body) {
    try {
      return body.get();
    } catch (FinSpaceException e) {
      throw new ReconcileFailure(r, e);
    }
  }
}
