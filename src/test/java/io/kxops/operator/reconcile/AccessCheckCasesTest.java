/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kxops.operator.api.v1alpha1.AccessPolicyCases;
import io.kxops.operator.api.v1alpha1.KxAccessPolicy;
import io.kxops.operator.api.v1alpha1.KxAccessPolicySpec;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator's re-check before create answers every case of the table the admission IT runs on a
 * real API server (src/test/resources/access-policy/cases.yaml) as admission does: allowed, or
 * denied naming the same field.
 */
class AccessCheckCasesTest {

  static final AccessPolicyCases TABLE = AccessPolicyCases.load();

  static Stream<AccessPolicyCases.Case> cases() {
    return TABLE.cases().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theOperatorAnswersAsAdmissionDoes(AccessPolicyCases.Case c) {
    AccessCheck.Rules rules =
        new AccessCheck.Rules(
            "finspace-access", false, new HashSet<>(TABLE.settings().allowedRegions()));
    KxAccessPolicy policy = c.policy(TABLE).map(spec -> policy(c.namespace(), spec)).orElse(null);

    List<AccessCheck.Violation> violations =
        AccessCheck.check(
            c.namespace(), c.spec(), policy, rules, TABLE.settings().operatorRegion());

    if (c.allowed()) {
      assertThat(violations).isEmpty();
    } else {
      assertThat(violations).extracting(AccessCheck.Violation::field).contains(c.field());
      AccessCheck.Violation v =
          violations.stream().filter(x -> x.field().equals(c.field())).findFirst().orElseThrow();
      if (c.by() == AccessPolicyCases.By.policy) {
        assertThat(v.message()).contains(c.namespace() + "/finspace-access");
      } else {
        assertThat(v.message()).contains("ALLOWED_REGIONS");
      }
    }
  }

  static KxAccessPolicy policy(String namespace, KxAccessPolicySpec spec) {
    KxAccessPolicy p = new KxAccessPolicy();
    p.setMetadata(
        new ObjectMetaBuilder().withNamespace(namespace).withName("finspace-access").build());
    p.setSpec(spec);
    return p;
  }
}
