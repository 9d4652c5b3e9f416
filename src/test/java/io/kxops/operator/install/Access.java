/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRule;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.testkit.ApiServer;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A request the API server authorizes, asked with a SelfSubjectAccessReview by a client that
 * impersonates the subject. {@code namespace} empty means cluster-wide.
 */
record Access(
    String verb, String group, String resource, String subresource, String namespace, String name) {

  static final String FINSPACE = "finspace.kxops.io";
  static final String COORDINATION = "coordination.k8s.io";

  static Access of(String verb, String group, String resource, String namespace) {
    return new Access(verb, group, resource, "", namespace, "");
  }

  Access named(String n) {
    return new Access(verb, group, resource, subresource, namespace, n);
  }

  Access status() {
    return new Access(verb, group, resource, "status", namespace, name);
  }

  /** A client impersonating a ServiceAccount, with the groups the API server gives one. */
  static KubernetesClient asServiceAccount(ApiServer api, String namespace, String name) {
    return api.impersonating(
        "system:serviceaccount:" + namespace + ":" + name,
        "system:serviceaccounts",
        "system:serviceaccounts:" + namespace,
        "system:authenticated");
  }

  boolean allowedFor(KubernetesClient impersonating) {
    return impersonating
        .authorization()
        .v1()
        .selfSubjectAccessReview()
        .create(
            new SelfSubjectAccessReviewBuilder()
                .withNewSpec()
                .withNewResourceAttributes()
                .withVerb(verb)
                .withGroup(group)
                .withResource(resource)
                .withSubresource(subresource)
                .withNamespace(namespace)
                .withName(name)
                .endResourceAttributes()
                .endSpec()
                .build())
        .getStatus()
        .getAllowed();
  }

  @Override
  public String toString() {
    return verb
        + " "
        + (group.isEmpty() ? "" : group + "/")
        + resource
        + (subresource.isEmpty() ? "" : "/" + subresource)
        + (name.isEmpty() ? "" : " " + name)
        + (namespace.isEmpty() ? " (cluster-wide)" : " in " + namespace);
  }

  /**
   * What the operator does with KxChangesets when it watches {@code watched} ("" = all namespaces);
   * requests on single objects are checked in {@code in}, a namespace it watches.
   */
  static List<Access> operatorNeeds(String watched, String in) {
    return List.of(
        of("list", FINSPACE, "kxchangesets", watched),
        of("watch", FINSPACE, "kxchangesets", watched),
        of("get", FINSPACE, "kxchangesets", in),
        of("update", FINSPACE, "kxchangesets", in).status(),
        of("list", FINSPACE, "kxaccesspolicies", watched),
        of("watch", FINSPACE, "kxaccesspolicies", watched),
        of("get", FINSPACE, "kxaccesspolicies", in),
        of("create", "", "events", in));
  }

  /** What leader election does with its Lease. */
  static List<Access> leaseNeeds(String leaseNs, String lease) {
    return List.of(
        of("create", COORDINATION, "leases", leaseNs),
        of("get", COORDINATION, "leases", leaseNs).named(lease),
        of("update", COORDINATION, "leases", leaseNs).named(lease),
        // fabric8's LeaderElector renews the Lease with a PATCH.
        of("patch", COORDINATION, "leases", leaseNs).named(lease));
  }

  /** What it must never be able to do, in a namespace it watches and in its own. */
  static List<Access> operatorMustNot(String watched, String ownNs, String lease) {
    return List.of(
        of("create", FINSPACE, "kxchangesets", watched),
        of("update", FINSPACE, "kxchangesets", watched),
        of("patch", FINSPACE, "kxchangesets", watched),
        of("delete", FINSPACE, "kxchangesets", watched),
        of("deletecollection", FINSPACE, "kxchangesets", watched),
        of("patch", FINSPACE, "kxchangesets", watched).status(),
        of("create", FINSPACE, "kxaccesspolicies", watched),
        of("update", FINSPACE, "kxaccesspolicies", watched),
        of("patch", FINSPACE, "kxaccesspolicies", watched),
        of("delete", FINSPACE, "kxaccesspolicies", watched),
        of("get", "", "secrets", watched),
        of("list", "", "secrets", ""),
        of("get", "", "secrets", ownNs),
        of("create", "", "pods", watched),
        of("delete", "", "pods", ownNs),
        of("patch", "apps", "deployments", ownNs),
        of("delete", "", "events", watched),
        of("get", COORDINATION, "leases", ownNs).named("someone-elses-lease"),
        of("update", COORDINATION, "leases", ownNs).named("someone-elses-lease"),
        of("patch", COORDINATION, "leases", ownNs).named("someone-elses-lease"),
        of("delete", COORDINATION, "leases", ownNs).named(lease),
        of("create", COORDINATION, "leases", watched),
        of("get", "apiextensions.k8s.io", "customresourcedefinitions", ""),
        of("create", "rbac.authorization.k8s.io", "rolebindings", ownNs));
  }

  /**
   * The verbs on the Lease that a SelfSubjectRulesReview lists, counted the way the Java Operator
   * SDK's start-up check counts them (rules without resourceNames, or naming the Lease).
   */
  static Set<String> leaseVerbs(KubernetesClient impersonating, String leaseNs, String lease) {
    List<ResourceRule> rules =
        impersonating
            .authorization()
            .v1()
            .selfSubjectRulesReview()
            .create(
                new SelfSubjectRulesReviewBuilder()
                    .withNewSpec()
                    .withNamespace(leaseNs)
                    .endSpec()
                    .build())
            .getStatus()
            .getResourceRules();
    return rules.stream()
        .filter(r -> r.getApiGroups().contains(COORDINATION) || r.getApiGroups().contains("*"))
        .filter(r -> r.getResources().contains("leases") || r.getResources().contains("*"))
        .filter(r -> r.getResourceNames().isEmpty() || r.getResourceNames().contains(lease))
        .flatMap(r -> r.getVerbs().stream())
        .collect(Collectors.toSet());
  }
}
