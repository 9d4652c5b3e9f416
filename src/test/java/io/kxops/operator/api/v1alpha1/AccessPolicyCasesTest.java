/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The case table is well-formed, and the policy's item patterns mean what the docs say. */
class AccessPolicyCasesTest {

  static final AccessPolicyCases TABLE = AccessPolicyCases.load();

  @Test
  void everyCaseSaysWhatItExpects() {
    assertThat(TABLE.cases()).hasSizeGreaterThan(15);
    for (AccessPolicyCases.Case c : TABLE.cases()) {
      assertThat(TABLE.users()).as(c.toString()).containsKey(c.namespace());
      assertThat(c.spec().getChangeRequests()).as(c.toString()).isNotEmpty();
      if (c.allowed()) {
        assertThat(c.field()).as(c.toString()).isNull();
        assertThat(c.by()).as(c.toString()).isNull();
      } else {
        assertThat(c.field()).as(c.toString()).startsWith("spec.");
        assertThat(c.by()).as(c.toString()).isNotNull();
        if (c.by() == AccessPolicyCases.By.policy) {
          assertThat(c.policy(TABLE)).as(c.toString()).isPresent();
        }
      }
    }
    assertThat(TABLE.cases()).extracting(AccessPolicyCases.Case::name).doesNotHaveDuplicates();
    assertThat(TABLE.settings().allowedRegions()).contains(TABLE.settings().operatorRegion());
  }

  @Test
  void theTablesPoliciesAreValidPolicies() {
    for (KxAccessPolicySpec p : TABLE.policies().values()) {
      all(p.getEnvironmentIds(), KxChangesetSpec.ENVIRONMENT_ID_PATTERN);
      all(p.getDatabaseNames(), KxAccessPolicySpec.DATABASE_NAME_PATTERN);
      all(p.getRegions(), KxChangesetSpec.REGION_PATTERN);
      all(p.getS3Prefixes(), KxAccessPolicySpec.S3_PREFIX_PATTERN);
      all(
          p.getRoleArn() == null ? null : List.of(p.getRoleArn()),
          KxAccessPolicySpec.ROLE_ARN_PATTERN);
    }
  }

  static void all(List<String> values, String pattern) {
    if (values != null) {
      assertThat(values).allMatch(v -> Pattern.compile(pattern).matcher(v).find(), pattern);
    }
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "s3://bucket/, true",
    "s3://kdb-data/team-a/, true",
    "s3://kdb-data/team-a/v1.2/, true",
    "s3://kdb-data/team-a, false",
    "s3://kdb-data/team-a/../, false",
    "s3://kdb-data/./, false",
    "s3://kdb-data//, false",
    "s3://Bucket/, false",
    "https://bucket/a/, false",
    "s3://b/, false"
  })
  void s3PrefixesEndAtASegmentBoundary(String prefix, boolean valid) {
    assertThat(Pattern.compile(KxAccessPolicySpec.S3_PREFIX_PATTERN).matcher(prefix).find())
        .isEqualTo(valid);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "trades, true",
    "trades-*, true",
    "*, true",
    "t*, true",
    "tr*des, false",
    "trades**, false",
    "-trades*, false",
    "trades-, false"
  })
  void databaseNamesAreExactOrAPrefixWithOneTrailingStar(String name, boolean valid) {
    assertThat(Pattern.compile(KxAccessPolicySpec.DATABASE_NAME_PATTERN).matcher(name).find())
        .isEqualTo(valid);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "arn:aws:iam::111122223333:role/kdb-team-a, true",
    "arn:aws-us-gov:iam::111122223333:role/teams/kdb/kdb-team-a, true",
    "arn:aws:iam::111122223333:user/alice, false",
    "arn:aws:iam::1111222233:role/short-account, false",
    "arn:aws:s3:::bucket, false"
  })
  void roleArnsAreIamRoles(String arn, boolean valid) {
    assertThat(Pattern.compile(KxAccessPolicySpec.ROLE_ARN_PATTERN).matcher(arn).find())
        .isEqualTo(valid);
  }
}
