/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.testing.Resources;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Condition messages stay small whatever the spec or FinSpace holds. */
class MessageCapTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

  static List<ChangeRequest> requests(String tag) {
    List<ChangeRequest> out = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      out.add(
          ChangeRequest.put(
              "s3://bucket/" + tag + "k".repeat(1093 - 13 - tag.length()) + i,
              "/" + "p".repeat(1020) + i + "/"));
    }
    return out;
  }

  @Test
  void aSpecMismatchOfTheLargestSpecsIsCapped() {
    KxChangeset r = Resources.changeset("big", T0, requests("a").toArray(ChangeRequest[]::new));
    Changeset cs =
        new Changeset(
            "Msm0c8y8XB1k8zYZFNhRug", "PROCESSING", null, null, requests("b"), T0, T0, null);
    KxChangesetStatus s = StatusMapper.mirror(r, "us-east-1", cs, T0);
    for (Condition c : s.getConditions()) {
      assertThat(c.getMessage().length())
          .as(c.getType())
          .isLessThanOrEqualTo(Conditions.MAX_MESSAGE);
    }
    Condition stalled = Conditions.find(s.getConditions(), Conditions.STALLED);
    assertThat(stalled.getReason()).isEqualTo(Reasons.SPEC_MISMATCH);
    assertThat(stalled.getMessage())
        .startsWith("FinSpace changeset Msm0c8y8XB1k8zYZFNhRug")
        .endsWith("…");
  }

  @Test
  void aFailedChangesetsLongErrorMessageIsCapped() {
    KxChangeset r = Resources.changeset("failed", T0);
    Changeset cs =
        new Changeset(
            "Msm0c8y8XB1k8zYZFNhRug",
            "FAILED",
            "The inputs to this request are invalid.",
            "e".repeat(200_000),
            null,
            T0,
            T0,
            null);
    KxChangesetStatus s = StatusMapper.mirror(r, "us-east-1", cs, T0);
    assertThat(Conditions.find(s.getConditions(), Conditions.READY).getMessage())
        .hasSizeLessThanOrEqualTo(Conditions.MAX_MESSAGE);
    // FinSpace's own text is kept in status.errorInfo, bounded too.
    assertThat(s.getErrorInfo().getErrorMessage())
        .hasSizeLessThanOrEqualTo(StatusMapper.MAX_ERROR_INFO)
        .endsWith("…");
  }

  @Test
  void shortMessagesAreKept() {
    var c = Conditions.from(null, 1, T0).set("Ready", "False", "Queued", "waiting").build();
    assertThat(c.get(0).getMessage()).isEqualTo("waiting");
  }
}
