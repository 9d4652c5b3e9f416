/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Makes matching changesets end FAILED: a changeset fails when one of its PUT requests has an
 * s3Path matching {@code s3PathGlob} ({@code *} = any characters including '/', {@code ?} = one
 * character), optionally only in one database ({@code "envId/dbName"}, null = every database).
 */
public record FailureRule(
    String s3PathGlob, String database, String errorType, String errorMessage) {

  public FailureRule {
    Objects.requireNonNull(s3PathGlob, "s3PathGlob");
    if (errorType == null || errorType.isEmpty()) {
      errorType = ErrorTypes.INPUTS_INVALID;
    }
    if (errorMessage == null) {
      errorMessage = "Emulated failure: s3Path matches " + s3PathGlob;
    }
    if (errorMessage.length() > 1000) {
      throw new IllegalArgumentException("errorMessage longer than 1000 characters (model limit)");
    }
  }

  /** A rule for every database with the default error type and message. */
  public static FailureRule s3Path(String glob) {
    return new FailureRule(glob, null, null, null);
  }

  /** The same rule with another errorType (one of {@link ErrorTypes}, or any string to test). */
  public FailureRule withErrorType(String type) {
    return new FailureRule(s3PathGlob, database, type, errorMessage);
  }

  /** The same rule with another errorMessage. */
  public FailureRule withErrorMessage(String message) {
    return new FailureRule(s3PathGlob, database, errorType, message);
  }

  /** The same rule limited to one database. */
  public FailureRule inDatabase(String environmentId, String databaseName) {
    return new FailureRule(s3PathGlob, environmentId + "/" + databaseName, errorType, errorMessage);
  }

  boolean matches(String environmentId, String databaseName, String s3Path) {
    if (s3Path == null) {
      return false;
    }
    if (database != null && !database.equals(environmentId + "/" + databaseName)) {
      return false;
    }
    return globToRegex(s3PathGlob).matcher(s3Path).matches();
  }

  static Pattern globToRegex(String glob) {
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : glob.toCharArray()) {
      if (c == '*' || c == '?') {
        if (literal.length() > 0) {
          re.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        re.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
