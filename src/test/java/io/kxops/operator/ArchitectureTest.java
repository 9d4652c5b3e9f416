/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator's package boundaries, checked on its compiled classes (target/classes). */
class ArchitectureTest {

  private static JavaClasses operator;

  @BeforeAll
  static void importOperatorClasses() {
    operator = new ClassFileImporter().importPath(Path.of("target", "classes"));
  }

  /**
   * The emulator is a test tool with an unauthenticated admin API: the operator must run without
   * it. (It is not on the operator's compile classpath either; this keeps it so if that changes.)
   */
  @Test
  void noOperatorPackageDependsOnTheEmulator() {
    noClasses()
        .that()
        .resideInAPackage("io.kxops.operator..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.kxops.emulator..")
        .check(operator);
  }

  /** The AWS SDK stays behind the FinSpace interface: only the finspace package imports it. */
  @Test
  void onlyTheFinSpacePackageUsesTheAwsSdk() {
    noClasses()
        .that()
        .resideInAPackage("io.kxops.operator..")
        .and()
        .resideOutsideOfPackage("io.kxops.operator.finspace")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("software.amazon.awssdk..")
        .check(operator);
  }

  /**
   * The reconcile rules are plain Java: JOSDK and the Kubernetes client are reached only through
   * the controller package's adapters (StatusStore, ClusterView).
   */
  @Test
  void theReconcileLogicUsesNeitherJosdkNorTheKubernetesClient() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.kxops.operator.reconcile",
            "io.kxops.operator.status",
            "io.kxops.operator.finspace",
            "io.kxops.operator.api..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.javaoperatorsdk..", "io.fabric8.kubernetes.client.dsl..")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("io.fabric8.kubernetes.client.KubernetesClient")
        .check(operator);
  }
}
