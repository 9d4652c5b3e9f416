/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.status;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * What makes a resource unusable for the reconcile logic although the API server admitted it: a
 * spec written under an older CRD (none, or without its required fields), or a status that someone
 * allowed to write the status subresource made up. Such a resource is Stalled with the problem
 * named, and nothing is sent to FinSpace for it.
 */
public final class ResourceCheck {

  /** A problem: the condition reason and a message for a person. */
  public record Problem(String reason, String message) {}

  private ResourceCheck() {}

  /** The first problem found, or empty when the logic can act on the resource. */
  public static Optional<Problem> problem(KxChangeset r) {
    KxChangesetSpec spec = r.getSpec();
    if (spec == null) {
      return spec("the resource has no spec");
    }
    if (blank(spec.getEnvironmentId()) || blank(spec.getDatabaseName())) {
      return spec("spec.environmentId and spec.databaseName are required");
    }
    if (spec.getChangeRequests() == null || spec.getChangeRequests().isEmpty()) {
      return spec("the resource has no spec.changeRequests");
    }
    for (ChangeRequest c : spec.getChangeRequests()) {
      if (c == null || c.getChangeType() == null || c.getDbPath() == null) {
        return spec("every spec.changeRequests item needs changeType and dbPath");
      }
    }
    CreateIntent i = r.getStatus() == null ? null : r.getStatus().getCreateIntent();
    String imported = spec.getChangesetId();
    if (imported != null && !imported.isBlank()) {
      String recorded = r.getStatus() == null ? null : r.getStatus().getChangesetId();
      // The CRD's rules make these impossible; an API server that does not enforce them, or a
      // hand-written status, must not make the operator mirror one changeset for another. An
      // intent beside the id its create recorded is the write-back the CRD allows (README,
      // "Rebuilding a cluster"): that resource is polled on as before.
      if (i != null && !imported.trim().equals(recorded)) {
        return status(
            "status.createIntent is recorded but spec.changesetId imports " + imported.trim());
      }
      if (recorded != null && !recorded.isEmpty() && !recorded.equals(imported.trim())) {
        return Optional.of(
            new Problem(
                Reasons.INVALID_STATUS,
                "status.changesetId "
                    + recorded
                    + " is not the changeset spec.changesetId imports ("
                    + imported.trim()
                    + "): the operator did not write this, and nothing is sent to FinSpace"
                    + " for it; delete the resource and apply it again"));
      }
    }
    if (i == null) {
      return Optional.empty();
    }
    if (blank(i.getRegion())
        || blank(i.getEnvironmentId())
        || blank(i.getDatabaseName())
        || blank(i.getRequestsDigest())) {
      return status("status.createIntent lacks its target or its requestsDigest");
    }
    if (!Objects.equals(i.getClientToken(), r.getMetadata().getUid())) {
      // The operator only ever records the resource's own uid; another token would resend (and
      // so claim) another resource's create.
      return status("status.createIntent.clientToken is not this resource's uid");
    }
    if (parse(i.getAttemptedAt()) == null) {
      return status("status.createIntent.attemptedAt is not an RFC 3339 time");
    }
    return Optional.empty();
  }

  /** {@code text} as an instant, or null when it is none. */
  public static Instant parse(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Optional<Problem> spec(String what) {
    return Optional.of(
        new Problem(
            Reasons.INVALID_SPEC,
            what + " (written before the CRD required it?): delete it and apply a valid one"));
  }

  private static Optional<Problem> status(String what) {
    return Optional.of(
        new Problem(
            Reasons.INVALID_STATUS,
            what
                + ": the operator did not write this. Nothing is sent to FinSpace for it; it"
                + " keeps its database's slot, since a create may have been sent. Remove"
                + " status.createIntent (kubectl edit --subresource=status) if you know none was,"
                + " or delete the resource"));
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
