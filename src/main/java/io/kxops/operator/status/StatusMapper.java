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

import io.kxops.operator.api.v1alpha1.CallFailure;
import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.ErrorInfo;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.Failure;
import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.finspace.Reaction;
import io.kxops.operator.finspace.Redaction;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Pure functions from (resource, what FinSpace answered or how the call failed, now) to the
 * resource's next status. Nothing here talks to FinSpace or Kubernetes.
 */
public final class StatusMapper {

  /** How long after its creation a changeset FinSpace cannot find is still expected to appear. */
  public static final Duration NOT_FOUND_GRACE = Duration.ofMinutes(2);

  /**
   * A failure retried without ever stalling (DatabaseNotFound, Throttled, ...) that lasts this long
   * says so in its condition message and earns one Warning event: a wait that long is no longer a
   * blip a person can ignore.
   */
  public static final Duration LASTING_FAILURE = Duration.ofMinutes(5);

  /** How a condition message says that its failure is lasting (see {@link #failingLong}). */
  static final String FAILING_SINCE = " (failing since ";

  /** The longest errorType or errorMessage kept from FinSpace, in characters. */
  public static final int MAX_ERROR_INFO = 4096;

  private StatusMapper() {}

  /**
   * Waiting for another changeset of the same database to finish; no create intent. A failure
   * record stays (a Stalled condition becomes one): the queue reads from it since when the resource
   * has been unable to create, and a resource that cannot create gives its turn after a bound
   * ({@code DatabaseQueue}).
   */
  public static KxChangesetStatus queued(
      KxChangeset r, String region, String waitingFor, Instant now) {
    return queued(r, region, waitingFor, null, now);
  }

  /** As {@link #queued(KxChangeset, String, String, Instant)}, saying why it waits, if not null. */
  public static KxChangesetStatus queued(
      KxChangeset r, String region, String waitingFor, String why, Instant now) {
    KxChangesetStatus s = base(r, region);
    s.setCreateIntent(null);
    var stalled = Conditions.find(s.getConditions(), STALLED);
    if (s.getFailure() == null
        && stalled != null
        && TRUE.equals(stalled.getStatus())
        && !Reasons.REPEATS_HISTORY.equals(stalled.getReason())) { // a person let it go
      s.setFailure(new CallFailure(stalled.getReason(), stalled.getLastTransitionTime()));
    }
    String message = "waiting for " + waitingFor + " to finish" + (why == null ? "" : "; " + why);
    s.setConditions(conditions(r, s, now).progressing(Reasons.QUEUED, message).build());
    return s;
  }

  /** The create intent is recorded: CreateKxChangeset is about to be called with it. */
  public static KxChangesetStatus intentRecorded(KxChangeset r, CreateIntent intent, Instant now) {
    KxChangesetStatus s = base(r, intent.getRegion());
    s.setCreateIntent(intent);
    // A failure record stays until a create succeeds: it says since when creates keep failing
    // (the fair queue's clock, and the "failing since" of a wait that lasts).
    // A create retried after a failure that never stalls (DatabaseNotFound: FinSpace proved nothing
    // was created, so the intent was withdrawn) also keeps its conditions (they name the failure,
    // and such a failure is never Stalled): Ready does not flap between Creating and
    // DatabaseNotFound on every retry.
    // Only while Ready still shows that failure: a resource that queued since must not go on
    // showing Queued while its create is on its way.
    CallFailure previous = s.getFailure();
    var ready = Conditions.find(s.getConditions(), READY);
    if (previous != null
        && ready != null
        && Objects.equals(previous.getReason(), ready.getReason())
        && Failure.byReason(previous.getReason())
            .map(f -> f.reaction().stall() == Reaction.Stall.NEVER)
            .orElse(false)) {
      return s;
    }
    String message = "creating the FinSpace changeset on database " + target(intent);
    s.setConditions(conditions(r, s, now).progressing(Reasons.CREATING, message).build());
    return s;
  }

  /** A resumed create is recorded (intent.retries + 1) before FinSpace is called again. */
  public static KxChangesetStatus resumed(KxChangeset r, Instant now) {
    KxChangesetStatus s = base(r, r.getStatus().getRegion());
    CreateIntent i = s.getCreateIntent();
    i.setRetries(i.getRetries() == null ? 1 : i.getRetries() + 1);
    return s;
  }

  /** The spec no longer matches the recorded intent (an API server that did not freeze it). */
  public static KxChangesetStatus specChanged(KxChangeset r, Instant now) {
    KxChangesetStatus s = base(r, r.getStatus().getRegion());
    String message =
        "the spec changed after the operator recorded its create intent (target "
            + target(s.getCreateIntent())
            + ", requests "
            + s.getCreateIntent().getRequestsDigest()
            + ") and FinSpace holds no changeset for it yet; restore the spec, or delete this"
            + " KxChangeset and create a new one";
    s.setConditions(conditions(r, s, now).stalled(Reasons.SPEC_CHANGED, message).build());
    return s;
  }

  /**
   * The create intent is withdrawn: FinSpace holds no changeset for it, and the resource queues
   * again (its spec may change again).
   */
  public static KxChangesetStatus withdrawn(KxChangeset r, String why, Instant now) {
    KxChangesetStatus s = base(r, r.getStatus() == null ? null : r.getStatus().getRegion());
    s.setCreateIntent(null);
    String message = "not created yet: " + why;
    s.setConditions(conditions(r, s, now).progressing(Reasons.QUEUED, message).build());
    return s;
  }

  /**
   * More than one FinSpace changeset could be the one this resource's create made: a person chooses
   * (see {@code candidates}); the intent stays, so the resource keeps its slot.
   */
  public static KxChangesetStatus ambiguous(
      KxChangeset r, String message, boolean candidatesFinal, Instant now) {
    KxChangesetStatus s = base(r, r.getStatus().getRegion());
    s.setFailure(null);
    String reason = candidatesFinal ? Reasons.ADOPTION_AMBIGUOUS_FINAL : Reasons.ADOPTION_AMBIGUOUS;
    s.setConditions(conditions(r, s, now).stalled(reason, message).build());
    return s;
  }

  /**
   * The changeset a resource imports (spec.changesetId) cannot be recorded: FinSpace does not have
   * it, or it holds other requests, or another resource has it. Nothing is recorded or created.
   */
  public static KxChangesetStatus importRefused(
      KxChangeset r, String region, String reason, String message, Instant now) {
    KxChangesetStatus s = base(r, region);
    s.setFailure(null);
    s.setConditions(conditions(r, s, now).stalled(reason, message).build());
    return s;
  }

  /** An import that waits (not Stalled: it goes on by itself once the other create is recorded). */
  public static KxChangesetStatus importWaiting(
      KxChangeset r, String region, String message, Instant now) {
    KxChangesetStatus s = base(r, region);
    s.setFailure(null);
    s.setConditions(
        conditions(r, s, now)
            .set(READY, FALSE, Reasons.IMPORT_WAITING, message)
            .set(RECONCILING, TRUE, Reasons.IMPORT_WAITING, message)
            .remove(STALLED)
            .build());
    return s;
  }

  /**
   * Outside its namespace's access policy: Stalled with reason Forbidden and the violations as
   * message. A create intent, if recorded, stays (its create may have reached FinSpace).
   */
  public static KxChangesetStatus forbidden(
      KxChangeset r, String region, String message, Instant now) {
    KxChangesetStatus s = base(r, region);
    // The failure record stays (it ends only when a create succeeds): a waiter that has been
    // failing and then becomes Forbidden stays stuck, it does not win its turn back.
    s.setConditions(conditions(r, s, now).stalled(Reasons.FORBIDDEN, message).build());
    return s;
  }

  /**
   * Not created, because of spec.dependsOn: waiting ({@code stalled} false) or Stalled. No create
   * intent, and no failure record: a wait for a dependency is not a failure to create, so it does
   * not cost the resource its turn in the queue once the dependency is done.
   */
  public static KxChangesetStatus dependencyBlocked(
      KxChangeset r, String region, String reason, String message, boolean stalled, Instant now) {
    KxChangesetStatus s = base(r, region);
    Conditions c = conditions(r, s, now);
    s.setConditions(
        (stalled ? c.stalled(reason, message) : c.progressing(reason, message)).build());
    return s;
  }

  /** The resource cannot be acted on as it is (see {@link ResourceCheck}). */
  public static KxChangesetStatus invalid(KxChangeset r, ResourceCheck.Problem p, Instant now) {
    KxChangesetStatus s = base(r, r.getStatus() == null ? null : r.getStatus().getRegion());
    s.setConditions(conditions(r, s, now).stalled(p.reason(), p.message()).build());
    return s;
  }

  /** Mirrors a Create or Get response into the status, and derives the conditions from it. */
  public static KxChangesetStatus mirror(KxChangeset r, String region, Changeset cs, Instant now) {
    KxChangesetStatus s = base(r, region);
    s.setFailure(null);
    s.setChangesetId(cs.id());
    s.setStatus(cs.status());
    s.setErrorInfo(
        cs.errorType() == null && cs.errorMessage() == null
            ? null
            : new ErrorInfo(
                Redaction.cap(cs.errorType(), MAX_ERROR_INFO),
                Redaction.cap(cs.errorMessage(), MAX_ERROR_INFO)));
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
      c.stalled(Reasons.SPEC_MISMATCH, message);
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
      c.stalled(Reasons.CHANGESET_FAILED, message);
    } else {
      String reason = Reasons.fromFinSpaceStatus(cs.status());
      String message = "changeset " + cs.id() + " is " + cs.status() + " in FinSpace";
      c.progressing(reason, message);
    }
    s.setConditions(c.build());
    return s;
  }

  /**
   * The status after a failed FinSpace call. FinSpace's own fields are kept as they were; the
   * conditions and the failure clock ({@code status.failure}) change as the failure's {@link
   * Reaction} says, and a create that FinSpace refused gives up its intent.
   *
   * @param accessStallAfter how long an AccessDenied or InvalidCredentials failure may last before
   *     the resource is Stalled (still retried slowly)
   */
  public static KxChangesetStatus callFailed(
      KxChangeset r, String region, FinSpaceException e, Instant now, Duration accessStallAfter) {
    KxChangesetStatus s = base(r, region);
    Failure f = e.failure();
    CallFailure previous = s.getFailure();
    Instant since =
        previous != null && f.reason().equals(previous.getReason())
            ? Objects.requireNonNullElse(ResourceCheck.parse(previous.getSince()), now)
            : now;
    s.setFailure(new CallFailure(f.reason(), rfc3339(since)));
    boolean nothingMade = e.provesNothingCreated() || neverSent(s.getCreateIntent(), e);
    if (nothingMade) {
      s.setCreateIntent(null);
    }
    Conditions c = conditions(r, s, now);
    String message = e.getMessage();
    Duration bound =
        switch (f.reaction().stall()) {
          case NEVER -> null;
          case AT_ONCE -> Duration.ZERO;
          case AFTER_ACCESS_BOUND -> accessStallAfter;
          case AFTER_NOT_FOUND_GRACE -> NOT_FOUND_GRACE;
        };
    if (bound != null && !Duration.between(since, now).minus(bound).isNegative()) {
      String stalled =
          f.reaction().retry()
              ? message + " (failing since " + rfc3339(since) + "; still retried slowly)"
              : message;
      c.stalled(f.reason(), stalled);
    } else {
      if (f.reaction().stall() == Reaction.Stall.NEVER
          && !Duration.between(since, now).minus(LASTING_FAILURE).isNegative()) {
        message = message + FAILING_SINCE + rfc3339(since) + "; still retried)";
      }
      // Ready says what is known of the changeset: a transient failure (a throttled poll) leaves
      // it as it was, unless it still says Queued, which is no longer true.
      var ready = Conditions.find(s.getConditions(), READY);
      if (nothingMade
          || f.reaction().stall() == Reaction.Stall.AFTER_ACCESS_BOUND
          || ready == null
          || Reasons.QUEUED.equals(ready.getReason())) {
        c.set(READY, FALSE, f.reason(), message);
      }
      c.set(RECONCILING, TRUE, f.reason(), message).remove(STALLED);
    }
    s.setConditions(c.build());
    return s;
  }

  /**
   * True when nothing that made a changeset was ever sent with {@code intent}'s token: the failed
   * call was the intent's first attempt (a resumed one is recorded as a retry before it is sent)
   * and none of its attempts left the process, or its only transmitted attempt was refused before
   * FinSpace acted on it (AccessDenied, InvalidCredentials). Such an intent holds nothing and is
   * withdrawn, so that a create that cannot be sent (STS refuses the namespace's role) or is not
   * allowed (the role may not create) does not keep the database's slot. After a resumed attempt,
   * or an SDK retry, nothing is proven: an earlier attempt may have reached FinSpace and created.
   */
  static boolean neverSent(CreateIntent intent, FinSpaceException e) {
    return intent != null
        && (intent.getRetries() == null || intent.getRetries() == 0)
        && (e.provesNothingSent() || e.provesOnlyAttemptRefused());
  }

  /**
   * True when the status says a retried failure has lasted {@link #LASTING_FAILURE} (its
   * Reconciling condition's message says since when); the status is restart-proof, so the Warning
   * event for it is sent once whatever restarts in between.
   */
  public static boolean failingLong(KxChangesetStatus s) {
    if (s == null || s.getFailure() == null) {
      return false;
    }
    var reconciling = Conditions.find(s.getConditions(), RECONCILING);
    return reconciling != null
        && TRUE.equals(reconciling.getStatus())
        && reconciling.getMessage() != null
        && reconciling.getMessage().contains(FAILING_SINCE);
  }

  /**
   * True when the resource is Stalled for a reason that gives up its database slot (FAILED or
   * COMPLETED are final and count separately).
   */
  public static boolean stalledForGood(KxChangesetStatus s) {
    if (s == null) {
      return false;
    }
    var stalled = Conditions.find(s.getConditions(), STALLED);
    if (stalled != null
        && TRUE.equals(stalled.getStatus())
        && Reasons.ADOPTION_AMBIGUOUS_FINAL.equals(stalled.getReason())) {
      return true;
    }
    return stalled != null
        && TRUE.equals(stalled.getStatus())
        && Failure.byReason(stalled.getReason()).map(f -> f.reaction().freesSlot()).orElse(false);
  }

  /**
   * {@link #stalledForGood} for the spec it judged: a person who edited the spec since (a new
   * generation) gets the resource looked at again, so it is not left out of the queue meanwhile.
   */
  public static boolean stalledForGoodAtThisGeneration(KxChangeset r) {
    if (!stalledForGood(r.getStatus())) {
      return false;
    }
    var stalled = Conditions.find(r.getStatus().getConditions(), STALLED);
    Long generation = r.getMetadata().getGeneration();
    return generation == null
        || stalled.getObservedGeneration() == null
        || generation.equals(stalled.getObservedGeneration());
  }

  /** True when a create intent is recorded. */
  public static boolean hasIntent(KxChangesetStatus s) {
    return s != null && s.getCreateIntent() != null;
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
        && Failure.INVALID_REQUEST.reason().equals(stalled.getReason())
        && r.getMetadata().getGeneration() != null
        && r.getMetadata().getGeneration().equals(stalled.getObservedGeneration());
  }

  /** Instant as RFC 3339 with milliseconds, or null. */
  public static String rfc3339(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private static String target(CreateIntent i) {
    return i.getRegion() + "/" + i.getEnvironmentId() + "/" + i.getDatabaseName();
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
