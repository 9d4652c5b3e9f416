/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Rendered manifests (helm template, kubectl kustomize) as objects, and checks on them. */
final class Manifests {

  private final List<HasMetadata> objects;

  private Manifests(List<HasMetadata> objects) {
    this.objects = objects;
  }

  /** Parses a multi-document YAML stream; kinds fabric8 does not know become generic objects. */
  static Manifests parse(String yaml) {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
        continue;
      }
      out.add(Serialization.unmarshal(doc, HasMetadata.class));
    }
    return new Manifests(out);
  }

  List<HasMetadata> all() {
    return objects;
  }

  /** "Kind namespace/name" (or "Kind name" for cluster-scoped objects) of every object. */
  Set<String> ids() {
    return objects.stream().map(Manifests::id).collect(Collectors.toCollection(TreeSet::new));
  }

  static String id(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return o.getKind()
        + " "
        + (ns == null || ns.isEmpty() ? "" : ns + "/")
        + o.getMetadata().getName();
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return objects.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no " + type.getSimpleName() + " " + name + " in " + ids()));
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  Deployment deployment() {
    List<Deployment> d = all(Deployment.class);
    assertThat(d).as("Deployments in %s", ids()).hasSize(1);
    return d.get(0);
  }

  /** The operator container's environment as name -> value (valueFrom entries map to null). */
  Map<String, String> env() {
    var env = deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    // LinkedHashMap allows the null values of valueFrom entries (Collectors.toMap does not).
    Map<String, String> out = new LinkedHashMap<>();
    env.forEach(e -> out.put(e.getName(), e.getValue()));
    return out;
  }

  /** Every RBAC rule, in Roles and ClusterRoles. */
  List<PolicyRule> rules() {
    return Stream.concat(
            all(Role.class).stream().flatMap(r -> r.getRules().stream()),
            all(ClusterRole.class).stream()
                .flatMap(r -> r.getRules() == null ? Stream.empty() : r.getRules().stream()))
        .toList();
  }

  /** Fails naming the rule if any RBAC rule uses "*" anywhere. */
  void assertNoWildcards() {
    List<PolicyRule> rules = rules();
    assertThat(rules).as("RBAC rules in %s", ids()).isNotEmpty();
    for (PolicyRule r : rules) {
      List<String> all =
          Stream.of(
                  r.getApiGroups(),
                  r.getResources(),
                  r.getVerbs(),
                  r.getResourceNames(),
                  r.getNonResourceURLs())
              .filter(Objects::nonNull)
              .flatMap(List::stream)
              .toList();
      assertThat(all).as("rule %s", r).noneMatch(s -> s.contains("*"));
    }
  }

  /** A Pod made from the Deployment's pod template, as the ReplicaSet controller would. */
  Pod pod(String namespace) {
    var template = deployment().getSpec().getTemplate();
    return new PodBuilder()
        .withNewMetadata()
        .withName(deployment().getMetadata().getName() + "-pod")
        .withNamespace(namespace)
        .withLabels(template.getMetadata().getLabels())
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
  }
}
