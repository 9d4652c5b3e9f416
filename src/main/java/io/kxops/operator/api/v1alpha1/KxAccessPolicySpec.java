/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** The regions, environments, databases, S3 prefixes and IAM role a namespace may use. */
@JsonClassDescription(
    "What the KxChangesets of this namespace may target. Enforced at admission and re-checked by"
        + " the operator before every CreateKxChangeset.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"regions", "environmentIds", "databaseNames", "s3Prefixes", "roleArn"})
public class KxAccessPolicySpec {

  /**
   * A database name as KxChangeset allows it, or a prefix of one followed by '*' ("*" alone: every
   * database). Anchored, so that nothing but one trailing '*' can widen a name.
   */
  public static final String DATABASE_NAME_PATTERN =
      "^([a-zA-Z0-9][a-zA-Z0-9-_]*[a-zA-Z0-9]|([a-zA-Z0-9][a-zA-Z0-9-_]*)?\\*)$";

  /**
   * An S3 bucket (the bucket part of KxChangeset's s3Path pattern), then whole key segments, ending
   * with '/': a prefix ends at a segment boundary, so s3://b/team-a/ never matches s3://b/team-ab/.
   * No segment of dots only ('.', '..'): a person reads those as path steps, S3 does not.
   */
  public static final String S3_PREFIX_PATTERN =
      "^s3://[a-z0-9][a-z0-9-.]{1,61}[a-z0-9]/([^/]*[^/.][^/]*/)*$";

  /**
   * An IAM role ARN in any partition: 12-digit account, optional path, and a role name of at most
   * 64 of IAM's name characters.
   */
  public static final String ROLE_ARN_PATTERN =
      "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([\\x21-\\x7E]+/)?[A-Za-z0-9+=,.@_-]{1,64}$";

  @Size(min = 1, max = 32)
  @JsonPropertyDescription(
      "AWS regions the namespace may target, for example [us-east-1]. A KxChangeset without"
          + " spec.region targets the operator's region, which must be listed. Absent: any region"
          + " the operator allows.")
  private List<@Size(max = 32) @Pattern(KxChangesetSpec.REGION_PATTERN) String> regions;

  @Required
  @Size(min = 1, max = 64)
  @JsonPropertyDescription(
      "FinSpace kdb environment ids the namespace may target (exact ids, 1-32 characters each).")
  private List<@Size(min = 1, max = 32) @Pattern(KxChangesetSpec.ENVIRONMENT_ID_PATTERN) String>
      environmentIds = new ArrayList<>();

  @Required
  @Size(min = 1, max = 256)
  @ValidationRule(
      value = "self.all(n, n.indexOf('*') == -1 || n.indexOf('*') == size(n) - 1)",
      message =
          "a database name is exact (trades) or a prefix ending with a single * (trades-*);"
              + " * may appear nowhere else",
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "Database names the namespace may target: an exact name, or a prefix followed by '*'"
          + " (trades-* matches trades-eu and trades-us; '*' alone matches every database of the"
          + " listed environments).")
  private List<@Size(min = 1, max = 63) @Pattern(DATABASE_NAME_PATTERN) String> databaseNames =
      new ArrayList<>();

  @Size(max = 64)
  @ValidationRule(
      value = "self.all(p, p.startsWith('s3://') && p.endsWith('/'))",
      message =
          "each S3 prefix is s3://bucket/ followed by whole key segments and ends with '/'"
              + " (so that s3://bucket/team-a/ does not admit s3://bucket/team-ab/)",
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "S3 prefixes a PUT may read from: s3://bucket/ followed by whole key segments, each prefix"
          + " ending with '/', for example s3://team-a-data/kdb/ (which does not match"
          + " s3://team-a-data/kdb2/). Absent or empty: the namespace may only DELETE.")
  private List<@Size(min = 9, max = 1024) @Pattern(S3_PREFIX_PATTERN) String> s3Prefixes;

  @Size(min = 20, max = 2048)
  @Pattern(ROLE_ARN_PATTERN)
  @ValidationRule(
      value = "self.startsWith('arn:') && self.contains(':iam::') && self.contains(':role/')",
      message =
          "roleArn must be an IAM role ARN, for example arn:aws:iam::111122223333:role/kdb-team-a",
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "IAM role the operator assumes (STS AssumeRole, session tags naming the namespace) to sign"
          + " this namespace's FinSpace calls, for example"
          + " arn:aws:iam::111122223333:role/kdb-team-a. Absent: the operator's own credentials.")
  private String roleArn;

  public List<String> getRegions() {
    return regions;
  }

  public void setRegions(List<String> regions) {
    this.regions = regions;
  }

  public List<String> getEnvironmentIds() {
    return environmentIds;
  }

  public void setEnvironmentIds(List<String> environmentIds) {
    this.environmentIds = environmentIds;
  }

  public List<String> getDatabaseNames() {
    return databaseNames;
  }

  public void setDatabaseNames(List<String> databaseNames) {
    this.databaseNames = databaseNames;
  }

  public List<String> getS3Prefixes() {
    return s3Prefixes;
  }

  public void setS3Prefixes(List<String> s3Prefixes) {
    this.s3Prefixes = s3Prefixes;
  }

  public String getRoleArn() {
    return roleArn;
  }

  public void setRoleArn(String roleArn) {
    this.roleArn = roleArn;
  }
}
