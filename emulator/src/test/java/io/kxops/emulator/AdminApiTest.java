/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.finspace.FinspaceClient;
import software.amazon.awssdk.services.finspace.model.ChangesetStatus;
import software.amazon.awssdk.services.finspace.model.ConflictException;
import software.amazon.awssdk.services.finspace.model.ErrorDetails;
import software.amazon.awssdk.services.finspace.model.GetKxChangesetResponse;
import software.amazon.awssdk.services.finspace.model.ThrottlingException;

/** The JSON admin API under /_emulator/, driven with java.net.http as curl would. */
class AdminApiTest {
  static FinSpaceEmulator emu;
  static FinspaceClient sdk;
  static URI base;

  @BeforeAll
  static void start() {
    emu = FinSpaceEmulator.builder().start();
    sdk = TestClients.noRetries(emu.endpoint());
    base = emu.endpoint();
  }

  @AfterAll
  static void stop() {
    sdk.close();
    emu.close();
  }

  @BeforeEach
  void reset() {
    assertThat(RawHttp.post(base, "/_emulator/reset", "").statusCode()).isEqualTo(200);
  }

  @Test
  void registerDatabasesConfigureTheLifecycleAndDriveTheClock() {
    JsonNode dbs =
        ok(
            RawHttp.post(
                base,
                "/_emulator/databases",
                "{\"environmentId\":\"env1\",\"databaseName\":\"trades\",\"concurrency\":\"QUEUE\"}"));
    assertThat(dbs.at("/environments/env1/trades/concurrency").asText()).isEqualTo("QUEUE");

    JsonNode lifecycle =
        ok(
            RawHttp.put(
                base,
                "/_emulator/lifecycle",
                "{\"pending\":\"1s\",\"processing\":\"PT2S\",\"inProgressStatus\":\"PROCESSING\","
                    + "\"failureRules\":[{\"s3Path\":\"s3://bucket/bad/*\","
                    + "\"errorType\":\"Cancelled\",\"errorMessage\":\"stopped\"}]}"));
    assertThat(lifecycle.get("pending").asText()).isEqualTo("PT1S");
    assertThat(lifecycle.get("processing").asText()).isEqualTo("PT2S");
    assertThat(lifecycle.at("/failureRules/0/errorType").asText()).isEqualTo("Cancelled");

    ok(RawHttp.post(base, "/_emulator/clock/freeze", ""));
    String good = create("s3://bucket/good/sym", "tok-good");
    String bad = create("s3://bucket/bad/sym", "tok-bad");

    JsonNode clock = ok(RawHttp.post(base, "/_emulator/clock/advance", "{\"by\":\"PT2.5S\"}"));
    assertThat(clock.get("frozen").asBoolean()).isTrue();
    assertThat(get(good).status()).isEqualTo(ChangesetStatus.PROCESSING);
    assertThat(get(bad).status()).isEqualTo(ChangesetStatus.PENDING); // queued behind "good"

    ok(RawHttp.post(base, "/_emulator/clock/advance", "{\"by\":4000}"));
    assertThat(get(good).status()).isEqualTo(ChangesetStatus.COMPLETED);
    assertThat(get(bad).errorInfo().errorType()).isEqualTo(ErrorDetails.CANCELLED);

    JsonNode changesets =
        ok(RawHttp.get(base, "/_emulator/changesets?environmentId=env1&databaseName=trades"));
    assertThat(changesets.at("/changesets/0/clientToken").asText()).isEqualTo("tok-good");
    assertThat(changesets.at("/changesets/0/status").asText()).isEqualTo("COMPLETED");
    assertThat(changesets.at("/changesets/1/errorInfo/errorMessage").asText()).isEqualTo("stopped");

    JsonNode tokens = ok(RawHttp.get(base, "/_emulator/client-tokens"));
    assertThat(tokens.get("tok-good").get(0).asText()).isEqualTo(good);
  }

  @Test
  void faultsAreConfiguredReadAndCleared() {
    ok(
        RawHttp.post(
            base,
            "/_emulator/databases",
            "{\"environmentId\":\"env1\",\"databaseName\":\"trades\"}"));
    JsonNode faults =
        ok(
            RawHttp.put(
                base,
                "/_emulator/faults",
                "{\"scripted\":[{\"operation\":\"CreateKxChangeset\",\"count\":1,"
                    + "\"error\":\"ConflictException\",\"reason\":\"BUSY\"},"
                    + "{\"operation\":\"*\",\"count\":1,\"error\":\"ThrottlingException\"},"
                    + "{\"operation\":\"CreateKxChangeset\",\"drop\":\"after\","
                    + "\"database\":\"env1/quotes\"}],"
                    + "\"seed\":42,\"latency\":{\"min\":\"5ms\",\"max\":\"10ms\",\"probability\":0.5}}"));
    assertThat(faults.at("/scripted/0/httpStatus").asInt()).isEqualTo(409);
    assertThat(faults.at("/scripted/1/operation").asText()).isEqualTo("*");
    assertThat(faults.at("/latency/max").asText()).isEqualTo("PT0.01S");
    assertThat(faults.at("/scripted/2/database").asText()).isEqualTo("env1/quotes");
    assertThat(faults.at("/scripted/2/drop").asText()).isEqualTo("after");
    assertThat(faults.at("/scripted/0/database").isMissingNode()).isTrue();

    ConflictException c =
        catchThrowableOfType(ConflictException.class, () -> create("s3://bucket/x/sym", "t1"));
    assertThat(c.reason()).isEqualTo("BUSY");
    assertThat(
            catchThrowableOfType(
                ThrottlingException.class,
                () -> sdk.listKxChangesets(b -> b.environmentId("env1").databaseName("trades"))))
        .isNotNull();

    // Calls on trades never consumed the fault scoped to env1/quotes.
    assertThat(ok(RawHttp.get(base, "/_emulator/faults")).at("/scripted/0/database").asText())
        .isEqualTo("env1/quotes");
    JsonNode cleared = ok(RawHttp.delete(base, "/_emulator/faults"));
    assertThat(cleared.get("scripted")).isEmpty();
    assertThat(cleared.get("latency").isNull()).isTrue();
  }

  @Test
  void countersRequestsAndAuthAreExposed() {
    ok(RawHttp.post(base, "/_emulator/environments", "{\"environmentId\":\"env1\"}"));
    ok(
        RawHttp.post(
            base,
            "/_emulator/databases",
            "{\"environmentId\":\"env1\",\"databaseName\":\"trades\"}"));
    String id = create("s3://bucket/x/sym", "tok-1");
    get(id);

    JsonNode counters = ok(RawHttp.get(base, "/_emulator/counters"));
    assertThat(counters.at("/calls/CreateKxChangeset~1200").asLong()).isEqualTo(1);
    assertThat(counters.get("calls").get("GetKxChangeset/200").asLong()).isEqualTo(1);
    assertThat(counters.get("changesets").asInt()).isEqualTo(1);

    JsonNode requests = ok(RawHttp.get(base, "/_emulator/requests"));
    assertThat(requests.at("/requests/0/operation").asText()).isEqualTo("CreateKxChangeset");
    assertThat(requests.at("/requests/0/clientToken").asText()).isEqualTo("tok-1");
    assertThat(requests.at("/requests/1/changesetId").asText()).isEqualTo(id);

    JsonNode auth = ok(RawHttp.put(base, "/_emulator/auth", "{\"allowedAccessKeyId\":\"AKIAX\"}"));
    assertThat(auth.get("allowedAccessKeyId").asText()).isEqualTo("AKIAX");
    assertThat(RawHttp.get(base, "/kx/environments/env1/databases/trades/changesets").statusCode())
        .isEqualTo(403);

    ok(RawHttp.post(base, "/_emulator/reset", ""));
    assertThat(ok(RawHttp.get(base, "/_emulator/counters")).get("calls")).isEmpty();
    assertThat(ok(RawHttp.get(base, "/_emulator/databases")).get("environments")).isEmpty();
    assertThat(emu.allowedAccessKeyId()).isNull();
  }

  @Test
  void badAdminRequestsGetClearErrors() {
    HttpResponse<String> unknown = RawHttp.get(base, "/_emulator/nope");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("no admin endpoint /_emulator/nope");

    HttpResponse<String> badJson = RawHttp.put(base, "/_emulator/lifecycle", "{");
    assertThat(badJson.statusCode()).isEqualTo(400);

    HttpResponse<String> badDuration =
        RawHttp.put(base, "/_emulator/lifecycle", "{\"pending\":\"soon\"}");
    assertThat(badDuration.statusCode()).isEqualTo(400);
    assertThat(badDuration.body()).contains("not a duration: 'soon'");

    HttpResponse<String> badName =
        RawHttp.post(
            base, "/_emulator/databases", "{\"environmentId\":\"e\",\"databaseName\":\"x\"}");
    assertThat(badName.statusCode()).isEqualTo(400);
    assertThat(badName.body()).contains("databaseName: length must be from 3 to 63");

    assertThat(RawHttp.delete(base, "/_emulator/clock").statusCode()).isEqualTo(405);
  }

  private static JsonNode ok(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return RawHttp.json(r);
  }

  private static String create(String s3Path, String token) {
    return sdk.createKxChangeset(
            b ->
                b.environmentId("env1")
                    .databaseName("trades")
                    .changeRequests(TestClients.put(s3Path, "/"))
                    .clientToken(token))
        .changesetId();
  }

  private static GetKxChangesetResponse get(String id) {
    return sdk.getKxChangeset(b -> b.environmentId("env1").databaseName("trades").changesetId(id));
  }
}
