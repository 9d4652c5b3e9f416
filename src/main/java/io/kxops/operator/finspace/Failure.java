/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every kind of failed FinSpace call the operator tells apart, with its condition reason (the one
 * place these reason strings are written) and its {@link Reaction}. {@link ErrorClassifier} maps an
 * operation and error code to one of these.
 */
public enum Failure {
  /** CreateKxChangeset refused the request itself: fix the spec (a new generation is retried). */
  INVALID_REQUEST(
      "InvalidRequest",
      new Reaction(false, Reaction.Stall.AT_ONCE, true, true, false),
      "fix spec.changeRequests: an edit is retried"),
  /**
   * GetKxChangeset or ListKxChangesets refused a call the operator built (not a spec problem):
   * retried with backoff.
   */
  CALL_REJECTED("CallRejected", Reaction.transientFailure(), ""),
  /**
   * The client token was used for a different request: a changeset exists for this resource with
   * other change requests. Retrying cannot help; a person imports or replaces it.
   */
  CLIENT_TOKEN_CONFLICT(
      "ClientTokenConflict",
      new Reaction(false, Reaction.Stall.AT_ONCE, true, false, false),
      "FinSpace already holds a changeset made with this resource's uid as client token but other"
          + " change requests; it is not retried: inspect the changeset FinSpace names, then"
          + " delete this KxChangeset and create a new one"),
  /** The environment or database does not exist (yet: GitOps creates things in any order). */
  DATABASE_NOT_FOUND(
      "DatabaseNotFound",
      new Reaction(true, Reaction.Stall.NEVER, false, true, false),
      "check spec.environmentId, spec.databaseName and spec.region; retried until it exists"),
  /** GetKxChangeset: not visible yet right after a create, or gone for good after the grace. */
  CHANGESET_NOT_FOUND(
      "ChangesetNotFound",
      new Reaction(true, Reaction.Stall.AFTER_NOT_FOUND_GRACE, true, false, false),
      "was the database deleted? still retried slowly"),
  /** The operator's identity may not call FinSpace on this database. */
  ACCESS_DENIED(
      "AccessDenied",
      new Reaction(true, Reaction.Stall.AFTER_ACCESS_BOUND, false, false, true),
      "grant the operator's IAM role, or the role the namespace's KxAccessPolicy names,"
          + " finspace:CreateKxChangeset, GetKxChangeset and ListKxChangesets on this database"
          + " (config/iam/operator-policy.json, config/iam/team-role-policy.json)"),
  /**
   * STS refused to let the operator assume the role the namespace's KxAccessPolicy names: nothing
   * was sent to FinSpace.
   */
  ROLE_NOT_ASSUMED(
      "RoleNotAssumed",
      new Reaction(true, Reaction.Stall.AFTER_ACCESS_BOUND, false, false, false),
      "check the role's trust policy (it must trust the operator's role with sts:AssumeRole and"
          + " sts:TagSession, config/iam/team-role-trust-policy.json) and the operator role's"
          + " sts:AssumeRole and sts:TagSession grant on it"),
  /** The operator's AWS credentials are missing, invalid or expired, or its clock is off. */
  INVALID_CREDENTIALS(
      "InvalidCredentials",
      new Reaction(true, Reaction.Stall.AFTER_ACCESS_BOUND, false, false, true),
      "check the operator's AWS credentials: the IRSA or EKS Pod Identity role and its trust"
          + " policy, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, session token expiry,"
          + " and the node's clock"),
  /**
   * A create attempt was not sent: the create intent's send window had closed (a slow SDK retry, a
   * paused process). An earlier attempt may have taken effect, so the next reconciliation asks
   * FinSpace before it sends anything.
   */
  SEND_WINDOW_CLOSED("SendWindowClosed", Reaction.transientFailure(), ""),
  THROTTLED("Throttled", Reaction.transientFailure(), ""),
  SERVICE_UNAVAILABLE("ServiceUnavailable", Reaction.transientFailure(), ""),
  CONFLICT("Conflict", Reaction.transientFailure(), ""),
  LIMIT_EXCEEDED("LimitExceeded", Reaction.transientFailure(), ""),
  UNEXPECTED_ERROR("UnexpectedError", Reaction.transientFailure(), "");

  private final String reason;
  private final Reaction reaction;
  private final String hint;

  Failure(String reason, Reaction reaction, String hint) {
    this.reason = reason;
    this.reaction = reaction;
    this.hint = hint;
  }

  /** What a person should check, or empty. */
  public String hint() {
    return hint;
  }

  /** The CamelCase condition reason, e.g. Throttled. */
  public String reason() {
    return reason;
  }

  public Reaction reaction() {
    return reaction;
  }

  /** The failure whose condition reason is {@code reason}, if it is one. */
  public static Optional<Failure> byReason(String reason) {
    return Arrays.stream(values()).filter(f -> f.reason.equals(reason)).findFirst();
  }
}
