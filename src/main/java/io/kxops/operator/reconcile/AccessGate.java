/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.Redaction;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The first step of every create decision: the namespace's access policy ({@link AccessCheck}). */
final class AccessGate {

  private static final Logger LOG = LoggerFactory.getLogger(AccessGate.class);

  private final AccessPolicies policies;
  private final AccessCheck.Rules rules;
  private final String defaultRegion;
  private final PollSchedule polls;
  private final Clock clock;

  AccessGate(
      AccessPolicies policies,
      AccessCheck.Rules rules,
      String defaultRegion,
      PollSchedule polls,
      Clock clock) {
    this.policies = policies;
    this.rules = rules;
    this.defaultRegion = defaultRegion;
    this.polls = polls;
    this.clock = clock;
  }

  /**
   * The access check before a create decision. A resource outside its namespace's policy (or the
   * operator's ALLOWED_REGIONS) is Stalled with reason Forbidden, with a Warning event when that is
   * news, and nothing is sent to FinSpace. Checked before an intent is recorded, and again before a
   * recorded intent is resumed; such an intent is kept, not withdrawn: its create may have reached
   * FinSpace already, so the resource keeps its database slot (like any intent), and when the
   * policy allows it again the resume goes on exactly as the protocol says — a resend with the same
   * token while FinSpace still honours it, else a List first. Withdrawing it instead could let a
   * later create on the database run beside a changeset this one made, and sending it anyway would
   * let a tightened policy be overtaken by a create that had not yet left.
   */
  Optional<Outcome> refuse(KxChangeset r, DatabaseRef db, StatusStore store) {
    String namespace = r.getMetadata().getNamespace();
    // A recorded intent's create goes to the intent's region, whatever the operator's region is now
    // (AWS_REGION may have changed since): check that one, not today's default.
    String region =
        StatusMapper.hasIntent(r.getStatus()) && r.getStatus().getCreateIntent().getRegion() != null
            ? r.getStatus().getCreateIntent().getRegion()
            : defaultRegion;
    List<AccessCheck.Violation> violations =
        AccessCheck.check(namespace, r.getSpec(), policies.policyOf(namespace), rules, region);
    if (violations.isEmpty()) {
      return Optional.empty();
    }
    String message = AccessCheck.describe(violations);
    if (StatusMapper.hasIntent(r.getStatus())) {
      message +=
          "; a create intent was recorded at "
              + r.getStatus().getCreateIntent().getAttemptedAt()
              + " and its create may have reached FinSpace: the resource keeps its database's"
              + " slot and sends nothing until the policy allows it again (or delete it)";
    }
    KxChangesetStatus next = StatusMapper.forbidden(r, db.region(), message, clock.instant());
    var stalled = Conditions.stalledWith(r, Reasons.FORBIDDEN);
    boolean news =
        stalled == null
            // The condition keeps the message capped: compare like with like.
            || !Redaction.cap(message, Conditions.MAX_MESSAGE).equals(stalled.getMessage());
    LOG.info("not created, outside its access policy: {}", message);
    store.write(r, next);
    List<Outcome.Event> events =
        news ? List.of(Outcome.Event.warning(Reasons.FORBIDDEN, message)) : List.of();
    // A policy change wakes the namespace's resources at once; the slow requeue is a safety net.
    return Optional.of(new Outcome(next, Optional.of(polls.max()), events, false, true));
  }
}
