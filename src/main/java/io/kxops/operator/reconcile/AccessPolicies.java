/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxAccessPolicy;

/** What the reconcile logic reads of KxAccessPolicies: the one of a namespace. */
public interface AccessPolicies {

  /** No policies anywhere (tests of the protocol, which the access rules do not touch). */
  AccessPolicies NONE = namespace -> null;

  /** The KxAccessPolicy of {@code namespace} (the configured name), or null when it has none. */
  KxAccessPolicy policyOf(String namespace);
}
