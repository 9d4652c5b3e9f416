/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ErrorInfo;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.testing.Resources;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The operator's log says when a changeset is COMPLETED or FAILED, where, and how long it took. */
class FinalLogLineTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

  static KxChangesetStatus status(String finSpaceStatus) {
    KxChangesetStatus s = new KxChangesetStatus();
    s.setChangesetId("cs1");
    s.setRegion("us-east-1");
    s.setStatus(finSpaceStatus);
    return s;
  }

  @Test
  void completedNamesTheResourceTheChangesetAndTheTimeTaken() {
    KxChangeset r = Resources.changeset("load-1", T0);
    assertThat(KxChangesetReconciler.finalLine(r, status("COMPLETED"), T0.plusSeconds(95)))
        .isEqualTo(
            r.getMetadata().getNamespace()
                + "/load-1: FinSpace changeset cs1 on database"
                + " us-east-1/jlcenjvtkgzrdek2qqv7ic/trades COMPLETED 95 s after creation");
  }

  @Test
  void failedSaysWhy() {
    KxChangeset r = Resources.changeset("load-1", T0);
    KxChangesetStatus s = status("FAILED");
    ErrorInfo e = new ErrorInfo();
    e.setErrorType("The inputs to this request are invalid.");
    e.setErrorMessage("no such key s3://b/x/");
    s.setErrorInfo(e);
    assertThat(KxChangesetReconciler.finalLine(r, s, T0.plusSeconds(7)))
        .endsWith(
            "FAILED 7 s after creation: The inputs to this request are invalid. no such key"
                + " s3://b/x/");
  }
}
