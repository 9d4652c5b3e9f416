/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.testkit.ApiServer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an installed, cluster-wide operator's ServiceAccount ({@link Install#NS}/{@link
 * Install#NAME}, the same for both installs) may and may not do, checked by impersonating it. The
 * IT of each install extends this; its @BeforeAll puts the install on the API server.
 */
abstract class OperatorAccessContract {

  static final String SA = "system:serviceaccount:" + Install.NS + ":" + Install.NAME;

  /** The API server the install under test was applied to. */
  abstract ApiServer api();

  KubernetesClient asOperator() {
    return Access.asServiceAccount(api(), Install.NS, Install.NAME);
  }

  static Stream<Access> operatorNeeds() {
    return Stream.concat(
        Access.operatorNeeds("", "kdb").stream(),
        Access.leaseNeeds(Install.NS, Install.NAME).stream());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operatorNeeds")
  void operatorServiceAccountCan(Access access) {
    try (KubernetesClient sa = asOperator()) {
      assertThat(access.allowedFor(sa)).as("%s may %s", SA, access).isTrue();
    }
  }

  static Stream<Access> operatorMustNot() {
    return Access.operatorMustNot("kdb", Install.NS, Install.NAME).stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operatorMustNot")
  void operatorServiceAccountCannot(Access access) {
    try (KubernetesClient sa = asOperator()) {
      assertThat(access.allowedFor(sa)).as("%s may %s", SA, access).isFalse();
    }
  }

  @Test
  void operatorFrameworksLeaseCheckPasses() {
    // The Java Operator SDK refuses to start leader election unless a SelfSubjectRulesReview
    // shows create, update and get on the Lease; a name-limited rule must still count.
    try (KubernetesClient sa = asOperator()) {
      assertThat(Access.leaseVerbs(sa, Install.NS, Install.NAME))
          .contains("create", "update", "get");
    }
  }
}
