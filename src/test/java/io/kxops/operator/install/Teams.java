/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.KxAccessPolicy;
import io.kxops.operator.api.v1alpha1.KxAccessPolicySpec;

/** Team namespaces as a platform administrator sets them up: a user, a policy. */
final class Teams {

  /** The chart's default accessPolicy.name. */
  static final String POLICY = "finspace-access";

  static final String EDIT_ROLE = Install.NAME + "-edit";

  private Teams() {}

  /** A namespace whose {@code user} holds the chart's edit role, as a team member would. */
  static void namespace(KubernetesClient admin, String ns, String user) {
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .serverSideApply();
    admin
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(user + "-edit")
                .withNamespace(ns)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", EDIT_ROLE)
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName(user)
                .endSubject()
                .build())
        .serverSideApply();
  }

  static void applyPolicy(KubernetesClient admin, String ns, KxAccessPolicySpec spec) {
    admin.resource(policy(ns, spec)).forceConflicts().serverSideApply();
  }

  /** The namespace's policy object (named {@link #POLICY}) with a copy of {@code spec}. */
  static KxAccessPolicy policy(String ns, KxAccessPolicySpec spec) {
    KxAccessPolicy p = new KxAccessPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName(POLICY).withNamespace(ns).build());
    p.setSpec(copy(spec));
    return p;
  }

  /** A copy, so that no test changes the case table's own objects. */
  static KxAccessPolicySpec copy(KxAccessPolicySpec spec) {
    return Serialization.unmarshal(Serialization.asJson(spec), KxAccessPolicySpec.class);
  }
}
