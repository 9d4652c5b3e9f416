/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Asks the API server, before anything starts, whether the operator's identity may do what the
 * operator needs. Missing RBAC fails start-up with one message naming every missing permission,
 * instead of reconciliations failing one by one later.
 */
final class PermissionCheck {

  /** One permission: verb on group/resource[/subresource]. */
  record Need(String verb, String group, String resource, String subresource) {
    @Override
    public String toString() {
      return verb
          + " "
          + resource
          + (subresource.isEmpty() ? "" : "/" + subresource)
          + (group.isEmpty() ? "" : "." + group);
    }
  }

  static final List<Need> NEEDS =
      List.of(
          new Need("get", KxChangeset.GROUP, "kxchangesets", ""),
          new Need("list", KxChangeset.GROUP, "kxchangesets", ""),
          new Need("watch", KxChangeset.GROUP, "kxchangesets", ""),
          new Need("update", KxChangeset.GROUP, "kxchangesets", "status"),
          // The KxAccessPolicy informer (the operator re-checks every create against the policy).
          new Need("list", KxChangeset.GROUP, "kxaccesspolicies", ""),
          new Need("watch", KxChangeset.GROUP, "kxaccesspolicies", ""),
          new Need("create", "", "events", ""));

  private PermissionCheck() {}

  /** The permissions missing in {@code namespaces} (empty = cluster-wide), as readable lines. */
  static List<String> missing(KubernetesClient client, Set<String> namespaces) {
    List<String> out = new ArrayList<>();
    List<String> scopes = namespaces.isEmpty() ? List.of("") : List.copyOf(namespaces);
    for (String ns : scopes) {
      for (Need n : NEEDS) {
        SelfSubjectAccessReview review =
            new SelfSubjectAccessReviewBuilder()
                .withNewSpec()
                .withResourceAttributes(
                    new ResourceAttributesBuilder()
                        .withVerb(n.verb())
                        .withGroup(n.group())
                        .withResource(n.resource())
                        .withSubresource(n.subresource())
                        .withNamespace(ns)
                        .build())
                .endSpec()
                .build();
        SelfSubjectAccessReview answer =
            client.authorization().v1().selfSubjectAccessReview().create(review);
        if (answer.getStatus() == null || !Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
          out.add(n + (ns.isEmpty() ? " (cluster-wide)" : " in namespace " + ns));
        }
      }
    }
    return out;
  }
}
