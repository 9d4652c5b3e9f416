/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Holds back every attempt of a create, the SDK's retries included, that could leave after the
 * create's send deadline. It runs after the rate limiter, so a wait for a permit or a retry's
 * backoff cannot carry a resend past the client token's lifetime; what still comes between it and
 * the bytes going out (a pooled connection, a new connection) is bounded by the HTTP client's
 * timeouts, and an attempt is let through only if it leaves by the deadline even then ({@code
 * lead}).
 */
final class SendDeadline implements ExecutionInterceptor {

  /** The instant after which no attempt of this call may be transmitted. */
  static final ExecutionAttribute<Instant> SEND_BY = new ExecutionAttribute<>("kxops.sendBy");

  /** Thrown instead of transmitting; the SDK does not retry it (it is no I/O error). */
  static final class Closed extends RuntimeException {
    Closed(Instant sendBy, Instant now) {
      super("create not sent: its send deadline " + sendBy + " passed (now " + now + ")");
    }
  }

  private final Clock clock;
  private final Duration lead;

  /**
   * @param lead the longest the HTTP client may take between this check and transmission
   */
  SendDeadline(Clock clock, Duration lead) {
    this.clock = clock;
    this.lead = lead;
  }

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
    Instant sendBy = executionAttributes.getAttribute(SEND_BY);
    Instant now = clock.instant();
    if (sendBy != null && now.isAfter(sendBy.minus(lead))) {
      throw new Closed(sendBy, now);
    }
  }
}
