/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.status.StatusMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Building and reading create intents: the target, a digest of the exact requests, and how long the
 * intent's token may still be sent.
 */
public final class Intents {

  /** How far FinSpace's clock may run behind the operator's when matching creation times. */
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

  /** How long FinSpace honours a client token ("expires in 10 minutes"). */
  public static final Duration TOKEN_LIFETIME = Duration.ofMinutes(10);

  /**
   * How long after its create intent an attempt of that create may still be transmitted with the
   * intent's token: the token's lifetime, less twice the clock skew (the process that wrote the
   * intent and the one sending may each be off by it) and 10 s for the request to arrive. Every
   * create carries this deadline down to the HTTP layer ({@link FinSpace#create}), so neither a
   * throttled SDK retry nor a paused process can resend after FinSpace forgot the token.
   */
  public static final Duration SEND_WINDOW =
      TOKEN_LIFETIME.minus(CLOCK_SKEW.multipliedBy(2)).minus(Duration.ofSeconds(10));

  /** How long a request handed to the network before its send deadline takes to reach FinSpace. */
  static final Duration TRANSIT = Duration.ofSeconds(10);

  private Intents() {}

  /** The intent to create {@code r}'s changeset on {@code db} now, with its uid as token. */
  public static CreateIntent of(DatabaseRef db, KxChangeset r, Instant now) {
    return new CreateIntent(
        db.region(),
        db.environmentId(),
        db.databaseName(),
        r.getMetadata().getGeneration(),
        digest(r.getSpec().getChangeRequests()),
        r.getMetadata().getUid(),
        StatusMapper.rfc3339(now));
  }

  /** The database the intent targets. */
  public static DatabaseRef target(CreateIntent i) {
    return new DatabaseRef(i.getRegion(), i.getEnvironmentId(), i.getDatabaseName());
  }

  /**
   * True when the spec still describes exactly what the intent records: the same target and the
   * same requests. (The API server freezes the spec once an intent exists; this is the operator's
   * own check, for an API server that did not enforce it.)
   */
  public static boolean matchesSpec(CreateIntent i, DatabaseRef specTarget, KxChangeset r) {
    return target(i).equals(specTarget)
        && Objects.equals(i.getRequestsDigest(), digest(r.getSpec().getChangeRequests()));
  }

  /** The last instant an attempt of {@code intent}'s create may leave with its token. */
  static Instant sendDeadline(CreateIntent intent) {
    return Instant.parse(intent.getAttemptedAt()).plus(SEND_WINDOW);
  }

  /** sha256 over the requests in order; each field is length-prefixed, so no two lists collide. */
  public static String digest(List<ChangeRequest> requests) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      if (requests != null) {
        for (ChangeRequest c : requests) {
          field(md, c.getChangeType() == null ? null : c.getChangeType().name());
          field(md, c.getS3Path());
          field(md, c.getDbPath());
        }
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  private static void field(MessageDigest md, String value) {
    if (value == null) {
      md.update((byte) 0);
      return;
    }
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    md.update((byte) 1);
    md.update(String.valueOf(b.length).getBytes(StandardCharsets.US_ASCII));
    md.update((byte) ':');
    md.update(b);
  }
}
