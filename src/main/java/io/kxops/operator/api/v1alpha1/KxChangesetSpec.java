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
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The desired changeset: where it goes and the ordered change requests it applies. Patterns are CEL
 * rules rather than OpenAPI patterns: the API server prints a pattern's regex as the error, a
 * rule's message says in words what is expected.
 */
@JsonClassDescription(
    "The FinSpace changeset to create, or with changesetId the existing one to import. Field"
        + " names mirror the CreateKxChangeset API. Immutable once status.changesetId is set.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "environmentId",
  "databaseName",
  "region",
  "changesetId",
  "dependsOn",
  "changeRequests"
})
// An import names one changeset for good: pointing the resource at another one would make its
// history (status, events) describe two changesets. Adding the id is left to the rule on
// KxChangeset, which allows it only while nothing was created or when it records
// status.changesetId.
@ValidationRule(
    value =
        "!has(oldSelf.changesetId) || (has(self.changesetId) && self.changesetId == oldSelf.changesetId)",
    message =
        "spec.changesetId is immutable: it names the FinSpace changeset this resource imports;"
            + " to import another one, create a new KxChangeset",
    fieldPath = ".changesetId",
    reason = "FieldValueForbidden")
public class KxChangesetSpec {

  /** The model's ChangesetId rule: 1-26 letters and digits. */
  public static final String CHANGESET_ID_PATTERN = "^[a-zA-Z0-9]+$";

  /**
   * The model's EnvironmentId rule (at least one non-blank character), anchored: an OpenAPI pattern
   * is searched, so the model's unanchored {@code .*\\S.*} would admit newlines and control
   * characters, which then reach messages, logs and metrics.
   */
  public static final String ENVIRONMENT_ID_PATTERN =
      "^[^\\x00-\\x1F\\x7F]*[^\\x00-\\x20\\x7F][^\\x00-\\x1F\\x7F]*$";

  /** The model's DatabaseName pattern. */
  public static final String DATABASE_NAME_PATTERN = "^[a-zA-Z0-9][a-zA-Z0-9-_]*[a-zA-Z0-9]$";

  /** A well-formed AWS region name, such as us-east-1, eu-central-1 or us-gov-west-1. */
  public static final String REGION_PATTERN = "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$";

  @Required
  @SelectableField
  @Size(min = 1, max = 32)
  @ValidationRule(
      value = "self.matches(r'" + ENVIRONMENT_ID_PATTERN + "')",
      message =
          "environmentId must be a FinSpace kdb environment id: at least one visible character and"
              + " no control characters (newline, tab), for example jlcenjvtkgzrdek2qqv7ic")
  @JsonPropertyDescription(
      "Identifier of the FinSpace kdb environment (1-32 characters, not blank, no control"
          + " characters), for example"
          + " jlcenjvtkgzrdek2qqv7ic.")
  private String environmentId;

  @Required
  @SelectableField
  @Size(min = 3, max = 63)
  @ValidationRule(
      value = "self.matches(r'" + DATABASE_NAME_PATTERN + "')",
      message =
          "databaseName may hold only letters, digits, '-' and '_', and must start and end with a"
              + " letter or digit, for example trades or trades_2020")
  @JsonPropertyDescription(
      "Name of the kdb database in the environment (3-63 characters: letters, digits, '-' and"
          + " '_', starting and ending with a letter or digit).")
  private String databaseName;

  @Size(min = 1, max = 32)
  @ValidationRule(
      value = "self.matches(r'" + REGION_PATTERN + "')",
      message =
          "region must be an AWS region name in lower case, for example us-east-1 or eu-west-2")
  @JsonPropertyDescription(
      "AWS region of the environment, for example us-east-1. Defaults to the operator's region"
          + " (AWS_REGION).")
  private String region;

  // Selectable: an import's duplicate check reads the resources that claim one changeset id.
  @SelectableField
  @Size(min = 1, max = 26)
  @ValidationRule(
      value = "self.matches(r'" + CHANGESET_ID_PATTERN + "')",
      message =
          "changesetId must be the id of an existing FinSpace changeset: letters and digits only,"
              + " for example Msm0c8y8XB1k8zYZFNhRug")
  @JsonPropertyDescription(
      "Import: the identifier of an existing FinSpace changeset of this database (1-26 letters"
          + " and digits, as GetKxChangeset takes it). The operator never creates a changeset for"
          + " this resource: it checks that the changeset exists with exactly spec.changeRequests"
          + " and mirrors it. Immutable once set.")
  private String changesetId;

  // Names only, in the resource's own namespace: a namespace is a team's boundary (the access
  // policy binds namespaces to databases, Queued never names another namespace's resource), so one
  // team can neither wait on nor learn of another's changesets; and an entry is an object, as in
  // Flux's dependsOn, so that a field can be added later without breaking manifests.
  @Size(max = 32)
  @ValidationRule(
      value = "self.all(d, self.exists_one(e, e.name == d.name))",
      // No reason: with FieldValueDuplicate the API server would drop the message.
      message = "dependsOn names the same KxChangeset more than once; name each one once")
  @JsonPropertyDescription(
      "Order: KxChangesets of this namespace, on the same database, that must be COMPLETED before"
          + " this one is created (at most 32). While one is not, this resource waits"
          + " (DependencyPending, DependencyNotFound) and holds no place in the database's queue;"
          + " one that FAILED or is Stalled stalls this one (DependencyFailed). Immutable once the"
          + " create intent is recorded. Not used by an import (spec.changesetId).")
  private List<Dependency> dependsOn;

  @Required
  @Size(min = 1, max = 32)
  @JsonPropertyDescription(
      "The changes to apply, 1 to 32 requests, applied in the order given (for example a DELETE"
          + " of a partition followed by a PUT of its replacement).")
  private List<ChangeRequest> changeRequests = new ArrayList<>();

  public KxChangesetSpec() {}

  public KxChangesetSpec(
      String environmentId, String databaseName, String region, List<ChangeRequest> requests) {
    this.environmentId = environmentId;
    this.databaseName = databaseName;
    this.region = region;
    this.changeRequests = requests == null ? null : new ArrayList<>(requests);
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

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public String getChangesetId() {
    return changesetId;
  }

  public void setChangesetId(String changesetId) {
    this.changesetId = changesetId;
  }

  public List<Dependency> getDependsOn() {
    return dependsOn;
  }

  public void setDependsOn(List<Dependency> dependsOn) {
    this.dependsOn = dependsOn;
  }

  public List<ChangeRequest> getChangeRequests() {
    return changeRequests;
  }

  public void setChangeRequests(List<ChangeRequest> changeRequests) {
    this.changeRequests = changeRequests;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KxChangesetSpec other
        && Objects.equals(environmentId, other.environmentId)
        && Objects.equals(databaseName, other.databaseName)
        && Objects.equals(region, other.region)
        && Objects.equals(changesetId, other.changesetId)
        && Objects.equals(dependsOn, other.dependsOn)
        && Objects.equals(changeRequests, other.changeRequests);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        environmentId, databaseName, region, changesetId, dependsOn, changeRequests);
  }
}
