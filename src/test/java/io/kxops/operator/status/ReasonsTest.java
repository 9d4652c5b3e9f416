/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** FinSpace status strings become stable CamelCase condition reasons. */
class ReasonsTest {

  @ParameterizedTest
  @CsvSource({
    "PENDING, Pending",
    "PROCESSING, Processing",
    "IN_PROGRESS, InProgress",
    "in-progress, InProgress",
    "'', Creating",
    "42, Creating",
  })
  void camelCase(String status, String reason) {
    assertThat(Reasons.fromFinSpaceStatus(status)).isEqualTo(reason);
  }
}
