/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * What the KxChangesets of one namespace may target, written by a cluster administrator.
 *
 * <p>Namespaced on purpose: a ValidatingAdmissionPolicy binding whose paramRef names a namespaced
 * parameter without a namespace resolves it in the namespace of the request, so each namespace has
 * exactly one policy (no combining rule) and a namespace without one gets the binding's
 * parameterNotFoundAction. Team users never get rights on this kind.
 */
@Group(KxChangeset.GROUP)
@Version(KxChangeset.VERSION)
@Kind("KxAccessPolicy")
@Singular("kxaccesspolicy")
@Plural("kxaccesspolicies")
@ShortNames("kxap")
public class KxAccessPolicy extends CustomResource<KxAccessPolicySpec, Void> implements Namespaced {

  @Override
  @Required
  public KxAccessPolicySpec getSpec() {
    return super.getSpec();
  }
}
