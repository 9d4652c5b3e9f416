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

/** A condition in the metav1.Condition shape, so kstatus, Flux and kubectl wait read it. */
@JsonClassDescription("A condition in the metav1.Condition shape.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "type",
  "status",
  "reason",
  "message",
  "observedGeneration",
  "lastTransitionTime"
})
public class Condition {

  @JsonPropertyDescription("Condition type: Ready, Reconciling or Stalled.")
  private String type;

  @JsonPropertyDescription("True, False or Unknown.")
  private String status;

  @JsonPropertyDescription("A CamelCase reason, stable across releases, for example Processing.")
  private String reason;

  @JsonPropertyDescription("A human-readable explanation.")
  private String message;

  @JsonPropertyDescription("The metadata.generation the condition was set from.")
  private Long observedGeneration;

  @JsonPropertyDescription("When status last changed between True, False and Unknown (RFC 3339).")
  private String lastTransitionTime;

  public Condition() {}

  public Condition(
      String type,
      String status,
      String reason,
      String message,
      Long observedGeneration,
      String lastTransitionTime) {
    this.type = type;
    this.status = status;
    this.reason = reason;
    this.message = message;
    this.observedGeneration = observedGeneration;
    this.lastTransitionTime = lastTransitionTime;
  }

  public Condition copy() {
    return new Condition(type, status, reason, message, observedGeneration, lastTransitionTime);
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition other
        && Objects.equals(type, other.type)
        && Objects.equals(status, other.status)
        && Objects.equals(reason, other.reason)
        && Objects.equals(message, other.message)
        && Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(lastTransitionTime, other.lastTransitionTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, status, reason);
  }

  @Override
  public String toString() {
    return type + "=" + status + " (" + reason + ")";
  }
}
