/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

/**
 * How the operator reacts to one kind of failed FinSpace call: whether to retry, when the resource
 * becomes Stalled, whether it then gives up its database's slot, and whether FinSpace's answer
 * proves the create made nothing.
 *
 * @param retry retried with the reconciler's backoff (up to RETRY_MAX_INTERVAL); false: wait for a
 *     spec edit or a person
 * @param stall when the resource becomes Stalled
 * @param freesSlot once Stalled, the resource no longer counts as in flight on its database
 * @param nothingCreated on CreateKxChangeset: FinSpace refused the request, so no changeset exists
 *     for it and the create intent is withdrawn (the spec may be fixed)
 * @param refusedUnacted FinSpace refused the request before acting on it (not authorized, not
 *     authenticated): when it was the create's only transmitted attempt and the intent's first,
 *     nothing was ever sent that made a changeset, and the intent is withdrawn
 */
public record Reaction(
    boolean retry, Stall stall, boolean freesSlot, boolean nothingCreated, boolean refusedUnacted) {

  /** When a failing resource becomes Stalled. */
  public enum Stall {
    /** Never: Reconciling until it succeeds. */
    NEVER,
    /** At once: retrying cannot help. */
    AT_ONCE,
    /** After ACCESS_DENIED_STALL_AFTER of the same failure: a person must act; still retried. */
    AFTER_ACCESS_BOUND,
    /** After two minutes of the same failure: longer than FinSpace's eventual consistency. */
    AFTER_NOT_FOUND_GRACE
  }

  static Reaction transientFailure() {
    return new Reaction(true, Stall.NEVER, false, false, false);
  }
}
