/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.finspace.Failure;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/troubleshooting.md says what to do about every condition reason the operator writes. */
class TroubleshootingDocTest {

  @Test
  void everyReasonHasARow() throws Exception {
    List<String> reasons = new ArrayList<>();
    for (Failure f : Failure.values()) {
      reasons.add(f.reason());
    }
    for (Field f : Reasons.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        reasons.add((String) f.get(null));
      }
    }
    // FinSpace's own statuses become reasons too (IN_PROGRESS: InProgress).
    for (String s : List.of("PENDING", "PROCESSING", "IN_PROGRESS")) {
      reasons.add(Reasons.fromFinSpaceStatus(s));
    }
    String doc = Files.readString(Path.of("docs", "troubleshooting.md"));
    assertThat(reasons)
        .hasSizeGreaterThan(20)
        .allSatisfy(r -> assertThat(doc).as("a row for %s", r).contains("`" + r + "`"));
  }
}
