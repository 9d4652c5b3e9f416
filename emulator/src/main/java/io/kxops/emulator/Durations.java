/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as people type them: ISO-8601 ("PT2S"), "500ms", "2s", "1.5m", "1h". */
final class Durations {
  private static final Pattern SIMPLE = Pattern.compile("^(\\d+(?:\\.\\d+)?)(ms|s|m|h)$");

  private Durations() {}

  static Duration parse(String text) {
    String t = text.trim();
    Matcher m = SIMPLE.matcher(t);
    if (m.matches()) {
      double n = Double.parseDouble(m.group(1));
      double millis =
          switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
          };
      return Duration.ofMillis(Math.round(millis));
    }
    try {
      return Duration.parse(t);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "not a duration: '" + text + "' (use e.g. 500ms, 2s, 1m, 1h or PT2S)");
    }
  }

  /** From JSON: a string as in {@link #parse}, or a number of milliseconds. */
  static Duration fromJson(JsonNode node, String field) {
    if (node.isNumber()) {
      return Duration.ofMillis(node.asLong());
    }
    if (node.isTextual()) {
      return parse(node.textValue());
    }
    throw new IllegalArgumentException(
        field + ": must be a duration string (\"PT2S\", \"2s\") or milliseconds");
  }
}
