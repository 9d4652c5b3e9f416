/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.crd.generator.annotation.SelectableField;
import java.util.Objects;

/**
 * The durable record, written to status before every CreateKxChangeset, of what the operator is
 * about to send: from then on the operator can tell "never created" from "created and forgot".
 */
@JsonClassDescription(
    "What the operator recorded before calling CreateKxChangeset: the exact target, the generation"
        + " and a digest of the change requests sent, the client token and when. Once set, the spec"
        + " is immutable and the resource counts as in flight on its database.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "region",
  "environmentId",
  "databaseName",
  "generation",
  "requestsDigest",
  "clientToken",
  "attemptedAt",
  "retries"
})
public class CreateIntent {

  @JsonPropertyDescription("AWS region the create is sent to.")
  private String region;

  @SelectableField
  @JsonPropertyDescription("FinSpace kdb environment the create is sent to.")
  private String environmentId;

  @SelectableField
  @JsonPropertyDescription("kdb database the create is sent to.")
  private String databaseName;

  @JsonPropertyDescription("The metadata.generation whose spec is sent.")
  private Long generation;

  @JsonPropertyDescription(
      "sha256 digest of the change requests sent, in order (changeType, s3Path, dbPath).")
  private String requestsDigest;

  @JsonPropertyDescription("The idempotency token sent (the resource's uid).")
  private String clientToken;

  @JsonPropertyDescription("When the intent was recorded, before the first attempt (RFC 3339).")
  private String attemptedAt;

  @JsonPropertyDescription(
      "How many times a create was resumed after the first attempt (each resume is recorded"
          + " before it calls FinSpace, so that two processes never act on one intent at once).")
  private Integer retries;

  public CreateIntent() {}

  public CreateIntent(
      String region,
      String environmentId,
      String databaseName,
      Long generation,
      String requestsDigest,
      String clientToken,
      String attemptedAt) {
    this.region = region;
    this.environmentId = environmentId;
    this.databaseName = databaseName;
    this.generation = generation;
    this.requestsDigest = requestsDigest;
    this.clientToken = clientToken;
    this.attemptedAt = attemptedAt;
  }

  public CreateIntent copy() {
    CreateIntent c =
        new CreateIntent(
            region,
            environmentId,
            databaseName,
            generation,
            requestsDigest,
            clientToken,
            attemptedAt);
    c.retries = retries;
    return c;
  }

  public Integer getRetries() {
    return retries;
  }

  public void setRetries(Integer retries) {
    this.retries = retries;
  }

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public String getEnvironmentId() {
    return environmentId;
  }

  public void setEnvironmentId(String environmentId) {
    this.environmentId = environmentId;
  }

  public String getDatabaseName() {
    return databaseName;
  }

  public void setDatabaseName(String databaseName) {
    this.databaseName = databaseName;
  }

  public Long getGeneration() {
    return generation;
  }

  public void setGeneration(Long generation) {
    this.generation = generation;
  }

  public String getRequestsDigest() {
    return requestsDigest;
  }

  public void setRequestsDigest(String requestsDigest) {
    this.requestsDigest = requestsDigest;
  }

  public String getClientToken() {
    return clientToken;
  }

  public void setClientToken(String clientToken) {
    this.clientToken = clientToken;
  }

  public String getAttemptedAt() {
    return attemptedAt;
  }

  public void setAttemptedAt(String attemptedAt) {
    this.attemptedAt = attemptedAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CreateIntent other
        && Objects.equals(region, other.region)
        && Objects.equals(environmentId, other.environmentId)
        && Objects.equals(databaseName, other.databaseName)
        && Objects.equals(generation, other.generation)
        && Objects.equals(requestsDigest, other.requestsDigest)
        && Objects.equals(clientToken, other.clientToken)
        && Objects.equals(attemptedAt, other.attemptedAt)
        && Objects.equals(retries, other.retries);
  }

  @Override
  public int hashCode() {
    return Objects.hash(region, environmentId, databaseName, requestsDigest, attemptedAt);
  }
}
