/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** The regions, environments, databases, S3 prefixes and IAM role a namespace may use. */
@JsonClassDescription(
    "What the KxChangesets of this namespace may target. Enforced at admission and re-checked by"
        + " the operator before every CreateKxChangeset.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"regions", "environmentIds", "databaseNames", "s3Prefixes", "roleArn"})
public class KxAccessPolicySpec {

  @Size(max = 32)
  @JsonPropertyDescription(
      "AWS regions the namespace may target, for example [us-east-1]. Absent: any region the"
          + " operator allows.")
  private List<String> regions;

  @Required
  @Size(min = 1, max = 64)
  @JsonPropertyDescription("FinSpace kdb environment ids the namespace may target.")
  private List<String> environmentIds = new ArrayList<>();

  @Required
  @Size(min = 1, max = 256)
  @JsonPropertyDescription(
      "Database names the namespace may target: an exact name, or a prefix followed by '*'"
          + " (trades-* matches trades-eu and trades-us).")
  private List<String> databaseNames = new ArrayList<>();

  @Size(max = 64)
  @JsonPropertyDescription(
      "S3 prefixes a PUT may read from, each ending with '/', for example"
          + " s3://team-a-data/kdb/. Absent or empty: the namespace may only DELETE.")
  private List<String> s3Prefixes;

  @JsonPropertyDescription(
      "IAM role the operator assumes (STS AssumeRole, session tags naming the namespace) to sign"
          + " this namespace's FinSpace calls. Absent: the operator's own credentials.")
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
