/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static io.kxops.emulator.TestClients.delete;
import static io.kxops.emulator.TestClients.put;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.finspace.FinspaceClient;
import software.amazon.awssdk.services.finspace.model.ChangeRequest;
import software.amazon.awssdk.services.finspace.model.ChangesetStatus;
import software.amazon.awssdk.services.finspace.model.CreateKxChangesetResponse;
import software.amazon.awssdk.services.finspace.model.GetKxChangesetResponse;
import software.amazon.awssdk.services.finspace.model.KxChangesetListEntry;

/** The three operations through the real SDK, and the exact bytes of their responses. */
class WireFormatTest {
  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final String DB = "trades";
  // 2023-07-12T20:25:16.836Z, the instant of the reference's example.
  static final Instant T0 = Instant.ofEpochMilli(1689193516836L);
  static final String PATH = "/kx/environments/" + ENV + "/databases/" + DB + "/changesets";

  static FinSpaceEmulator emu;
  static FinspaceClient sdk;

  @BeforeAll
  static void start() {
    emu =
        FinSpaceEmulator.builder()
            .database(ENV, DB)
            .database("env 1/x", "db_1-a")
            .pending(Duration.ofSeconds(2))
            .processing(Duration.ofSeconds(10))
            .start();
    sdk = TestClients.client(emu.endpoint());
  }

  @AfterAll
  static void stop() {
    sdk.close();
    emu.close();
  }

  @BeforeEach
  void reset() {
    emu.reset();
    emu.clock().freezeAt(T0);
  }

  @Test
  void createEchoesTheRequestAndStartsPending() {
    List<ChangeRequest> requests =
        List.of(
            delete("/2020.01.03/"),
            put("s3://kdb-staging/trades/restated/2020.01.03/", "/2020.01.03/"),
            put("s3://kdb-staging/trades/restated/sym", "/"));

    CreateKxChangesetResponse r =
        sdk.createKxChangeset(
            b ->
                b.environmentId(ENV)
                    .databaseName(DB)
                    .changeRequests(requests)
                    .clientToken("7d7f3a36-uid"));

    assertThat(r.changesetId()).matches("[A-Za-z0-9]{22}");
    assertThat(r.environmentId()).isEqualTo(ENV);
    assertThat(r.databaseName()).isEqualTo(DB);
    assertThat(r.changeRequests()).isEqualTo(requests);
    assertThat(r.status()).isEqualTo(ChangesetStatus.PENDING);
    assertThat(r.createdTimestamp()).isEqualTo(T0);
    assertThat(r.lastModifiedTimestamp()).isEqualTo(T0);
    assertThat(r.errorInfo()).isNull();
    assertThat(r.responseMetadata().requestId()).matches("[0-9a-f-]{36}");
    assertThat(emu.changesets(ENV, DB))
        .singleElement()
        .extracting(ChangesetView::clientToken)
        .isEqualTo("7d7f3a36-uid");
  }

  @Test
  void getAndListFollowTheChangesetToCompletion() {
    String id = create("s3://bucket/db/2020.01.02/", "/2020.01.02/");

    GetKxChangesetResponse pending = get(id);
    assertThat(pending.status()).isEqualTo(ChangesetStatus.PENDING);
    assertThat(pending.activeFromTimestamp()).isNull();

    emu.clock().advance(Duration.ofSeconds(12));
    GetKxChangesetResponse done = get(id);
    assertThat(done.changesetId()).isEqualTo(id);
    assertThat(done.status()).isEqualTo(ChangesetStatus.COMPLETED);
    assertThat(done.createdTimestamp()).isEqualTo(T0);
    assertThat(done.activeFromTimestamp()).isEqualTo(T0.plusSeconds(12));
    assertThat(done.lastModifiedTimestamp()).isEqualTo(T0.plusSeconds(12));
    assertThat(done.changeRequests())
        .containsExactly(put("s3://bucket/db/2020.01.02/", "/2020.01.02/"));

    List<KxChangesetListEntry> list =
        sdk.listKxChangesets(b -> b.environmentId(ENV).databaseName(DB)).kxChangesets();
    assertThat(list).hasSize(1);
    KxChangesetListEntry e = list.get(0);
    assertThat(e.changesetId()).isEqualTo(id);
    assertThat(e.status()).isEqualTo(ChangesetStatus.COMPLETED);
    assertThat(e.createdTimestamp()).isEqualTo(T0);
    assertThat(e.activeFromTimestamp()).isEqualTo(T0.plusSeconds(12));
    assertThat(e.lastModifiedTimestamp()).isEqualTo(T0.plusSeconds(12));
  }

  @Test
  void createResponseBytesHaveTheModelMembersAndEpochSecondTimestamps() {
    HttpResponse<String> r =
        RawHttp.post(
            emu.endpoint(),
            PATH,
            "{\"changeRequests\":[{\"changeType\":\"PUT\",\"s3Path\":\"s3://bucket/db/sym\","
                + "\"dbPath\":\"/\"}],\"clientToken\":\"19d94537-537a-4f05-bb1d-721713bf4b2f\"}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.headers().firstValue("x-amzn-RequestId")).isPresent();
    JsonNode body = RawHttp.json(r);
    assertThat(RawHttp.fieldNames(body))
        .containsExactlyInAnyOrder(
            "changesetId",
            "databaseName",
            "environmentId",
            "changeRequests",
            "createdTimestamp",
            "lastModifiedTimestamp",
            "status");
    assertThat(r.body())
        .contains("\"createdTimestamp\":1689193516.836")
        .contains("\"lastModifiedTimestamp\":1689193516.836")
        .contains(
            "\"changeRequests\":[{\"changeType\":\"PUT\",\"s3Path\":\"s3://bucket/db/sym\","
                + "\"dbPath\":\"/\"}]");
    assertThat(body.get("createdTimestamp").isNumber()).isTrue();
  }

  @Test
  void createResponseNeverCarriesActiveFromEvenWhenReplayedAfterCompletion() {
    String body =
        "{\"changeRequests\":[{\"changeType\":\"DELETE\",\"dbPath\":\"/2020.01.01/\"}],"
            + "\"clientToken\":\"replay-1\"}";
    RawHttp.post(emu.endpoint(), PATH, body);
    emu.clock().advance(Duration.ofSeconds(30));

    JsonNode replay = RawHttp.json(RawHttp.post(emu.endpoint(), PATH, body));

    assertThat(replay.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(replay.has("activeFromTimestamp")).isFalse();
    assertThat(replay.get("changeRequests").get(0).has("s3Path")).isFalse();
  }

  @Test
  void getAndListBytesCarryOnlyTheirMembers() {
    String id = create("s3://bucket/db/sym", "/");
    HttpResponse<String> pendingList = RawHttp.get(emu.endpoint(), PATH);
    JsonNode pendingEntry = RawHttp.json(pendingList).get("kxChangesets").get(0);
    assertThat(RawHttp.fieldNames(pendingEntry))
        .containsExactlyInAnyOrder(
            "changesetId", "createdTimestamp", "lastModifiedTimestamp", "status");
    assertThat(RawHttp.json(pendingList).has("nextToken")).isFalse();

    emu.clock().advance(Duration.ofMillis(12_001));
    JsonNode entry = RawHttp.json(RawHttp.get(emu.endpoint(), PATH)).get("kxChangesets").get(0);
    assertThat(RawHttp.fieldNames(entry))
        .containsExactlyInAnyOrder(
            "changesetId",
            "createdTimestamp",
            "activeFromTimestamp",
            "lastModifiedTimestamp",
            "status");

    HttpResponse<String> get = RawHttp.get(emu.endpoint(), PATH + "/" + id);
    assertThat(RawHttp.fieldNames(RawHttp.json(get)))
        .containsExactlyInAnyOrder(
            "changesetId",
            "databaseName",
            "environmentId",
            "changeRequests",
            "createdTimestamp",
            "activeFromTimestamp",
            "lastModifiedTimestamp",
            "status");
    // 1689193516.836 + 12 s: the fraction keeps three digits.
    assertThat(get.body()).contains("\"activeFromTimestamp\":1689193528.836");
  }

  @Test
  void percentEncodedPathLabelsAreDecoded() {
    String env = "env 1/x";
    String db = "db_1-a";
    String id =
        sdk.createKxChangeset(
                b ->
                    b.environmentId(env)
                        .databaseName(db)
                        .changeRequests(TestClients.onePut())
                        .clientToken("enc-1"))
            .changesetId();

    assertThat(
            sdk.getKxChangeset(b -> b.environmentId(env).databaseName(db).changesetId(id))
                .environmentId())
        .isEqualTo(env);
    assertThat(sdk.listKxChangesets(b -> b.environmentId(env).databaseName(db)).kxChangesets())
        .hasSize(1);
    assertThat(emu.requestLog().get(0).path())
        .isEqualTo("/kx/environments/env%201%2Fx/databases/db_1-a/changesets");
  }

  private String create(String s3Path, String dbPath) {
    return sdk.createKxChangeset(
            b -> b.environmentId(ENV).databaseName(DB).changeRequests(put(s3Path, dbPath)))
        .changesetId();
  }

  private GetKxChangesetResponse get(String id) {
    return sdk.getKxChangeset(b -> b.environmentId(ENV).databaseName(DB).changesetId(id));
  }
}
