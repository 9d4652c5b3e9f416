/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Counts the attempts of a call about to be transmitted. It runs after every other interceptor (the
 * rate limiter, the send deadline), so a call that failed at 0 sent nothing: its credentials could
 * not be had (STS refused the role), or it was held back. A create whose every attempt failed so
 * proves that it made no changeset, whatever the SDK's retries did; one transmitted once is
 * answered for by that one answer.
 */
final class Transmissions implements ExecutionInterceptor {

  /** Set on the call's request; the attempts that may have left the process. */
  static final ExecutionAttribute<AtomicInteger> SENT = new ExecutionAttribute<>("kxops.sent");

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
    AtomicInteger sent = executionAttributes.getAttribute(SENT);
    if (sent != null) {
      sent.incrementAndGet();
    }
  }
}
