/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.time.Clock;
import java.time.Instant;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Holds back every attempt of a create, the SDK's retries included, that would leave after the
 * create's send deadline. It runs after the rate limiter, right before the bytes go out, so a wait
 * for a permit or a retry's backoff cannot carry a resend past the client token's lifetime.
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

  SendDeadline(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
    Instant sendBy = executionAttributes.getAttribute(SEND_BY);
    Instant now = clock.instant();
    if (sendBy != null && now.isAfter(sendBy)) {
      throw new Closed(sendBy, now);
    }
  }

  /** The {@link Closed} in {@code e}'s causes, or null. */
  static Closed closedIn(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof Closed c) {
        return c;
      }
    }
    return null;
  }
}
