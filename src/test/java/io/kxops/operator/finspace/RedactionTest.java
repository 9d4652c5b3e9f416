/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What FinSpace (or a proxy in front of it) says goes into conditions and events, minus secrets.
 */
class RedactionTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAXYZXYZXYZXYZXYZ1",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "FwoGZXIvYXdzEJr//////////wEaDM3SESSIONTOKENEXAMPLE",
      })
  void credentialsAndSignaturesAreRemoved(String secret) {
    String message =
        "The request signature we calculated does not match. Canonical request:"
            + " GET /kx/environments/e/databases/d/changesets?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential="
            + secret
            + "%2F20261205%2Fus-east-1%2Ffinspace%2Faws4_request&X-Amz-Security-Token="
            + secret
            + "&X-Amz-Signature="
            + secret
            + " Authorization: AWS4-HMAC-SHA256 Credential="
            + secret
            + "/20261205/us-east-1/finspace/aws4_request, SignedHeaders=host, Signature="
            + secret
            + " access key "
            + secret
            + " aws_secret_access_key="
            + secret;
    String safe = Redaction.clean(message);
    assertThat(safe).doesNotContain(secret).contains("signature we calculated does not match");
    assertThat(safe).contains("[redacted]");
  }

  @Test
  void ordinaryMessagesAreKept() {
    String m =
        "CreateKxChangeset: Database trades not found in environment jlcenjvtkgzrdek2qqv7ic"
            + " (changeset Msm0c8y8XB1k8zYZFNhRug)";
    assertThat(Redaction.clean(m)).isEqualTo(m);
  }

  @Test
  void longMessagesAreCappedAndControlCharactersReplaced() {
    String safe = Redaction.clean("x".repeat(100_000) + "\u0000");
    assertThat(safe.length()).isLessThanOrEqualTo(Redaction.MAX_LENGTH);
    assertThat(safe).endsWith("…");
    assertThat(Redaction.clean("a\u0000b\u001bc\nd")).isEqualTo("a b c d");
  }

  @Test
  void finSpaceExceptionMessagesAreCleaned() {
    FinSpaceException e =
        FinSpaceException.of(
            Operation.CREATE,
            "InvalidSignatureException",
            403,
            "CreateKxChangeset: bad signature for AKIAIOSFODNN7EXAMPLE: Signature=abcdef0123456789"
                + "y".repeat(50_000),
            null);
    assertThat(e.getMessage())
        .doesNotContain("AKIAIOSFODNN7EXAMPLE")
        .doesNotContain("abcdef0123456789")
        .startsWith("CreateKxChangeset: bad signature");
    assertThat(e.getMessage().length()).isLessThan(Redaction.MAX_LENGTH + 400);
    assertThat(e.getMessage()).contains(Failure.INVALID_CREDENTIALS.hint());
  }
}
