/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** One Amazon FinSpace kdb changeset, declared as a Kubernetes resource. */
@Group(KxChangeset.GROUP)
@Version(KxChangeset.VERSION)
@Kind("KxChangeset")
@Singular("kxchangeset")
@Plural("kxchangesets")
@ShortNames("kxcs")
// kubectl get kxops lists every kind of this operator.
@Categories("kxops")
// A changeset is an event, like a Job: once a create may have reached FinSpace (an intent is
// recorded) or FinSpace holds it, a different spec would describe a different changeset, so the
// API server refuses the edit instead of letting the two drift apart.
@ValidationRule(
    value =
        "!has(oldSelf.status) || ((!has(oldSelf.status.changesetId)"
            + " || oldSelf.status.changesetId == '') && !has(oldSelf.status.createIntent))"
            // Written so that an object without spec (stored before spec was required) still
            // takes status writes: comparing a missing spec is an evaluation error, not false.
            + " || (has(oldSelf.spec) ? has(self.spec) && (self.spec == oldSelf.spec"
            // The one edit left: recording in spec.changesetId the changeset status.changesetId
            // already holds (the GitOps write-back of README "Rebuilding a cluster"), everything
            // else unchanged. It names the same changeset, so nothing drifts apart.
            + " || (!has(oldSelf.spec.changesetId) && has(self.spec.changesetId)"
            + " && has(oldSelf.status.changesetId)"
            + " && self.spec.changesetId == oldSelf.status.changesetId"
            + " && self.spec.environmentId == oldSelf.spec.environmentId"
            + " && self.spec.databaseName == oldSelf.spec.databaseName"
            + " && has(self.spec.region) == has(oldSelf.spec.region)"
            + " && (!has(self.spec.region) || self.spec.region == oldSelf.spec.region)"
            + " && has(self.spec.dependsOn) == has(oldSelf.spec.dependsOn)"
            + " && (!has(self.spec.dependsOn) || self.spec.dependsOn == oldSelf.spec.dependsOn)"
            + " && self.spec.changeRequests == oldSelf.spec.changeRequests))"
            + " : !has(self.spec))",
    message =
        "spec is immutable once the operator may have created the FinSpace changeset"
            + " (status.createIntent or status.changesetId is set): a FinSpace changeset cannot be"
            + " changed; create a new KxChangeset instead (the one edit allowed is setting"
            + " spec.changesetId to status.changesetId)",
    fieldPath = ".spec",
    reason = "FieldValueForbidden")
// A resource cannot wait for itself. Here, not on spec: only the root sees metadata.name. Cycles
// of several resources and references to another database are reported by the operator (the API
// server validates one object at a time).
@ValidationRule(
    value =
        "!has(self.spec) || !has(self.spec.dependsOn)"
            + " || self.spec.dependsOn.all(d, d.name != self.metadata.name)",
    message =
        "spec.dependsOn names this KxChangeset itself: a changeset cannot wait for itself to"
            + " complete; remove that entry",
    fieldPath = ".spec.dependsOn",
    reason = "FieldValueInvalid")
// kubectl's columns, in the order users scan them: what it targets, how far it is, why. The
// generator sorts columns by jsonPath; the build puts them back in this declaration order
// (hack/CrdColumnOrder.java). Priority 1 columns appear with -o wide.
@AdditionalPrinterColumn(
    name = "Database",
    jsonPath = ".spec.databaseName",
    type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "FinSpace kdb database")
@AdditionalPrinterColumn(
    name = "Changeset",
    jsonPath = ".status.changesetId",
    type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "FinSpace changeset id")
@AdditionalPrinterColumn(
    name = "Status",
    jsonPath = ".status.status",
    type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "FinSpace changeset status")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "Whether the changeset is COMPLETED")
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING,
    getDescription =
        "Why it is not Ready yet: Queued, DatabaseNotFound, Throttled, Processing, ... (see"
            + " docs/troubleshooting.md)")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Environment",
    jsonPath = ".spec.environmentId",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1,
    getDescription = "FinSpace kdb environment")
@AdditionalPrinterColumn(
    name = "Region",
    jsonPath = ".status.region",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1,
    getDescription = "AWS region the changeset is created in")
@AdditionalPrinterColumn(
    name = "Message",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].message",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1,
    getDescription = "The Ready condition's message")
public class KxChangeset extends CustomResource<KxChangesetSpec, KxChangesetStatus>
    implements Namespaced {

  public static final String GROUP = "finspace.kxops.io";
  public static final String VERSION = "v1alpha1";

  /** Required at admission: a KxChangeset without spec names nothing to create. */
  @Override
  @Required
  public KxChangesetSpec getSpec() {
    return super.getSpec();
  }

  @Override
  protected KxChangesetStatus initStatus() {
    return null;
  }
}
