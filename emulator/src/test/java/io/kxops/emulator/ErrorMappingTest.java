/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.finspace.model.AccessDeniedException;
import software.amazon.awssdk.services.finspace.model.ConflictException;
import software.amazon.awssdk.services.finspace.model.FinspaceException;
import software.amazon.awssdk.services.finspace.model.InternalServerException;
import software.amazon.awssdk.services.finspace.model.LimitExceededException;
import software.amazon.awssdk.services.finspace.model.ResourceNotFoundException;
import software.amazon.awssdk.services.finspace.model.ThrottlingException;
import software.amazon.awssdk.services.finspace.model.ValidationException;

/** Every error the emulator sends arrives in the SDK as its typed exception with its details. */
class ErrorMappingTest extends EmulatorFixture {

  @BeforeAll
  static void start() {
    startWith(FinSpaceEmulator.builder().database(ENV, DB));
  }

  static Stream<Arguments> errorTypes() {
    return Stream.of(
        Arguments.of("ValidationException", 400, ValidationException.class),
        Arguments.of("LimitExceededException", 400, LimitExceededException.class),
        Arguments.of("AccessDeniedException", 403, AccessDeniedException.class),
        Arguments.of("ResourceNotFoundException", 404, ResourceNotFoundException.class),
        Arguments.of("ConflictException", 409, ConflictException.class),
        Arguments.of("ThrottlingException", 429, ThrottlingException.class),
        Arguments.of("InternalServerException", 500, InternalServerException.class));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errorTypes")
  void eachErrorTypeIsParsedAsItsTypedException(
      String type, int status, Class<? extends FinspaceException> expected) {
    emu.faults()
        .failNext(
            Operation.CREATE_KX_CHANGESET, 1, type, status, "scripted " + type, "WHY_" + status);

    FinspaceException e = catchThrowableOfType(FinspaceException.class, this::create);

    assertThat(e).isExactlyInstanceOf(expected);
    assertThat(e.statusCode()).isEqualTo(status);
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo(type);
    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("scripted " + type);
    assertThat(e.requestId()).isNotBlank();
    if (e instanceof ConflictException c) {
      assertThat(c.reason()).isEqualTo("WHY_409");
    }
    assertThat(emu.counter(Operation.CREATE_KX_CHANGESET, type)).isEqualTo(1);
    assertThat(emu.changesetCount()).isZero();
  }

  @Test
  void errorsCarryTheTypeInHeaderAndBody() {
    emu.faults()
        .failNext(Operation.LIST_KX_CHANGESETS, 1, "ConflictException", 409, "busy", "BUSY");

    HttpResponse<String> r =
        RawHttp.get(emu.endpoint(), "/kx/environments/env1/databases/trades/changesets");

    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("ConflictException");
    assertThat(r.headers().firstValue("x-amzn-RequestId")).isPresent();
    assertThat(r.body())
        .isEqualTo("{\"__type\":\"ConflictException\",\"message\":\"busy\",\"reason\":\"BUSY\"}");
  }

  @Test
  void anErrorTypeOutsideTheModelArrivesAsTheBaseException() {
    emu.faults()
        .failNext(
            Operation.GET_KX_CHANGESET, 1, "ServiceUnavailableException", 503, "try later", null);

    FinspaceException e =
        catchThrowableOfType(
            FinspaceException.class,
            () -> sdk.getKxChangeset(b -> b.environmentId(ENV).databaseName(DB).changesetId("x1")));

    assertThat(e).isExactlyInstanceOf(FinspaceException.class);
    assertThat(e.statusCode()).isEqualTo(503);
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ServiceUnavailableException");
  }

  @Test
  void unknownEnvironmentDatabaseOrChangesetIs404() {
    ResourceNotFoundException env =
        catchThrowableOfType(
            ResourceNotFoundException.class,
            () -> sdk.listKxChangesets(b -> b.environmentId("nope").databaseName(DB)));
    assertThat(env.getMessage()).contains("Environment nope not found");

    ResourceNotFoundException db =
        catchThrowableOfType(
            ResourceNotFoundException.class,
            () ->
                sdk.createKxChangeset(
                    b ->
                        b.environmentId(ENV)
                            .databaseName("other")
                            .changeRequests(TestClients.onePut())));
    assertThat(db.getMessage()).contains("Database other not found in environment env1");

    ResourceNotFoundException cs =
        catchThrowableOfType(
            ResourceNotFoundException.class,
            () ->
                sdk.getKxChangeset(
                    b ->
                        b.environmentId(ENV)
                            .databaseName(DB)
                            .changesetId("Msm0c8y8XB1k8zYZFNhRug")));
    assertThat(cs.getMessage()).contains("Changeset Msm0c8y8XB1k8zYZFNhRug not found");
    assertThat(emu.counter(Operation.GET_KX_CHANGESET, "ResourceNotFoundException")).isEqualTo(1);
  }

  @Test
  void aChangesetOfAnotherDatabaseIsNotFound() {
    emu.registerDatabase(ENV, "quotes");
    String id = create().changesetId();

    assertThat(
            catchThrowableOfType(
                ResourceNotFoundException.class,
                () ->
                    sdk.getKxChangeset(
                        b -> b.environmentId(ENV).databaseName("quotes").changesetId(id))))
        .isNotNull();
  }

  @Test
  void unknownRoutesAreNotFound() {
    HttpResponse<String> r = RawHttp.get(emu.endpoint(), "/kx/environments/env1");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("UnknownOperationException");
  }

  private software.amazon.awssdk.services.finspace.model.CreateKxChangesetResponse create() {
    return sdk.createKxChangeset(
        b -> b.environmentId(ENV).databaseName(DB).changeRequests(TestClients.onePut()));
  }
}
