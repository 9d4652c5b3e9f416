/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * Since when FinSpace calls for this resource have failed for one reason: a restart-proof clock.
 */
@JsonClassDescription(
    "The reason FinSpace calls for this resource currently fail with, and since when; cleared by"
        + " the next successful call. Bounds such as ACCESS_DENIED_STALL_AFTER count from 'since'.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"reason", "since"})
public class CallFailure {

  @JsonPropertyDescription("The condition reason of the failure, for example AccessDenied.")
  private String reason;

  @JsonPropertyDescription("When calls started failing with this reason (RFC 3339).")
  private String since;

  public CallFailure() {}

  public CallFailure(String reason, String since) {
    this.reason = reason;
    this.since = since;
  }

  public CallFailure copy() {
    return new CallFailure(reason, since);
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getSince() {
    return since;
  }

  public void setSince(String since) {
    this.since = since;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CallFailure other
        && Objects.equals(reason, other.reason)
        && Objects.equals(since, other.since);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, since);
  }
}
