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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator last observed of the changeset in FinSpace, plus kstatus conditions. */
@JsonClassDescription(
    "Observed state of the changeset, mirrored from GetKxChangeset, plus Ready, Reconciling and"
        + " Stalled conditions.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "observedGeneration",
  "changesetId",
  "status",
  "errorInfo",
  "createdTimestamp",
  "lastModifiedTimestamp",
  "activeFromTimestamp",
  "region",
  "createIntent",
  "failure",
  "conditions"
})
public class KxChangesetStatus {

  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  // Selectable: an import's duplicate check reads the resources that claim one changeset id.
  @SelectableField
  @JsonPropertyDescription(
      "Identifier FinSpace gave the changeset. Once set, the spec can no longer change.")
  private String changesetId;

  // Selectable: the operator's informer leaves out COMPLETED and FAILED resources (a field
  // selector), so its memory follows the work in flight, not history.
  @SelectableField
  @JsonPropertyDescription(
      "FinSpace's status string, verbatim: PENDING, PROCESSING, IN_PROGRESS, COMPLETED or"
          + " FAILED (other values are shown as sent).")
  private String status;

  @JsonPropertyDescription("Why FinSpace failed the changeset, when status is FAILED.")
  private ErrorInfo errorInfo;

  @JsonPropertyDescription("When FinSpace created the changeset (RFC 3339).")
  private String createdTimestamp;

  @JsonPropertyDescription("When FinSpace last updated the changeset (RFC 3339).")
  private String lastModifiedTimestamp;

  @JsonPropertyDescription(
      "When the changeset became the active version of the database (RFC 3339); set once"
          + " COMPLETED.")
  private String activeFromTimestamp;

  @JsonPropertyDescription("AWS region the changeset lives in.")
  private String region;

  @JsonPropertyDescription(
      "Recorded before CreateKxChangeset is called: the exact target and requests sent. Once set,"
          + " the spec is immutable.")
  private CreateIntent createIntent;

  @JsonPropertyDescription("The current failure of FinSpace calls, if any, and since when.")
  private CallFailure failure;

  @JsonPropertyDescription(
      "Ready, Reconciling and Stalled conditions (kstatus), in the metav1.Condition shape.")
  private List<Condition> conditions = new ArrayList<>();

  public KxChangesetStatus() {}

  /** A deep copy, so a computed status never aliases the cached resource's. */
  public KxChangesetStatus copy() {
    KxChangesetStatus c = new KxChangesetStatus();
    c.observedGeneration = observedGeneration;
    c.changesetId = changesetId;
    c.status = status;
    c.errorInfo = errorInfo == null ? null : errorInfo.copy();
    c.createdTimestamp = createdTimestamp;
    c.lastModifiedTimestamp = lastModifiedTimestamp;
    c.activeFromTimestamp = activeFromTimestamp;
    c.region = region;
    c.createIntent = createIntent == null ? null : createIntent.copy();
    c.failure = failure == null ? null : failure.copy();
    if (conditions != null) {
      c.conditions = new ArrayList<>();
      for (Condition cond : conditions) {
        c.conditions.add(cond.copy());
      }
    } else {
      c.conditions = null;
    }
    return c;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getChangesetId() {
    return changesetId;
  }

  public void setChangesetId(String changesetId) {
    this.changesetId = changesetId;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public ErrorInfo getErrorInfo() {
    return errorInfo;
  }

  public void setErrorInfo(ErrorInfo errorInfo) {
    this.errorInfo = errorInfo;
  }

  public String getCreatedTimestamp() {
    return createdTimestamp;
  }

  public void setCreatedTimestamp(String createdTimestamp) {
    this.createdTimestamp = createdTimestamp;
  }

  public String getLastModifiedTimestamp() {
    return lastModifiedTimestamp;
  }

  public void setLastModifiedTimestamp(String lastModifiedTimestamp) {
    this.lastModifiedTimestamp = lastModifiedTimestamp;
  }

  public String getActiveFromTimestamp() {
    return activeFromTimestamp;
  }

  public void setActiveFromTimestamp(String activeFromTimestamp) {
    this.activeFromTimestamp = activeFromTimestamp;
  }

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public CreateIntent getCreateIntent() {
    return createIntent;
  }

  public void setCreateIntent(CreateIntent createIntent) {
    this.createIntent = createIntent;
  }

  public CallFailure getFailure() {
    return failure;
  }

  public void setFailure(CallFailure failure) {
    this.failure = failure;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KxChangesetStatus other
        && Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(changesetId, other.changesetId)
        && Objects.equals(status, other.status)
        && Objects.equals(errorInfo, other.errorInfo)
        && Objects.equals(createdTimestamp, other.createdTimestamp)
        && Objects.equals(lastModifiedTimestamp, other.lastModifiedTimestamp)
        && Objects.equals(activeFromTimestamp, other.activeFromTimestamp)
        && Objects.equals(region, other.region)
        && Objects.equals(createIntent, other.createIntent)
        && Objects.equals(failure, other.failure)
        && Objects.equals(conditions, other.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(changesetId, status, conditions);
  }
}
