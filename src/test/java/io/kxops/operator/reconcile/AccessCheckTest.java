/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxAccessPolicy;
import io.kxops.operator.api.v1alpha1.KxAccessPolicySpec;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The operator's access check: every field a policy restricts, named with the policy. */
class AccessCheckTest {

  static final AccessCheck.Rules OPEN = AccessCheck.Rules.OPEN;

  static KxAccessPolicy policy(
      List<String> regions, List<String> envs, List<String> dbs, List<String> prefixes) {
    KxAccessPolicy p = new KxAccessPolicy();
    p.setMetadata(
        new ObjectMetaBuilder().withName("finspace-access").withNamespace("team-a").build());
    KxAccessPolicySpec s = new KxAccessPolicySpec();
    s.setRegions(regions);
    s.setEnvironmentIds(envs);
    s.setDatabaseNames(dbs);
    s.setS3Prefixes(prefixes);
    p.setSpec(s);
    return p;
  }

  static final KxAccessPolicy TEAM_A =
      policy(null, List.of("env1"), List.of("trades", "quotes-*"), List.of("s3://b/team-a/"));

  static KxChangesetSpec spec(String region, String env, String db, ChangeRequest... requests) {
    return new KxChangesetSpec(env, db, region, List.of(requests));
  }

  static List<AccessCheck.Violation> check(KxChangesetSpec spec, KxAccessPolicy p) {
    return AccessCheck.check("team-a", spec, p, OPEN, "us-east-1");
  }

  @Test
  void aResourceInsideItsPolicyHasNoViolation() {
    assertThat(
            check(
                spec(
                    null,
                    "env1",
                    "quotes-eu",
                    ChangeRequest.put("s3://b/team-a/2020.01.02/", "/2020.01.02/"),
                    ChangeRequest.delete("/2020.01.01/")),
                TEAM_A))
        .isEmpty();
  }

  @Test
  void eachFieldOutsideThePolicyIsNamedWithThePolicy() {
    var v =
        check(
            spec(
                "eu-west-1",
                "env2",
                "orders",
                ChangeRequest.delete("/a/"),
                ChangeRequest.put("s3://b/team-b/x/", "/x/")),
            policy(
                List.of("us-east-1"),
                List.of("env1"),
                List.of("trades"),
                List.of("s3://b/team-a/")));

    assertThat(v)
        .extracting(AccessCheck.Violation::field)
        .containsExactly(
            "spec.region",
            "spec.environmentId",
            "spec.databaseName",
            "spec.changeRequests[1].s3Path");
    assertThat(v)
        .allSatisfy(x -> assertThat(x.message()).contains("KxAccessPolicy team-a/finspace-access"));
    assertThat(AccessCheck.describe(v))
        .startsWith("spec.region: region 'eu-west-1' is not among the regions [us-east-1]")
        .contains("spec.environmentId: 'env2' is not among the environmentIds [env1]")
        .contains("spec.databaseName: 'orders' matches none of the databaseNames [trades]")
        .contains(
            "spec.changeRequests[1].s3Path: 's3://b/team-b/x/' is under none of the s3Prefixes");
  }

  @ParameterizedTest(name = "{0} under {1}: {2}")
  @CsvSource({
    "s3://b/team-a/x, s3://b/team-a/, true",
    "s3://b/team-a/, s3://b/team-a/, true",
    "s3://b/team-ab/x, s3://b/team-a/, false",
    // A prefix without its '/' (admission requires it) still ends on a boundary.
    "s3://b/team-ab/x, s3://b/team-a, false",
    "s3://b/team-a/x/y.csv, s3://b/team-a, true",
    "s3://b/team-a/../team-b/x, s3://b/team-a/, false",
    "s3://b/team-a/./x, s3://b/team-a/, false",
    "s3://b/team-a/..x/, s3://b/team-a/, true",
    "s3://bb/team-a/x, s3://b/team-a/, false",
  })
  void s3PrefixesMatchOnPathBoundaries(String path, String prefix, boolean under) {
    assertThat(AccessCheck.underPrefix(path, prefix)).isEqualTo(under);
  }

  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource({
    "trades, trades, true",
    "trades, trades-eu, false",
    "trades-*, trades-eu, true",
    "trades-*, trades, false",
    "*, anything, true",
  })
  void databaseNamesAreExactOrAPrefixWithAStar(String entry, String name, boolean matches) {
    assertThat(AccessCheck.databaseMatches(entry, name)).isEqualTo(matches);
  }

  @Test
  void withoutS3PrefixesOnlyDeletesAreAllowed() {
    KxAccessPolicy deleteOnly = policy(null, List.of("env1"), List.of("trades"), null);
    assertThat(check(spec(null, "env1", "trades", ChangeRequest.delete("/a/")), deleteOnly))
        .isEmpty();
    assertThat(
            check(
                spec(null, "env1", "trades", ChangeRequest.put("s3://b/team-a/x/", "/x/")),
                deleteOnly))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("spec.changeRequests[0].s3Path");
              assertThat(v.message())
                  .contains("has no s3Prefixes, so it allows DELETE requests only");
            });
  }

  @Test
  void aSpecWithoutRegionIsCheckedAsTheOperatorsRegion() {
    KxAccessPolicy euOnly =
        policy(List.of("eu-west-1"), List.of("env1"), List.of("trades"), List.of("s3://b/"));
    var v = check(spec(null, "env1", "trades", ChangeRequest.delete("/a/")), euOnly);
    assertThat(v).singleElement().extracting(AccessCheck.Violation::field).isEqualTo("spec.region");
    assertThat(v.get(0).message()).contains("'us-east-1' (the operator's region: none is set)");
    assertThat(check(spec("eu-west-1", "env1", "trades", ChangeRequest.delete("/a/")), euOnly))
        .isEmpty();
  }

  @Test
  void aNamespaceWithoutPolicyIsAllowedUnlessTheOperatorRequiresOne() {
    KxChangesetSpec s = spec(null, "env9", "any", ChangeRequest.put("s3://x/y/", "/y/"));
    assertThat(AccessCheck.check("team-c", s, null, OPEN, "us-east-1")).isEmpty();

    var required = new AccessCheck.Rules("finspace-access", true, Set.of());
    assertThat(AccessCheck.check("team-c", s, null, required, "us-east-1"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("metadata.namespace");
              assertThat(v.message())
                  .isEqualTo(
                      "namespace team-c has no KxAccessPolicy team-c/finspace-access, and the"
                          + " operator requires one (ACCESS_POLICY_REQUIRED=true)");
            });
  }

  @Test
  void allowedRegionsApplyWithOrWithoutAPolicy() {
    var rules = new AccessCheck.Rules("finspace-access", false, Set.of("us-east-1", "eu-west-1"));
    KxChangesetSpec apSouth = spec("ap-south-1", "env1", "trades", ChangeRequest.delete("/a/"));
    assertThat(AccessCheck.check("team-c", apSouth, null, rules, "us-east-1"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("spec.region");
              assertThat(v.message())
                  .isEqualTo(
                      "region 'ap-south-1' is not among the operator's ALLOWED_REGIONS"
                          + " [eu-west-1, us-east-1]");
            });
    assertThat(AccessCheck.check("team-a", apSouth, TEAM_A, rules, "us-east-1"))
        .extracting(AccessCheck.Violation::field)
        .containsExactly("spec.region");
    assertThat(
            AccessCheck.check(
                "team-c",
                spec(null, "env1", "trades", ChangeRequest.delete("/a/")),
                null,
                rules,
                "us-east-1"))
        .isEmpty();
  }

  @Test
  void aPolicyWithoutSpecAllowsNothingAndLongListsAreAbbreviated() {
    KxAccessPolicy empty = policy(null, null, null, null);
    empty.setSpec(null);
    assertThat(check(spec(null, "env1", "trades", ChangeRequest.delete("/a/")), empty))
        .extracting(AccessCheck.Violation::field)
        .containsExactly("spec");
    assertThat(AccessCheck.quote(List.of("g", "f", "e", "d", "c", "b", "a")))
        .isEqualTo("[a, b, c, d, e, ... (7 in all)]");
  }
}
