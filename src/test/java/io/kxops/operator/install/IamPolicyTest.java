/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kxops.operator.finspace.Caller;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The IAM documents under config/iam stay least-privilege and match the install's names. */
class IamPolicyTest {

  static final Path DIR = Path.of("config", "iam");
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode read(String file) throws IOException {
    return JSON.readTree(DIR.resolve(file).toFile());
  }

  /** A string or an array of strings, as IAM allows for Action and Resource. */
  static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n == null || n.isMissingNode()) {
      return out;
    }
    if (n.isArray()) {
      n.forEach(x -> out.add(x.asText()));
    } else {
      out.add(n.asText());
    }
    return out;
  }

  @Test
  void operatorPolicyGrantsOnlyTheThreeChangesetCallsAndStagingReads() throws IOException {
    Set<String> actions = new TreeSet<>();
    for (JsonNode s : read("operator-policy.json").get("Statement")) {
      assertThat(s.get("Effect").asText()).isEqualTo("Allow");
      List<String> stmtActions = strings(s.get("Action"));
      actions.addAll(stmtActions);
      List<String> resources = strings(s.get("Resource"));
      assertThat(resources).as("resources of %s", stmtActions).isNotEmpty().doesNotContain("*");
      if (stmtActions.stream().anyMatch(a -> a.startsWith("finspace:"))) {
        assertThat(resources)
            .allMatch(
                r -> r.matches("arn:aws:finspace:[^:]+:[^:]+:kxEnvironment/[^/]+/kxDatabase/.+"));
      }
      if (stmtActions.stream().anyMatch(a -> a.startsWith("sts:"))) {
        // Only the teams' roles, by a name prefix: never every role of the account.
        assertThat(stmtActions).containsExactlyInAnyOrder("sts:AssumeRole", "sts:TagSession");
        assertThat(resources)
            .allMatch(r -> r.matches("arn:aws:iam::<account>:role/kxops-team-\\*"));
      }
    }
    assertThat(actions)
        .containsExactlyInAnyOrder(
            "finspace:CreateKxChangeset",
            "finspace:GetKxChangeset",
            "finspace:ListKxChangesets",
            "s3:GetObject",
            "s3:GetObjectTagging",
            "s3:GetObjectVersion",
            "s3:ListBucket",
            "sts:AssumeRole",
            "sts:TagSession");
  }

  @Test
  void teamRoleTrustsOnlyTheOperatorsRoleForItsOwnNamespaceTag() throws IOException {
    JsonNode statements = read("team-role-trust-policy.json").get("Statement");
    assertThat(statements).hasSize(1);
    JsonNode s = statements.get(0);
    assertThat(s.get("Effect").asText()).isEqualTo("Allow");
    assertThat(s.at("/Principal/AWS").asText())
        .isEqualTo("arn:aws:iam::<account>:role/<operator-role>");
    assertThat(strings(s.get("Action")))
        .containsExactlyInAnyOrder("sts:AssumeRole", "sts:TagSession");
    // The session tag and name the operator sets (RoleCredentials): this role serves one
    // namespace, so a policy of another namespace naming it cannot have it assumed.
    JsonNode eq = s.at("/Condition/StringEquals");
    assertThat(eq.path("aws:RequestTag/" + Caller.NAMESPACE_TAG).asText())
        .isEqualTo("<team-namespace>");
    assertThat(eq.path("sts:RoleSessionName").asText())
        .isEqualTo(Caller.sessionName("<team-namespace>"));
    assertThat(strings(s.at("/Condition/ForAllValues:StringEquals/aws:TagKeys")))
        .containsExactly(Caller.NAMESPACE_TAG);
  }

  @Test
  void teamRolePolicyGrantsTheThreeChangesetCallsOnTheTeamsDatabaseAndPrefixOnly()
      throws IOException {
    Set<String> actions = new TreeSet<>();
    for (JsonNode s : read("team-role-policy.json").get("Statement")) {
      assertThat(s.get("Effect").asText()).isEqualTo("Allow");
      List<String> stmtActions = strings(s.get("Action"));
      actions.addAll(stmtActions);
      List<String> resources = strings(s.get("Resource"));
      assertThat(resources).isNotEmpty().doesNotContain("*");
      if (stmtActions.contains("s3:GetObject")) {
        assertThat(resources).containsExactly("arn:aws:s3:::<staging-bucket>/<team-prefix>/*");
      }
      if (stmtActions.contains("s3:ListBucket")) {
        assertThat(strings(s.at("/Condition/StringLike/s3:prefix")))
            .containsExactly("<team-prefix>/*");
      }
    }
    assertThat(actions)
        .containsExactlyInAnyOrder(
            "finspace:CreateKxChangeset",
            "finspace:GetKxChangeset",
            "finspace:ListKxChangesets",
            "s3:GetObject",
            "s3:GetObjectTagging",
            "s3:GetObjectVersion",
            "s3:ListBucket");
  }

  @Test
  void stagingBucketPolicyLetsOnlyFinSpaceOfThisAccountAndEnvironmentRead() throws IOException {
    Set<String> actions = new TreeSet<>();
    for (JsonNode s : read("staging-bucket-policy.json").get("Statement")) {
      assertThat(s.at("/Principal/Service").asText()).isEqualTo("finspace.amazonaws.com");
      assertThat(s.at("/Condition/StringEquals/aws:SourceAccount").isTextual()).isTrue();
      assertThat(s.at("/Condition/ArnLike/aws:SourceArn").asText())
          .matches("arn:aws:finspace:[^:]+:[^:]+:kxEnvironment/[^/]+/\\*");
      actions.addAll(strings(s.get("Action")));
    }
    assertThat(actions)
        .containsExactlyInAnyOrder(
            "s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:ListBucket");
  }

  @Test
  void irsaTrustPolicyNamesTheInstallsServiceAccount() throws IOException {
    JsonNode s = read("irsa-trust-policy.json").get("Statement").get(0);
    assertThat(s.get("Action").asText()).isEqualTo("sts:AssumeRoleWithWebIdentity");
    assertThat(s.at("/Condition/StringEquals").toString())
        .contains(
            "\"system:serviceaccount:" + Install.NS + ":" + Install.NAME + "\"",
            "\"sts.amazonaws.com\"");
  }

  @Test
  void podIdentityTrustPolicyTrustsTheAgentForTheInstallsServiceAccountOnOneCluster()
      throws IOException {
    JsonNode statements = read("pod-identity-trust-policy.json").get("Statement");
    assertThat(statements).hasSize(1);
    JsonNode s = statements.get(0);
    assertThat(s.at("/Principal/Service").asText()).isEqualTo("pods.eks.amazonaws.com");
    assertThat(strings(s.get("Action")))
        .containsExactlyInAnyOrder("sts:AssumeRole", "sts:TagSession");
    // Without conditions any Pod Identity association of the account could assume the role.
    JsonNode eq = s.at("/Condition/StringEquals");
    assertThat(eq.path("aws:SourceAccount").asText()).isEqualTo("<account>");
    assertThat(eq.path("aws:RequestTag/eks-cluster-arn").asText())
        .matches("arn:aws:eks:<region>:<account>:cluster/<cluster>");
    assertThat(eq.path("aws:RequestTag/kubernetes-namespace").asText()).isEqualTo(Install.NS);
    assertThat(eq.path("aws:RequestTag/kubernetes-service-account").asText())
        .isEqualTo(Install.NAME);
  }
}
