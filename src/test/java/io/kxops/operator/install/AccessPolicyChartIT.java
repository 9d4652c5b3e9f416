/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.AccessPolicyCases;
import io.kxops.operator.api.v1alpha1.KxAccessPolicy;
import io.kxops.testkit.ApiServer;
import io.kxops.testkit.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart's access-policy parts: what its values render (the admission objects, the operator's
 * environment), bad KxAccessPolicies rejected by the CRD naming the field, and who may write
 * policies (nobody but the access-admin role) — the chart installed with its defaults into a real
 * API server, users by impersonation. What admission decides: AccessPolicyAdmissionIT.
 */
class AccessPolicyChartIT {

  static final AccessPolicyCases TABLE = AccessPolicyCases.load();
  static final String POLICY = Teams.POLICY;
  static final String ACCESS = Install.NAME + "-access";
  static final String REGIONS = Install.NAME + "-regions";

  static ApiServer api;
  static KubernetesClient admin;
  static Cli cli;
  static String installOutput;

  @BeforeAll
  static void install() {
    api = Install.startWithoutCrd();
    admin = api.client();
    cli = new Cli(Path.of("target", "install-it", "access-policy-chart"), api);
    installOutput =
        cli.helm(
                "install",
                Install.NAME,
                Install.CHART,
                "-n",
                Install.NS,
                "--create-namespace",
                "--wait=false")
            .ok()
            .stdout();
    for (String ns : List.of("team-a", "team-b")) {
      Teams.namespace(admin, ns, TABLE.users().get(ns));
      Teams.applyPolicy(admin, ns, TABLE.policies().get(ns));
    }
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  // ------------------------------------------------------------------------------ rendering

  @Test
  void theNotesSayWhatTheDefaultMeans() {
    assertThat(installOutput)
        .contains("the KxAccessPolicy named\n   \"finspace-access\" in that namespace")
        .contains("accessPolicy.required=false (the default): a namespace without that policy")
        .contains("--clusterrole=" + Install.NAME + "-access-admin");
  }

  @Test
  void byDefaultANamespaceWithoutAPolicyIsAllowedAndTheOperatorReadsTheSamePolicy() {
    Manifests m = Install.helmTemplate(cli);
    ValidatingAdmissionPolicyBinding b = m.get(ValidatingAdmissionPolicyBinding.class, ACCESS);
    assertThat(b.getSpec().getPolicyName()).isEqualTo(ACCESS);
    assertThat(b.getSpec().getValidationActions()).containsExactly("Deny");
    assertThat(b.getSpec().getParamRef().getName()).isEqualTo(POLICY);
    assertThat(b.getSpec().getParamRef().getNamespace())
        .as("no namespace: the policy in the KxChangeset's own namespace")
        .isNull();
    assertThat(b.getSpec().getParamRef().getParameterNotFoundAction()).isEqualTo("Allow");
    assertThat(b.getSpec().getMatchResources()).isNull();
    ValidatingAdmissionPolicy p = m.get(ValidatingAdmissionPolicy.class, ACCESS);
    assertThat(p.getSpec().getParamKind().getKind()).isEqualTo("KxAccessPolicy");
    assertThat(p.getSpec().getFailurePolicy()).isEqualTo("Fail");
    assertThat(p.getSpec().getVariables())
        .filteredOn(v -> v.getName().equals("region"))
        .singleElement()
        .satisfies(v -> assertThat(v.getExpression()).endsWith(": ''"));
    assertThat(m.ids()).noneMatch(id -> id.contains(REGIONS));
    assertThat(m.env())
        .containsEntry("ACCESS_POLICY_NAME", POLICY)
        .containsEntry("ACCESS_POLICY_REQUIRED", "false")
        .containsEntry("ALLOWED_REGIONS", "");
  }

  @Test
  void theValuesReachTheBindingsTheExpressionsAndTheOperator() {
    Manifests m =
        Install.helmTemplate(
            cli,
            "--set",
            "accessPolicy.name=kdb-fence",
            "--set",
            "accessPolicy.required=true",
            "--set",
            "config.awsRegion=eu-west-1",
            "--set",
            "config.allowedRegions={us-east-1,eu-west-1}",
            "--set",
            "config.watchNamespaces={team-a,team-b}");
    ValidatingAdmissionPolicyBinding b = m.get(ValidatingAdmissionPolicyBinding.class, ACCESS);
    assertThat(b.getSpec().getParamRef().getName()).isEqualTo("kdb-fence");
    assertThat(b.getSpec().getParamRef().getParameterNotFoundAction()).isEqualTo("Deny");
    ValidatingAdmissionPolicy regions = m.get(ValidatingAdmissionPolicy.class, REGIONS);
    assertThat(regions.getSpec().getParamKind()).isNull();
    assertThat(regions.getSpec().getVariables())
        .extracting(v -> v.getName() + "=" + v.getExpression())
        .containsExactly(
            "region=has(object.spec.region) ? object.spec.region : 'eu-west-1'",
            "allowed=[\"us-east-1\",\"eu-west-1\"]");
    for (String binding : List.of(ACCESS, REGIONS)) {
      var selector =
          m.get(ValidatingAdmissionPolicyBinding.class, binding)
              .getSpec()
              .getMatchResources()
              .getNamespaceSelector()
              .getMatchExpressions();
      assertThat(selector)
          .as("a release that watches some namespaces fences only those")
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
                assertThat(e.getValues()).containsExactly("team-a", "team-b");
              });
    }
    assertThat(m.env())
        .containsEntry("ACCESS_POLICY_NAME", "kdb-fence")
        .containsEntry("ACCESS_POLICY_REQUIRED", "true")
        .containsEntry("ALLOWED_REGIONS", "us-east-1,eu-west-1");
  }

  @Test
  void withoutAdmissionTheOperatorStillGetsItsSettings() {
    Manifests m =
        Install.helmTemplate(
            cli,
            "--set",
            "accessPolicy.admission.enabled=false",
            "--set",
            "config.awsRegion=us-east-1",
            "--set",
            "config.allowedRegions={us-east-1}");
    assertThat(m.ids()).noneMatch(id -> id.startsWith("ValidatingAdmissionPolicy"));
    assertThat(m.env()).containsEntry("ALLOWED_REGIONS", "us-east-1");
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of(List.of("config.allowedRegions={us-east-1}"), "needs config.awsRegion"),
        Arguments.of(
            List.of("config.allowedRegions={us-east-1}", "config.awsRegion=eu-west-1"),
            "config.awsRegion eu-west-1 is not in config.allowedRegions"),
        Arguments.of(List.of("config.allowedRegions={Frankfurt}"), "/config/allowedRegions/0"),
        Arguments.of(List.of("accessPolicy.name=Team_Policy"), "/accessPolicy/name"),
        Arguments.of(List.of("accessPolicy.required=maybe"), "/accessPolicy/required"),
        Arguments.of(List.of("accessPolicy.admission.enabled=yes"), "/accessPolicy/admission"),
        Arguments.of(List.of("accessPolicy.nmae=x"), "'nmae' not allowed"));
  }

  @ParameterizedTest(name = "--set {0}")
  @MethodSource("badValues")
  void badValuesAreRejectedNamingTheValue(List<String> sets, String named) {
    List<Object> args = new ArrayList<>(List.of("template", Install.NAME, Install.CHART));
    sets.forEach(s -> args.addAll(List.of("--set", s)));
    Cli.Result r = cli.helm(args.toArray());
    assertThat(r.exitCode()).as("helm template %s", sets).isNotZero();
    assertThat(r.stderr()).contains(named);
  }

  // ---------------------------------------------------------------- bad policies (the CRD)

  static Stream<Arguments> badPolicies() {
    return Stream.of(
        Arguments.of("regions: [Frankfurt]", "spec.regions[0]"),
        Arguments.of("regions: []", "spec.regions"),
        Arguments.of("environmentIds: []", "spec.environmentIds"),
        Arguments.of("environmentIds: [\"env\\nx\"]", "spec.environmentIds[0]"),
        Arguments.of("databaseNames: [tr*des]", "* may appear nowhere else"),
        Arguments.of("databaseNames: [\"trades**\"]", "spec.databaseNames[0]"),
        Arguments.of("s3Prefixes: [s3://kdb-data/team-a]", "spec.s3Prefixes: Invalid value"),
        Arguments.of("s3Prefixes: [s3://kdb-data/team-a/../]", "spec.s3Prefixes[0]"),
        Arguments.of("s3Prefixes: [https://kdb-data/team-a/]", "ends with '/'"),
        Arguments.of("roleArn: arn:aws:iam::111122223333:user/alice", "spec.roleArn"),
        Arguments.of("roleArn: kdb-team-a", "roleArn must be an IAM role ARN"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPolicies")
  void aBadPolicyIsRejectedNamingTheField(String bad, String named) {
    String key = bad.substring(0, bad.indexOf(':'));
    StringBuilder spec = new StringBuilder(bad).append('\n');
    for (String line :
        List.of(
            "environmentIds: [envteamaaaaaaaaaaaaaaa]",
            "databaseNames: [trades-a]",
            "s3Prefixes: [s3://kdb-data/team-a/]")) {
      if (!line.startsWith(key)) {
        spec.append(line).append('\n');
      }
    }
    String yaml =
        "apiVersion: finspace.kxops.io/v1alpha1\nkind: KxAccessPolicy\nmetadata:\n"
            + "  name: bad\n  namespace: team-a\nspec:\n"
            + spec.toString().indent(2);
    KxAccessPolicy p = Serialization.unmarshal(yaml, KxAccessPolicy.class);
    assertThatThrownByInvalid(() -> admin.resource(p).create(), named);
  }

  static Stream<Path> samplePolicies() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("config", "samples", "access-policies"))) {
      return files.sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samplePolicies")
  void everySamplePolicyIsAValidPolicyInItsTeamsNamespace(Path sample) throws IOException {
    List<KxAccessPolicy> docs =
        Stream.of(Files.readString(sample).split("(?m)^---\\s*$"))
            .map(doc -> Serialization.unmarshal(doc, KxAccessPolicy.class))
            .toList();
    assertThat(docs).isNotEmpty();
    for (KxAccessPolicy p : docs) {
      assertThat(p.getMetadata().getName()).isEqualTo(POLICY);
      assertThat(p.getMetadata().getNamespace()).startsWith("team-");
      // Another name, so that the dry run does not meet the policy the IT put there.
      p.getMetadata().setName("sample");
      KxAccessPolicy admitted =
          admin.resource(p).dryRun().fieldValidation(FieldValidateable.Validation.STRICT).create();
      assertThat(admitted.getSpec().getDatabaseNames()).isEqualTo(p.getSpec().getDatabaseNames());
    }
  }

  static void assertThatThrownByInvalid(Runnable call, String named) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getMessage()).contains(named);
            });
  }

  static Object[] withAs(String user, Object... args) {
    List<Object> all = new ArrayList<>(List.of("--as=" + user));
    all.addAll(List.of(args));
    return all.toArray();
  }

  // -------------------------------------------------------------- who may write policies

  @Test
  void aTeamUserHasNoRightOnPoliciesNotEvenInTheirOwnNamespace() {
    try (KubernetesClient alice = api.impersonating("alice")) {
      for (String verb :
          List.of(
              "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")) {
        Access a = Access.of(verb, Access.FINSPACE, "kxaccesspolicies", "team-a");
        assertThat(a.allowedFor(alice)).as("alice may %s", a).isFalse();
      }
      KxAccessPolicy own = Teams.policy("team-a", TABLE.policies().get("team-a"));
      own.getMetadata().setName("alice-widens");
      HelmChartIT.assertForbidden(() -> alice.resource(own).create());
      HelmChartIT.assertForbidden(
          () ->
              alice
                  .resources(KxAccessPolicy.class)
                  .inNamespace("team-a")
                  .withName(POLICY)
                  .edit(p -> p));
    }
    for (Object[] args :
        List.of(
            new Object[] {"-n", "team-a", "delete", "kxap", POLICY},
            new Object[] {
              "-n",
              "team-a",
              "patch",
              "kxap",
              POLICY,
              "--type=merge",
              "-p",
              "{\"spec\":{\"databaseNames\":[\"*\"]}}"
            },
            new Object[] {"-n", "team-a", "get", "kxap"})) {
      Cli.Result r = cli.kubectl(withAs("alice", args));
      assertThat(r.exitCode()).as(r.output()).isNotZero();
      assertThat(r.stderr()).contains("forbidden");
    }
    assertThat(admin.resources(KxAccessPolicy.class).inNamespace("team-a").withName(POLICY).get())
        .isNotNull();
  }

  @Test
  void noRoleAggregatedIntoAdminEditOrViewGrantsAnythingOnPolicies() {
    List<String> aggregated = new ArrayList<>();
    for (var role : admin.rbac().clusterRoles().list().getItems()) {
      var labels = role.getMetadata().getLabels();
      if (labels == null
          || labels.keySet().stream()
              .noneMatch(k -> k.startsWith("rbac.authorization.k8s.io/aggregate-to-"))) {
        continue;
      }
      aggregated.add(role.getMetadata().getName());
      // The built-in edit and view roles carry these labels too; without a controller-manager
      // here their aggregated rules are empty (null).
      for (var rule : role.getRules() == null ? List.<PolicyRule>of() : role.getRules()) {
        boolean ourGroup =
            rule.getApiGroups().contains(Access.FINSPACE) || rule.getApiGroups().contains("*");
        assertThat(
                ourGroup
                    && rule.getResources().stream()
                        .anyMatch(r -> r.startsWith("kxaccess") || r.equals("*")))
            .as("ClusterRole %s rule %s", role.getMetadata().getName(), rule)
            .isFalse();
      }
    }
    assertThat(aggregated).contains(Teams.EDIT_ROLE, Install.NAME + "-view");
  }

  @Test
  void theAccessAdminRoleWritesPoliciesAndIsAggregatedNowhere() {
    String role = Install.NAME + "-access-admin";
    assertThat(admin.rbac().clusterRoles().withName(role).get().getMetadata().getLabels())
        .allSatisfy((k, v) -> assertThat(k).doesNotContain("aggregate-to"));
    admin
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("platform-access-admin")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName("platform")
                .endSubject()
                .build())
        .serverSideApply();
    Teams.namespace(admin, "team-x", "xavier");
    try (KubernetesClient platform = api.impersonating("platform")) {
      KxAccessPolicy p = Teams.policy("team-x", TABLE.policies().get("team-b"));
      platform.resource(p).create();
      platform
          .resources(KxAccessPolicy.class)
          .inNamespace("team-x")
          .withName(POLICY)
          .edit(
              q -> {
                q.getSpec().setDatabaseNames(List.of("trades-x"));
                return q;
              });
      assertThat(platform.resources(KxAccessPolicy.class).inAnyNamespace().list().getItems())
          .extracting(q -> q.getMetadata().getNamespace())
          .contains("team-a", "team-b", "team-x");
      platform.resources(KxAccessPolicy.class).inNamespace("team-x").withName(POLICY).delete();
      assertThat(
              Access.of("create", Access.FINSPACE, "kxchangesets", "team-x").allowedFor(platform))
          .as("policies only: the role grants nothing on KxChangesets")
          .isFalse();
    }
  }
}
