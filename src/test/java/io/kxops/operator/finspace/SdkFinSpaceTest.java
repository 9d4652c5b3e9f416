/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The operator's FinSpace boundary over the wire: the real AWS SDK client (through {@link
 * SdkFinSpace}) against the emulator on loopback, for every operation and error class.
 */
class SdkFinSpaceTest {

  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final DatabaseRef DB = new DatabaseRef("us-east-1", ENV, "trades");

  /** A send deadline no test reaches. */
  static final Instant LATER = Instant.now().plus(Duration.ofDays(1));

  static final List<ChangeRequest> REQUESTS =
      List.of(
          ChangeRequest.delete("/2020.01.03/"),
          ChangeRequest.put("s3://kdb-staging/restated/2020.01.03/", "/2020.01.03/"),
          ChangeRequest.put("s3://kdb-staging/restated/sym", "/"));

  static FinSpaceEmulator emulator;
  SimpleMeterRegistry meters = new SimpleMeterRegistry();
  SdkFinSpace finspace;

  @BeforeAll
  static void start() {
    System.setProperty("aws.accessKeyId", "AKIDKXOPSTEST");
    System.setProperty("aws.secretAccessKey", "kxops-test-secret");
    emulator =
        FinSpaceEmulator.builder()
            .port(0)
            .database(ENV, "trades")
            .pending(Duration.ofSeconds(1))
            .processing(Duration.ofSeconds(1))
            .start();
  }

  @AfterAll
  static void stop() {
    emulator.close();
  }

  SdkFinSpace client(int attempts, double rate) {
    return new SdkFinSpace(
        new SdkFinSpace.Settings(
            Optional.of(emulator.endpoint()), attempts, rate, 8, Duration.ofSeconds(10)),
        meters);
  }

  @AfterEach
  void reset() {
    if (finspace != null) {
      finspace.close();
    }
    emulator.reset();
    emulator.allowedAccessKeyId(null);
  }

  @Test
  void createGetAndListRoundTripTheModel() {
    finspace = client(1, 100);
    Changeset created = finspace.create(DB, REQUESTS, "3f1c2a9e-uid", LATER);

    assertThat(created.id()).matches("[a-zA-Z0-9]{22}");
    assertThat(created.status()).isEqualTo("PENDING");
    assertThat(created.changeRequests()).isEqualTo(REQUESTS);
    assertThat(created.createdTimestamp()).isNotNull();
    assertThat(created.activeFromTimestamp()).isNull();
    assertThat(emulator.changesetsByClientToken()).containsKey("3f1c2a9e-uid");

    emulator.clock().advance(Duration.ofSeconds(3));
    Changeset done = finspace.get(DB, created.id());
    assertThat(done.status()).isEqualTo("COMPLETED");
    assertThat(done.activeFromTimestamp()).isAfter(done.createdTimestamp());
    assertThat(done.changeRequests()).isEqualTo(REQUESTS);

    assertThat(finspace.list(DB))
        .extracting(ChangesetSummary::id, ChangesetSummary::status)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(created.id(), "COMPLETED"));
  }

  @Test
  void theSameTokenReturnsTheSameChangeset() {
    finspace = client(1, 100);
    Changeset a = finspace.create(DB, REQUESTS, "token-1", LATER);
    Changeset b = finspace.create(DB, REQUESTS, "token-1", LATER);
    assertThat(b.id()).isEqualTo(a.id());
    assertThat(emulator.changesets(ENV, "trades")).hasSize(1);
  }

  @Test
  void theInProgressStringOutsideTheModelArrivesVerbatim() {
    emulator.lifecycle().inProgressStatus("IN_PROGRESS");
    finspace = client(1, 100);
    Changeset c = finspace.create(DB, REQUESTS, "token-ip", LATER);
    emulator.clock().advance(Duration.ofMillis(1500));
    assertThat(finspace.get(DB, c.id()).status()).isEqualTo("IN_PROGRESS");
  }

  @Test
  void listReadsEveryPage() {
    finspace = client(1, 1000);
    for (int i = 0; i < 230; i++) {
      emulator.createChangeset(
          ENV,
          "trades",
          List.of(new io.kxops.emulator.ChangesetView.Request("DELETE", null, "/p" + i + "/")));
    }
    assertThat(finspace.list(DB)).hasSize(230);
    assertThat(emulator.counter(io.kxops.emulator.Operation.LIST_KX_CHANGESETS, "200"))
        .isEqualTo(3);
  }

  @ParameterizedTest
  @CsvSource({
    "CREATE, ValidationException,     TERMINAL,  InvalidRequest",
    "CREATE, ConflictException,       TRANSIENT, Conflict",
    "CREATE, LimitExceededException,  TRANSIENT, LimitExceeded",
    "CREATE, ThrottlingException,     TRANSIENT, Throttled",
    "GET,    InternalServerException, TRANSIENT, ServiceUnavailable",
    "GET,    AccessDeniedException,   BOUNDED,   AccessDenied",
    "LIST,   ThrottlingException,     TRANSIENT, Throttled",
  })
  void everyErrorArrivesClassified(Operation op, String error, String cls, String reason) {
    finspace = client(1, 100);
    Changeset c = finspace.create(DB, REQUESTS, "token-err", LATER);
    emulator.faults().failNext(emulatorOp(op), 1, error);
    assertThatThrownBy(() -> call(op, c.id()))
        .isInstanceOfSatisfying(
            FinSpaceException.class,
            e -> {
              assertThat(e.operation()).isEqualTo(op);
              assertThat(e.errorCode()).isEqualTo(error);
              assertThat(ErrorClassifierTest.kind(e.failure())).isEqualTo(cls);
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.getMessage()).startsWith(op.apiName() + ": ");
            });
    assertThat(
            meters
                .get(SdkFinSpace.CALLS_METER)
                .tag("operation", op.apiName())
                .tag("outcome", error)
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void aFailureOutsideTheSdkIsTimedAsAnErrorNotASuccess() {
    finspace = client(1, 100);
    // No change type: building the SDK request fails before anything is sent.
    List<ChangeRequest> broken = List.of(new ChangeRequest(null, null, "/2020.01.03/"));
    assertThatThrownBy(() -> finspace.create(DB, broken, "token-bug", LATER))
        .isInstanceOf(NullPointerException.class);
    assertThat(
            meters
                .get(SdkFinSpace.CALLS_METER)
                .tag("operation", Operation.CREATE.apiName())
                .tag("outcome", "error")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(meters.find(SdkFinSpace.CALLS_METER).tag("outcome", "success").timers()).isEmpty();
  }

  @Test
  void aMissingDatabaseAndAMissingChangesetAreToldApart() {
    finspace = client(1, 100);
    DatabaseRef missing = new DatabaseRef("us-east-1", ENV, "nosuchdb");
    assertThatThrownBy(() -> finspace.create(missing, REQUESTS, "t", LATER))
        .isInstanceOfSatisfying(
            FinSpaceException.class, e -> assertThat(e.reason()).isEqualTo("DatabaseNotFound"));
    assertThatThrownBy(() -> finspace.get(DB, "NoSuchChangeset0000000"))
        .isInstanceOfSatisfying(
            FinSpaceException.class, e -> assertThat(e.reason()).isEqualTo("ChangesetNotFound"));
  }

  @Test
  void aWrongAccessKeyIsAccessDenied() {
    emulator.allowedAccessKeyId("AKIDSOMEONEELSE");
    finspace = client(1, 100);
    assertThatThrownBy(() -> finspace.list(DB))
        .isInstanceOfSatisfying(
            FinSpaceException.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.ACCESS_DENIED);
              assertThat(e.httpStatus()).isEqualTo(403);
            });
  }

  @Test
  void aDroppedConnectionIsANetworkError() {
    finspace = client(1, 100);
    emulator.faults().dropNext(io.kxops.emulator.Operation.LIST_KX_CHANGESETS, 1);
    assertThatThrownBy(() -> finspace.list(DB))
        .isInstanceOfSatisfying(
            FinSpaceException.class,
            e -> {
              assertThat(e.errorCode()).isEqualTo(ErrorClassifier.NETWORK_ERROR);
              assertThat(e.reason()).isEqualTo("ServiceUnavailable");
            });
  }

  @Test
  void theSdksRetriesRecoverTransientErrorsWithTheSameToken() {
    finspace = client(3, 100);
    emulator
        .faults()
        .failNext(io.kxops.emulator.Operation.CREATE_KX_CHANGESET, 2, "InternalServerException");
    Changeset c = finspace.create(DB, REQUESTS, "token-retry", LATER);
    assertThat(emulator.changesetsByClientToken().get("token-retry")).containsExactly(c.id());
  }

  @Test
  void everyHttpAttemptPassesTheRateLimitIncludingSdkRetries() {
    finspace = client(3, 10);
    emulator
        .faults()
        .failNext(io.kxops.emulator.Operation.LIST_KX_CHANGESETS, 8, "InternalServerException");
    long start = System.nanoTime();
    for (int i = 0; i < 4; i++) {
      try {
        finspace.list(DB);
      } catch (FinSpaceException expected) {
        // 8 failures spread over the first calls' attempts
      }
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    long requests =
        emulator.counters().entrySet().stream()
            .filter(e -> e.getKey().startsWith("ListKxChangesets/"))
            .mapToLong(java.util.Map.Entry::getValue)
            .sum();
    assertThat(requests).as("SDK retries reached the server").isGreaterThan(4);
    // A rate limiter can only make calls slower, so this lower bound cannot flake.
    assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis((requests - 1) * 100 - 20));
  }

  @Test
  void aCreatePastItsSendDeadlineSendsNothing() {
    finspace = client(3, 100);
    Instant passed = Instant.now().minusSeconds(1);
    assertThatThrownBy(() -> finspace.create(DB, REQUESTS, "token-late", passed))
        .isInstanceOfSatisfying(
            FinSpaceException.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.SEND_WINDOW_CLOSED);
              assertThat(e.failure().reaction().retry()).isTrue();
              assertThat(e.failure().reaction().nothingCreated())
                  .as("an earlier attempt may have taken effect")
                  .isFalse();
              assertThat(e.provesNothingSent()).as("no attempt of this call left").isTrue();
            });
    assertThat(createRequestsReceived()).isZero();
    assertThat(emulator.changesetsByClientToken()).doesNotContainKey("token-late");
  }

  /**
   * AccessDenied on a create's only transmitted attempt proves that attempt made nothing (the
   * operator then withdraws a first intent); on an SDK retry it proves nothing of the attempt
   * before it. Here the first attempt took effect, its answer was lost, and the retry was denied (a
   * permission revoked in between): the changeset exists, and the exception must not say otherwise.
   */
  @Test
  void anAccessDeniedOnlyProvesNothingWasCreatedWhenItAnsweredTheOnlyAttempt() {
    finspace = client(3, 100);
    var create = io.kxops.emulator.Operation.CREATE_KX_CHANGESET;
    emulator.faults().failNext(create, 1, "AccessDeniedException");
    FinSpaceException once =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            FinSpaceException.class, () -> finspace.create(DB, REQUESTS, "token-denied", LATER));
    assertThat(once.failure()).isEqualTo(Failure.ACCESS_DENIED);
    assertThat(once.provesOnlyAttemptRefused()).as("one attempt, refused").isTrue();
    assertThat(emulator.changesetsByClientToken()).doesNotContainKey("token-denied");

    emulator.faults().dropResponseNext(create, 1).failNext(create, 1, "AccessDeniedException");
    FinSpaceException retried =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            FinSpaceException.class,
            () -> finspace.create(DB, REQUESTS, "token-made-then-denied", LATER));
    assertThat(retried.failure()).isEqualTo(Failure.ACCESS_DENIED);
    assertThat(emulator.changesetsByClientToken())
        .as("the first attempt took effect")
        .containsKey("token-made-then-denied");
    assertThat(retried.provesOnlyAttemptRefused())
        .as("the denied attempt was an SDK retry")
        .isFalse();
    assertThat(retried.provesNothingSent()).isFalse();
  }

  @Test
  void anSdkRetryThatWouldLeaveAfterTheSendDeadlineIsHeldBack() {
    // One request every 4 s: the first attempt leaves at once, the SDK's retry after 4 s, past a
    // deadline 7 s away less the 4 s the HTTP client may still take to send it.
    finspace = client(3, 0.25);
    finspace.prepare(DB.region());
    emulator
        .faults()
        .failNext(io.kxops.emulator.Operation.CREATE_KX_CHANGESET, 1, "InternalServerException");
    Instant sendBy = Instant.now().plusSeconds(7);
    assertThatThrownBy(() -> finspace.create(DB, REQUESTS, "token-retry-late", sendBy))
        .isInstanceOfSatisfying(
            FinSpaceException.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.SEND_WINDOW_CLOSED);
              assertThat(e.provesNothingSent())
                  .as("the SDK's first attempt was transmitted, though the last was held back")
                  .isFalse();
            });
    assertThat(createRequestsReceived()).as("only the first attempt was sent").isEqualTo(1);
    assertThat(emulator.changesetsByClientToken()).doesNotContainKey("token-retry-late");
  }

  /**
   * The send deadline is checked in beforeTransmission, before the Apache client leases a pooled
   * connection and connects: an attempt passes only if it leaves by the deadline even after the
   * longest wait for both (2 s + 2 s). One connection, held 3 s by a slow List: a create whose
   * deadline is 1 s away is held back at once; without that lead it waited for the connection and
   * was transmitted about 2 s after its deadline (found by the second review).
   */
  @Test
  void aCreateWaitingForAPooledConnectionIsNotTransmittedAfterItsDeadline() throws Exception {
    finspace =
        new SdkFinSpace(
            new SdkFinSpace.Settings(
                Optional.of(emulator.endpoint()), 1, 100, 1, Duration.ofSeconds(20)),
            meters);
    finspace.prepare(DB.region());
    finspace.list(DB); // the one connection is open
    // Shorter than the 2 s pool wait: the create would get the connection, late.
    emulator.faults().latency(Duration.ofMillis(1500));
    Thread slowList = new Thread(() -> finspace.list(DB));
    slowList.start();
    Thread.sleep(300); // the List holds the only connection
    Instant sendBy = Instant.now().plusSeconds(1);
    try {
      finspace.create(DB, REQUESTS, "token-pool-late", sendBy);
    } catch (FinSpaceException e) {
      // held back: the behaviour the deadline promises
    }
    slowList.join();
    emulator.faults().clear();
    assertThat(emulator.changesetsByClientToken())
        .as("a create transmitted about 2 s after its send deadline")
        .doesNotContainKey("token-pool-late");
  }

  private long createRequestsReceived() {
    return emulator.counters().entrySet().stream()
        .filter(e -> e.getKey().startsWith("CreateKxChangeset/"))
        .mapToLong(java.util.Map.Entry::getValue)
        .sum();
  }

  private Object call(Operation op, String id) {
    return switch (op) {
      case CREATE -> finspace.create(DB, REQUESTS, "token-err-2", LATER);
      case GET -> finspace.get(DB, id);
      case LIST -> finspace.list(DB);
    };
  }

  private static io.kxops.emulator.Operation emulatorOp(Operation op) {
    return switch (op) {
      case CREATE -> io.kxops.emulator.Operation.CREATE_KX_CHANGESET;
      case GET -> io.kxops.emulator.Operation.GET_KX_CHANGESET;
      case LIST -> io.kxops.emulator.Operation.LIST_KX_CHANGESETS;
    };
  }

  @Test
  void credentialsThatCannotBeLoadedAreInvalidCredentialsNotANetworkBlip() {
    finspace = client(1, 100);
    assertThatThrownBy(
            () ->
                finspace.call(
                    Operation.GET,
                    () -> {
                      throw software.amazon.awssdk.core.exception.SdkClientException.create(
                          "Unable to load credentials from any of the providers in the chain");
                    }))
        .isInstanceOfSatisfying(
            FinSpaceException.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.INVALID_CREDENTIALS));
  }
}
