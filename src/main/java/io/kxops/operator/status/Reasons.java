/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.status;

import java.util.Locale;

/** The condition reasons the operator sets that do not come from the error table. */
public final class Reasons {

  public static final String QUEUED = "Queued";
  public static final String CREATING = "Creating";
  public static final String COMPLETED = "Completed";
  public static final String CHANGESET_FAILED = "ChangesetFailed";
  public static final String SPEC_MISMATCH = "SpecMismatch";
  public static final String INVALID_REQUEST = "InvalidRequest";
  public static final String ACCESS_DENIED = "AccessDenied";
  public static final String CHANGESET_NOT_FOUND = "ChangesetNotFound";

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
