/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.testkit.ApiServer;
import io.kxops.testkit.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kustomize install (config/default): built by kubectl, applied to a real API server, its RBAC
 * checked by impersonation and its pod against the namespace's restricted Pod Security.
 */
class KustomizeIT extends OperatorAccessContract {

  static final String NS = Install.NS;

  static ApiServer api;
  static KubernetesClient admin;
  static Cli cli;
  static Manifests built;

  @BeforeAll
  static void start() {
    api = Install.startWithoutCrd();
    admin = api.client();
    cli = new Cli(Path.of("target", "install-it", "kustomize"), api);
    built = Manifests.parse(cli.kubectl("kustomize", "config/default").ok().stdout());
    cli.kubectl("apply", "--server-side", "-k", "config/default").ok();
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName("kdb").endMetadata().build())
        .serverSideApply();
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void buildHasTheExpectedObjectsAndNoWildcards() {
    assertThat(built.ids())
        .containsExactlyInAnyOrder(
            "Namespace kxchangeset-system",
            "CustomResourceDefinition kxchangesets.finspace.kxops.io",
            "CustomResourceDefinition kxaccesspolicies.finspace.kxops.io",
            "ServiceAccount kxchangeset-system/kxchangeset-operator",
            "ClusterRole kxchangeset-operator",
            "ClusterRoleBinding kxchangeset-operator",
            "ClusterRole kxchangeset-operator-edit",
            "ClusterRole kxchangeset-operator-view",
            "ClusterRole kxchangeset-operator-access-admin",
            "ValidatingAdmissionPolicy kxchangeset-operator-access",
            "ValidatingAdmissionPolicyBinding kxchangeset-operator-access",
            "Role kxchangeset-system/kxchangeset-operator-leader-election",
            "RoleBinding kxchangeset-system/kxchangeset-operator-leader-election",
            "Service kxchangeset-system/kxchangeset-operator-metrics",
            "Deployment kxchangeset-system/kxchangeset-operator");
    built.assertNoWildcards();
    assertThat(built.env())
        .containsEntry("LEADER_ELECTION", "true")
        .containsEntry("LOG_FORMAT", "json");
    assertThat(
            built.deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("kxops/kxchangeset-operator:0.1.0");
  }

  @Test
  void rbacRulesAreTheChartsRules() {
    // Two copies of the same least-privilege rules: they must not drift apart.
    Manifests chart = Install.helmTemplate(cli, "--set", "replicaCount=2");
    for (String name :
        new String[] {
          "kxchangeset-operator",
          "kxchangeset-operator-edit",
          "kxchangeset-operator-view",
          "kxchangeset-operator-access-admin"
        }) {
      assertThat(built.get(ClusterRole.class, name).getRules())
          .as("ClusterRole %s", name)
          .isEqualTo(chart.get(ClusterRole.class, name).getRules());
    }
    String lease = "kxchangeset-operator-leader-election";
    assertThat(built.get(Role.class, lease).getRules())
        .isEqualTo(chart.get(Role.class, lease).getRules());
  }

  @Test
  void admissionIsTheChartsDefaultAdmission() {
    // Two copies of the same CEL: the kustomize one is the chart's, rendered with its defaults.
    Manifests chart = Install.helmTemplate(cli);
    String name = "kxchangeset-operator-access";
    assertThat(built.get(ValidatingAdmissionPolicy.class, name).getSpec())
        .isEqualTo(chart.get(ValidatingAdmissionPolicy.class, name).getSpec());
    assertThat(built.get(ValidatingAdmissionPolicyBinding.class, name).getSpec())
        .isEqualTo(chart.get(ValidatingAdmissionPolicyBinding.class, name).getSpec());
  }

  @Test
  void applyCreatedEverything() {
    for (var o : built.all()) {
      assertThat(admin.resource(o).get()).as(Manifests.id(o)).isNotNull();
    }
  }

  @Override
  ApiServer api() {
    return api;
  }

  @Test
  void podIsAdmittedInItsRestrictedNamespace() {
    assertThat(admin.namespaces().withName(NS).get().getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    Pod pod = built.pod(NS);
    assertThat(admin.resource(pod).dryRun().create().getMetadata().getNamespace()).isEqualTo(NS);
  }
}
