/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.status;

import static io.kxops.operator.status.Conditions.FALSE;
import static io.kxops.operator.status.Conditions.READY;
import static io.kxops.operator.status.Conditions.RECONCILING;
import static io.kxops.operator.status.Conditions.STALLED;
import static io.kxops.operator.status.Conditions.TRUE;

import io.kxops.operator.api.v1alpha1.ErrorInfo;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.finspace.Operation;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Pure functions from (resource, what FinSpace answered or how the call failed, now) to the
 * resource's next status. Nothing here talks to FinSpace or Kubernetes.
 */
public final class StatusMapper {

  /** How long after its creation a changeset FinSpace cannot find is still expected to appear. */
  public static final Duration NOT_FOUND_GRACE = Duration.ofMinutes(2);

  private StatusMapper() {}

  /** Waiting for another changeset of the same database to finish. */
  public static KxChangesetStatus queued(
      KxChangeset r, String region, String waitingFor, Instant now) {
    KxChangesetStatus s = base(r, region);
    String message = "waiting for " + waitingFor + " to finish";
    s.setConditions(
        conditions(r, s, now)
            .set(READY, FALSE, Reasons.QUEUED, message)
            .set(RECONCILING, TRUE, Reasons.QUEUED, message)
            .remove(STALLED)
            .build());
    return s;
  }

  /** Mirrors a Create or Get response into the status, and derives the conditions from it. */
  public static KxChangesetStatus mirror(KxChangeset r, String region, Changeset cs, Instant now) {
    KxChangesetStatus s = base(r, region);
    s.setChangesetId(cs.id());
    s.setStatus(cs.status());
    s.setErrorInfo(
        cs.errorType() == null && cs.errorMessage() == null
            ? null
            : new ErrorInfo(cs.errorType(), cs.errorMessage()));
    if (cs.createdTimestamp() != null) {
      s.setCreatedTimestamp(rfc3339(cs.createdTimestamp()));
    }
    s.setLastModifiedTimestamp(rfc3339(cs.lastModifiedTimestamp()));
    s.setActiveFromTimestamp(rfc3339(cs.activeFromTimestamp()));

    Conditions c = conditions(r, s, now);
    boolean echoed = cs.changeRequests() != null && !cs.changeRequests().isEmpty();
    if (echoed && !cs.changeRequests().equals(r.getSpec().getChangeRequests())) {
      String message =
          "FinSpace changeset "
              + cs.id()
              + " holds change requests "
              + cs.changeRequests()
              + " but spec.changeRequests is "
              + r.getSpec().getChangeRequests()
              + "; FinSpace status "
              + cs.status();
      c.set(READY, FALSE, Reasons.SPEC_MISMATCH, message)
          .set(STALLED, TRUE, Reasons.SPEC_MISMATCH, message)
          .remove(RECONCILING);
    } else if (Changeset.COMPLETED.equals(cs.status())) {
      String message =
          "changeset "
              + cs.id()
              + " is COMPLETED"
              + (cs.activeFromTimestamp() == null
                  ? ""
                  : "; active from " + rfc3339(cs.activeFromTimestamp()));
      c.set(READY, TRUE, Reasons.COMPLETED, message).remove(RECONCILING).remove(STALLED);
    } else if (Changeset.FAILED.equals(cs.status())) {
      String message = "changeset " + cs.id() + " FAILED: " + describe(s.getErrorInfo());
      c.set(READY, FALSE, Reasons.CHANGESET_FAILED, message)
          .set(STALLED, TRUE, Reasons.CHANGESET_FAILED, message)
          .remove(RECONCILING);
    } else {
      String reason = Reasons.fromFinSpaceStatus(cs.status());
      String message = "changeset " + cs.id() + " is " + cs.status() + " in FinSpace";
      c.set(READY, FALSE, reason, message).set(RECONCILING, TRUE, reason, message).remove(STALLED);
    }
    s.setConditions(c.build());
    return s;
  }

  /**
   * The status after a failed FinSpace call. FinSpace's own fields are kept as they were; only the
   * conditions change.
   *
   * @param failingSince when calls for this resource started failing with this reason
   * @param stallAfter how long an AccessDenied may last before the resource is Stalled; a status
   *     already Stalled for the same reason stays Stalled
   */
  public static KxChangesetStatus callFailed(
      KxChangeset r,
      String region,
      FinSpaceException e,
      Instant now,
      Instant failingSince,
      Duration stallAfter) {
    KxChangesetStatus s = base(r, region);
    Conditions c = conditions(r, s, now);
    String message = e.getMessage();
    switch (e.errorClass()) {
      case TERMINAL ->
          c.set(READY, FALSE, e.reason(), message)
              .set(STALLED, TRUE, e.reason(), message)
              .remove(RECONCILING);
      case WAIT_FOR_DEPENDENCY ->
          c.set(READY, FALSE, e.reason(), message)
              .set(RECONCILING, TRUE, e.reason(), message)
              .remove(STALLED);
      case BOUNDED -> {
        var stalledAlready = Conditions.find(s.getConditions(), STALLED);
        if (stalledAlready != null
            && TRUE.equals(stalledAlready.getStatus())
            && e.reason().equals(stalledAlready.getReason())) {
          // failingSince lives in memory only; after a restart it starts again, but the status
          // already records the stall. Its message keeps the original "failing since".
          String stalled = stalledAlready.getMessage();
          c.set(READY, FALSE, e.reason(), stalled)
              .set(STALLED, TRUE, e.reason(), stalled)
              .remove(RECONCILING);
        } else if (!Duration.between(failingSince, now).minus(stallAfter).isNegative()) {
          String stalled =
              message + " (failing since " + rfc3339(failingSince) + "; still retried slowly)";
          c.set(READY, FALSE, e.reason(), stalled)
              .set(STALLED, TRUE, e.reason(), stalled)
              .remove(RECONCILING);
        } else {
          c.set(READY, FALSE, e.reason(), message)
              .set(RECONCILING, TRUE, e.reason(), message)
              .remove(STALLED);
        }
      }
      case TRANSIENT -> {
        if (e.operation() == Operation.GET
            && Reasons.CHANGESET_NOT_FOUND.equals(e.reason())
            && !withinNotFoundGrace(s, now)) {
          String gone =
              "FinSpace no longer finds changeset "
                  + s.getChangesetId()
                  + " (was the database deleted?); still retried slowly: "
                  + message;
          c.set(READY, FALSE, e.reason(), gone).set(STALLED, TRUE, e.reason(), gone);
          c.remove(RECONCILING);
        } else {
          if (Conditions.find(s.getConditions(), READY) == null) {
            c.set(READY, FALSE, e.reason(), message);
          }
          c.set(RECONCILING, TRUE, e.reason(), message).remove(STALLED);
        }
      }
      default -> throw new IllegalStateException("unhandled " + e.errorClass());
    }
    s.setConditions(c.build());
    return s;
  }

  /** True when the status shows a final FinSpace state: no more calls for this resource. */
  public static boolean isFinal(KxChangesetStatus s) {
    return s != null && hasChangeset(s) && Changeset.isFinal(s.getStatus());
  }

  /** True when a changeset id is recorded. */
  public static boolean hasChangeset(KxChangesetStatus s) {
    return s != null && s.getChangesetId() != null && !s.getChangesetId().isEmpty();
  }

  /** True when the create was rejected for the current generation: wait for a spec edit. */
  public static boolean isRejected(KxChangeset r) {
    KxChangesetStatus s = r.getStatus();
    if (s == null || hasChangeset(s)) {
      return false;
    }
    var stalled = Conditions.find(s.getConditions(), STALLED);
    return stalled != null
        && TRUE.equals(stalled.getStatus())
        && Reasons.INVALID_REQUEST.equals(stalled.getReason())
        && r.getMetadata().getGeneration() != null
        && r.getMetadata().getGeneration().equals(stalled.getObservedGeneration());
  }

  /** Instant as RFC 3339 with milliseconds, or null. */
  public static String rfc3339(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private static boolean withinNotFoundGrace(KxChangesetStatus s, Instant now) {
    if (s.getCreatedTimestamp() == null) {
      return true;
    }
    Instant created = Instant.parse(s.getCreatedTimestamp());
    return Duration.between(created, now).compareTo(NOT_FOUND_GRACE) < 0;
  }

  private static String describe(ErrorInfo e) {
    if (e == null) {
      return "FinSpace gave no errorInfo";
    }
    String type = e.getErrorType() == null ? "" : e.getErrorType();
    String msg = e.getErrorMessage() == null ? "" : e.getErrorMessage();
    return (type + " " + msg).trim();
  }

  private static KxChangesetStatus base(KxChangeset r, String region) {
    KxChangesetStatus s = r.getStatus() == null ? new KxChangesetStatus() : r.getStatus().copy();
    s.setObservedGeneration(generation(r));
    s.setRegion(region);
    return s;
  }

  private static Conditions conditions(KxChangeset r, KxChangesetStatus s, Instant now) {
    return Conditions.from(s.getConditions(), generation(r), now);
  }

  private static long generation(KxChangeset r) {
    Long g = r.getMetadata().getGeneration();
    return g == null ? 0L : g;
  }
}
