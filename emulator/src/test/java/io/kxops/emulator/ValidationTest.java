/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static io.kxops.emulator.TestClients.delete;
import static io.kxops.emulator.TestClients.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.finspace.model.ChangeRequest;
import software.amazon.awssdk.services.finspace.model.CreateKxChangesetRequest;
import software.amazon.awssdk.services.finspace.model.ValidationException;

/** The server checks every model constraint, because the SDK checks none; messages name fields. */
class ValidationTest extends EmulatorFixture {
  static final ChangeRequest OK = put("s3://bucket/db/2020.01.02/", "/2020.01.02/");

  @BeforeAll
  static void start() {
    startWith(FinSpaceEmulator.builder().database(ENV, DB));
  }

  static Stream<Arguments> invalidCreates() {
    return Stream.of(
        bad(
            "environmentId too long",
            b -> b.environmentId("e".repeat(33)),
            "environmentId: length must be from 1 to 32, is 33"),
        bad(
            "environmentId blank",
            b -> b.environmentId("   "),
            "environmentId: must contain a non-whitespace character"),
        bad(
            "databaseName too short",
            b -> b.databaseName("db"),
            "databaseName: length must be from 3 to 63, is 2"),
        bad(
            "databaseName too long",
            b -> b.databaseName("d".repeat(64)),
            "databaseName: length must be from 3 to 63, is 64"),
        bad(
            "databaseName pattern",
            b -> b.databaseName("-trades"),
            "databaseName: must match the pattern"),
        bad(
            "no change requests",
            b -> b.changeRequests(List.of()),
            "changeRequests: must have from 1 to 32 items, has 0"),
        bad(
            "33 change requests",
            b -> b.changeRequests(Collections.nCopies(33, OK)),
            "changeRequests: must have from 1 to 32 items, has 33"),
        bad(
            "unknown changeType",
            b -> b.changeRequests(ChangeRequest.builder().changeType("BOGUS").dbPath("/").build()),
            "changeRequests[0].changeType: must be one of PUT, DELETE"),
        bad(
            "missing changeType",
            b -> b.changeRequests(ChangeRequest.builder().dbPath("/").build()),
            "changeRequests[0].changeType: is required"),
        bad(
            "PUT without s3Path",
            b -> b.changeRequests(ChangeRequest.builder().changeType("PUT").dbPath("/").build()),
            "changeRequests[0].s3Path: is required for PUT"),
        bad(
            "DELETE with s3Path",
            b ->
                b.changeRequests(
                    OK,
                    ChangeRequest.builder()
                        .changeType("DELETE")
                        .s3Path("s3://bucket/db/x/")
                        .dbPath("/x/")
                        .build()),
            "changeRequests[1].s3Path: must not be set for DELETE"),
        bad(
            "s3Path upper-case bucket",
            b -> b.changeRequests(put("s3://Bucket/db/x", "/")),
            "changeRequests[0].s3Path: must match the pattern"),
        bad(
            "s3Path without slash after bucket",
            b -> b.changeRequests(put("s3://bucket", "/")),
            "changeRequests[0].s3Path: must match the pattern"),
        bad(
            "s3Path too short",
            b -> b.changeRequests(put("s3://ab/", "/")),
            "changeRequests[0].s3Path: length must be from 9 to 1093, is 8"),
        bad(
            "s3Path too long",
            // "s3://bucket/" is 12 characters: 1094 in all, one over the model's maximum.
            b -> b.changeRequests(put("s3://bucket/" + "a".repeat(1082), "/")),
            "changeRequests[0].s3Path: length must be from 9 to 1093, is 1094"),
        bad(
            "s3Path empty segment",
            b -> b.changeRequests(put("s3://bucket/a//b", "/")),
            "changeRequests[0].s3Path: must match the pattern"),
        bad(
            "dbPath not ending in /",
            b -> b.changeRequests(OK, put("s3://bucket/db/sym", "/sym")),
            "changeRequests[1].dbPath: must start and end with '/'"),
        bad(
            "dbPath without leading /",
            b -> b.changeRequests(put("s3://bucket/db/x/", "x/")),
            "changeRequests[0].dbPath: must start and end with '/'"),
        bad(
            "dbPath three levels deep",
            b -> b.changeRequests(delete("/a/b/c/")),
            "changeRequests[0].dbPath: must match the pattern"),
        bad(
            "dbPath missing",
            b -> b.changeRequests(ChangeRequest.builder().changeType("DELETE").build()),
            "changeRequests[0].dbPath: is required"),
        bad(
            "dbPath too long",
            b -> b.changeRequests(delete("/" + "a".repeat(1025) + "/")),
            "changeRequests[0].dbPath: length must be from 1 to 1025, is 1027"),
        bad(
            "clientToken pattern",
            b -> b.clientToken("not valid token!"),
            "clientToken: must match the pattern"),
        bad(
            "clientToken too long",
            b -> b.clientToken("t".repeat(65)),
            "clientToken: length must be from 1 to 64, is 65"));
  }

  private static Arguments bad(
      String name, Consumer<CreateKxChangesetRequest.Builder> change, String message) {
    return Arguments.of(name, change, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidCreates")
  void invalidCreateIsRejectedNamingTheField(
      String name, Consumer<CreateKxChangesetRequest.Builder> change, String message) {
    CreateKxChangesetRequest.Builder b =
        CreateKxChangesetRequest.builder()
            .environmentId(ENV)
            .databaseName(DB)
            .changeRequests(OK)
            .clientToken("ok-token");
    change.accept(b);

    ValidationException e =
        catchThrowableOfType(ValidationException.class, () -> sdk.createKxChangeset(b.build()));

    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.awsErrorDetails().errorMessage()).contains(message);
    assertThat(emu.changesetCount()).isZero();
  }

  @Test
  void allViolationsOfOneRequestAreReportedTogether() {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                sdk.createKxChangeset(
                    b ->
                        b.environmentId(ENV)
                            .databaseName(DB)
                            .changeRequests(put("s3://bucket/db/x/", "x"), delete("/ok/"))
                            .clientToken("bad token")));

    assertThat(e.awsErrorDetails().errorMessage())
        .isEqualTo(
            "changeRequests[0].dbPath: must match the pattern ^(\\*)*[\\/\\?\\*]([^\\/]+\\/){0,2}[^\\/]*$;"
                + " changeRequests[0].dbPath: must start and end with '/';"
                + " clientToken: must match the pattern ^[a-zA-Z0-9-]+$");
  }

  @Test
  void validInputsAtTheLimitsAreAccepted() {
    List<ChangeRequest> max = new ArrayList<>(Collections.nCopies(29, OK));
    max.add(put("s3://bucket/", "/"));
    max.add(put("s3://bucket/" + "a".repeat(1081), "/")); // s3Path of exactly 1093
    max.add(delete("/2020.01.02/taq/"));

    var r =
        sdk.createKxChangeset(
            b ->
                b.environmentId(ENV)
                    .databaseName(DB)
                    .changeRequests(max)
                    .clientToken("t".repeat(64)));

    assertThat(r.changeRequests()).hasSize(32).isEqualTo(max);
  }

  @Test
  void validationComesBeforeTheExistenceCheck() {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () -> sdk.listKxChangesets(b -> b.environmentId("unknown").databaseName("x")));
    assertThat(e.getMessage()).contains("databaseName: length must be from 3 to 63, is 1");
  }

  @Test
  void getChecksTheChangesetId() {
    assertThat(getError("a".repeat(27)))
        .contains("changesetId: length must be from 1 to 26, is 27");
    assertThat(getError("abc-def")).contains("changesetId: must match the pattern ^[a-zA-Z0-9]+$");
  }

  @Test
  void listChecksMaxResultsAndNextToken() {
    assertThat(listError(101, null)).contains("maxResults: must be an integer from 0 to 100");
    assertThat(listError(-1, null)).contains("maxResults: must be an integer from 0 to 100");
    assertThat(listError(10, "garbage")).contains("nextToken: is not a valid pagination token");
    assertThat(listError(10, "x".repeat(1001)))
        .contains("nextToken: length must be from 1 to 1000, is 1001");
  }

  @Test
  void malformedBodiesAreValidationErrors() {
    String path = "/kx/environments/env1/databases/trades/changesets";
    HttpResponse<String> notJson = RawHttp.post(emu.endpoint(), path, "{nope");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(notJson.body()).contains("body: malformed JSON");

    HttpResponse<String> notAList =
        RawHttp.post(emu.endpoint(), path, "{\"changeRequests\":{},\"clientToken\":\"t\"}");
    assertThat(notAList.body()).contains("changeRequests: must be a list");

    HttpResponse<String> noToken =
        RawHttp.post(
            emu.endpoint(),
            path,
            "{\"changeRequests\":[{\"changeType\":\"DELETE\",\"dbPath\":\"/x/\"}]}");
    assertThat(noToken.body()).contains("clientToken: is required");

    HttpResponse<String> wrongType =
        RawHttp.post(
            emu.endpoint(),
            path,
            "{\"changeRequests\":[{\"changeType\":\"DELETE\",\"dbPath\":7}],\"clientToken\":\"t\"}");
    assertThat(wrongType.body()).contains("changeRequests[0].dbPath: must be a string");
  }

  private String getError(String id) {
    return catchThrowableOfType(
            ValidationException.class,
            () -> sdk.getKxChangeset(b -> b.environmentId(ENV).databaseName(DB).changesetId(id)))
        .awsErrorDetails()
        .errorMessage();
  }

  private String listError(int maxResults, String nextToken) {
    return catchThrowableOfType(
            ValidationException.class,
            () ->
                sdk.listKxChangesets(
                    b ->
                        b.environmentId(ENV)
                            .databaseName(DB)
                            .maxResults(maxResults)
                            .nextToken(nextToken)))
        .awsErrorDetails()
        .errorMessage();
  }
}
