/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.status;

import java.util.Locale;

/**
 * The condition reasons that do not come from a failed FinSpace call; those are written once, in
 * {@link io.kxops.operator.finspace.Failure}, beside their reaction.
 */
public final class Reasons {

  public static final String QUEUED = "Queued";
  public static final String CREATING = "Creating";
  public static final String COMPLETED = "Completed";
  public static final String CHANGESET_FAILED = "ChangesetFailed";
  public static final String SPEC_MISMATCH = "SpecMismatch";

  /** Several changesets could be this resource's, and one of them still runs: holds the slot. */
  public static final String ADOPTION_AMBIGUOUS = "AdoptionAmbiguous";

  /** Several changesets could be this resource's, all of them final: the queue moves on. */
  public static final String ADOPTION_AMBIGUOUS_FINAL = "AdoptionAmbiguousFinal";

  /** An import names a changeset that another KxChangeset already records or imports. */
  public static final String DUPLICATE_IMPORT = "DuplicateImport";

  /**
   * An import waits: a create of another KxChangeset whose answer is not recorded yet may have made
   * the changeset it names.
   */
  public static final String IMPORT_WAITING = "ImportWaiting";

  public static final String SPEC_CHANGED = "SpecChanged";

  /** A KxChangeset spec.dependsOn names is not COMPLETED yet: waits, holds no queue place. */
  public static final String DEPENDENCY_PENDING = "DependencyPending";

  /** No KxChangeset of that name exists (yet) in the namespace: waits, like DatabaseNotFound. */
  public static final String DEPENDENCY_NOT_FOUND = "DependencyNotFound";

  /** A dependency FAILED or is Stalled: this one cannot go on until a person acts. */
  public static final String DEPENDENCY_FAILED = "DependencyFailed";

  /** spec.dependsOn leads back to this resource: none of the cycle can ever start. */
  public static final String DEPENDENCY_CYCLE = "DependencyCycle";

  /** A dependency targets another database: order is kept within one database only. */
  public static final String DEPENDENCY_ON_OTHER_DATABASE = "DependencyOnOtherDatabase";

  /**
   * REFUSE_REPEATED_HISTORY: the requests repeat a changeset the database already ran before the
   * resource was created; nothing is created, and the resource holds no turn in the queue.
   */
  public static final String REPEATS_HISTORY = "RepeatsHistory";

  /**
   * The resource targets what its namespace's KxAccessPolicy (or the operator's ALLOWED_REGIONS)
   * does not allow: nothing is sent to FinSpace for it until the policy allows it.
   */
  public static final String FORBIDDEN = "Forbidden";

  public static final String INVALID_SPEC = "InvalidSpec";

  /** A status the operator did not write (see {@link ResourceCheck}). */
  public static final String INVALID_STATUS = "InvalidStatus";

  private Reasons() {}

  /** FinSpace's status string as a CamelCase reason: IN_PROGRESS becomes InProgress. */
  public static String fromFinSpaceStatus(String status) {
    if (status == null || status.isBlank()) {
      return CREATING;
    }
    StringBuilder out = new StringBuilder();
    for (String word : status.split("[^A-Za-z0-9]+")) {
      if (!word.isEmpty()) {
        out.append(Character.toUpperCase(word.charAt(0)))
            .append(word.substring(1).toLowerCase(Locale.ROOT));
      }
    }
    return out.length() == 0 || !Character.isLetter(out.charAt(0)) ? CREATING : out.toString();
  }
}
