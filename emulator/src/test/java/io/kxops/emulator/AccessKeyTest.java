/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.finspace.FinspaceClient;
import software.amazon.awssdk.services.finspace.model.AccessDeniedException;

/** With an allowed access key id, only requests SigV4-signed with that key id get through. */
class AccessKeyTest {
  static final String PATH = "/kx/environments/env1/databases/trades/changesets";

  static FinSpaceEmulator emu;
  static FinspaceClient allowed;
  static FinspaceClient other;

  @BeforeAll
  static void start() {
    emu =
        FinSpaceEmulator.builder()
            .database("env1", "trades")
            .allowedAccessKeyId(TestClients.ACCESS_KEY)
            .start();
    allowed = TestClients.noRetries(emu.endpoint());
    other = TestClients.noRetries(emu.endpoint(), "AKIAOTHERKEY");
  }

  @AfterAll
  static void stop() {
    allowed.close();
    other.close();
    emu.close();
  }

  @BeforeEach
  void reset() {
    emu.reset();
  }

  @Test
  void theAllowedKeyIsAccepted() {
    assertThat(list(allowed).kxChangesets()).isEmpty();
  }

  @Test
  void anotherKeyIsDenied() {
    AccessDeniedException e = catchThrowableOfType(AccessDeniedException.class, () -> list(other));

    assertThat(e.statusCode()).isEqualTo(403);
    assertThat(e.awsErrorDetails().errorMessage()).contains("AKIAOTHERKEY is not allowed");
    assertThat(emu.counter(Operation.LIST_KX_CHANGESETS, "AccessDeniedException")).isEqualTo(1);
  }

  @Test
  void unsignedOrWronglyScopedRequestsAreDenied() {
    HttpResponse<String> unsigned = RawHttp.get(emu.endpoint(), PATH);
    assertThat(unsigned.statusCode()).isEqualTo(403);
    assertThat(unsigned.headers().firstValue("x-amzn-ErrorType")).hasValue("AccessDeniedException");

    HttpResponse<String> s3Scoped =
        RawHttp.send(
            HttpRequest.newBuilder(emu.endpoint().resolve(PATH))
                .header(
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/s3/aws4_request, "
                        + "SignedHeaders=host;x-amz-date, Signature="
                        + "0".repeat(64))
                .build());
    assertThat(s3Scoped.statusCode()).isEqualTo(403);
    assertThat(s3Scoped.body()).contains("scoped to service 'finspace', not 's3'");
  }

  @Test
  void theKeyCanBeChangedAtRunTimeAndTheAdminApiNeedsNone() {
    emu.allowedAccessKeyId("AKIAOTHERKEY");
    assertThat(list(other).kxChangesets()).isEmpty();
    assertThat(catchThrowableOfType(AccessDeniedException.class, () -> list(allowed))).isNotNull();

    emu.allowedAccessKeyId(null);
    assertThat(RawHttp.get(emu.endpoint(), PATH).statusCode()).isEqualTo(200);
    assertThat(RawHttp.get(emu.endpoint(), "/_emulator/health").statusCode()).isEqualTo(200);
  }

  private static software.amazon.awssdk.services.finspace.model.ListKxChangesetsResponse list(
      FinspaceClient c) {
    return c.listKxChangesets(b -> b.environmentId("env1").databaseName("trades"));
  }
}
