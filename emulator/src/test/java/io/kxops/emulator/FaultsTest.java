/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.finspace.FinspaceClient;
import software.amazon.awssdk.services.finspace.model.FinspaceException;
import software.amazon.awssdk.services.finspace.model.InternalServerException;
import software.amazon.awssdk.services.finspace.model.ListKxChangesetsResponse;
import software.amazon.awssdk.services.finspace.model.ThrottlingException;

/** Each fault kind, seen through the real SDK client. */
class FaultsTest {
  static final String ENV = "env1";
  static final String DB = "trades";

  static FinSpaceEmulator emu;
  static FinspaceClient once;

  @BeforeAll
  static void start() {
    emu = FinSpaceEmulator.builder().database(ENV, DB).start();
    once = TestClients.noRetries(emu.endpoint());
  }

  @AfterAll
  static void stop() {
    once.close();
    emu.close();
  }

  @BeforeEach
  void reset() {
    emu.reset();
    emu.clock().freeze();
  }

  @Test
  void theRateLimitThrottlesBeyondItsRateOnTheEmulatorClock() {
    emu.faults().rateLimit(2, 2);

    list(once);
    list(once);
    ThrottlingException e = catchThrowableOfType(ThrottlingException.class, () -> list(once));
    assertThat(e.statusCode()).isEqualTo(429);
    assertThat(e.isThrottlingException()).isTrue();

    emu.clock().advance(Duration.ofMillis(500)); // refills one token
    list(once);
    assertThat(catchThrowableOfType(ThrottlingException.class, () -> list(once))).isNotNull();
    assertThat(emu.counters())
        .containsEntry("ListKxChangesets/200", 3L)
        .containsEntry("ListKxChangesets/ThrottlingException", 2L);
  }

  @Test
  void throttlingOutlastsTheSdkRetries() {
    emu.faults().rateLimit(1, 1);
    list(once); // the only token

    try (FinspaceClient retrying = TestClients.immediateRetries(emu.endpoint(), 3)) {
      ThrottlingException e = catchThrowableOfType(ThrottlingException.class, () -> list(retrying));
      assertThat(e.numAttempts()).isEqualTo(3);
    }
    assertThat(emu.counter(Operation.LIST_KX_CHANGESETS, "ThrottlingException")).isEqualTo(3);
  }

  @Test
  void scriptedFailuresHitTheNextCallsOfTheirOperationOnly() {
    emu.faults().failNext(Operation.CREATE_KX_CHANGESET, 2, "InternalServerException");

    list(once); // another operation: unaffected
    assertThat(catchThrowableOfType(InternalServerException.class, this::create).statusCode())
        .isEqualTo(500);
    assertThat(catchThrowableOfType(InternalServerException.class, this::create)).isNotNull();
    create();

    assertThat(emu.counters())
        .containsEntry("CreateKxChangeset/InternalServerException", 2L)
        .containsEntry("CreateKxChangeset/200", 1L)
        .containsEntry("ListKxChangesets/200", 1L);
    assertThat(emu.changesetCount()).isEqualTo(1);
  }

  @Test
  void theSdkRetriesThroughScriptedServerErrors() {
    emu.faults().failNext(Operation.LIST_KX_CHANGESETS, 2, "InternalServerException");

    try (FinspaceClient retrying = TestClients.immediateRetries(emu.endpoint(), 3)) {
      ListKxChangesetsResponse r = list(retrying);
      assertThat(r.sdkHttpResponse().statusCode()).isEqualTo(200);
    }
    assertThat(emu.counter(Operation.LIST_KX_CHANGESETS, "InternalServerException")).isEqualTo(2);
  }

  @Test
  void seededRandomFailuresRepeatExactly() {
    List<String> first = randomRun(7);
    List<String> again = randomRun(7);
    List<String> otherSeed = randomRun(8);

    assertThat(again).isEqualTo(first);
    assertThat(otherSeed).isNotEqualTo(first);
    long failures = first.stream().filter(o -> !o.equals("200")).count();
    // 30% of 60 calls is 18; a fair draw stays well inside these bounds.
    assertThat(failures).isBetween(6L, 30L);
    assertThat(first).contains("InternalServerException", "ThrottlingException", "200");
  }

  private List<String> randomRun(long seed) {
    emu.faults()
        .clear()
        .seed(seed)
        .failureRate("InternalServerException", 0.2)
        .failureRate("ThrottlingException", 0.1);
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      try {
        list(once);
        outcomes.add("200");
      } catch (FinspaceException e) {
        outcomes.add(e.awsErrorDetails().errorCode());
      }
    }
    return outcomes;
  }

  @Test
  void latencyDelaysTheResponse() {
    emu.faults().latency(Duration.ofMillis(300));
    long t0 = System.nanoTime();
    list(once);
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));

    emu.faults().latency(Duration.ofMillis(100), Duration.ofMillis(150), 1.0);
    long t1 = System.nanoTime();
    list(once);
    assertThat(Duration.ofNanos(System.nanoTime() - t1))
        .isGreaterThanOrEqualTo(Duration.ofMillis(100));
    // Only lower bounds on time: a loaded build machine may add to it, never take away.
    assertThat(emu.requestLog())
        .extracting(RequestLog.Entry::durationMillis)
        .allSatisfy(ms -> assertThat(ms).isGreaterThanOrEqualTo(100L));

    emu.faults().latency(null, null, 0);
    assertThat(emu.faults().snapshot().latency()).isNull();
  }

  @Test
  void aDroppedConnectionIsAnIoErrorInTheSdk() {
    emu.faults().dropNext(Operation.LIST_KX_CHANGESETS, 1);

    SdkClientException e = catchThrowableOfType(SdkClientException.class, () -> list(once));

    assertThat(e).isNotInstanceOf(FinspaceException.class);
    assertThat(e).hasRootCauseInstanceOf(IOException.class);
    assertThat(e.getMessage()).contains("The target server failed to respond");
    assertThat(emu.counter(Operation.LIST_KX_CHANGESETS, "dropped")).isEqualTo(1);
    list(once); // the next call is served again
  }

  @Test
  void aDroppedConnectionSendsNoHttpResponseAtAll() throws IOException {
    emu.faults().dropNext(null, 1);
    try (Socket socket = new Socket(emu.endpoint().getHost(), emu.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /kx/environments/env1/databases/trades/changesets HTTP/1.1\r\n"
                  + "Host: localhost\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      assertThat(in.read()).isEqualTo(-1); // closed without a single byte
    }
  }

  @Test
  void theSdkRetriesThroughDroppedConnections() {
    emu.faults().dropNext(Operation.LIST_KX_CHANGESETS, 2);
    try (FinspaceClient retrying = TestClients.immediateRetries(emu.endpoint(), 3)) {
      list(retrying);
    }
    assertThat(emu.counters())
        .containsEntry("ListKxChangesets/dropped", 2L)
        .containsEntry("ListKxChangesets/200", 1L);
  }

  @Test
  void randomDropsFollowTheirProbability() {
    emu.faults().dropRate(1.0);
    assertThat(catchThrowableOfType(SdkClientException.class, () -> list(once))).isNotNull();

    emu.faults().dropRate(0).responseDropRate(1.0);
    assertThat(catchThrowableOfType(SdkClientException.class, this::create)).isNotNull();
    // The response was lost, the changeset was created.
    assertThat(emu.changesetCount()).isEqualTo(1);
    assertThat(emu.counter(Operation.CREATE_KX_CHANGESET, "responseDropped")).isEqualTo(1);
  }

  @Test
  void aResponseDropScopedToADatabaseSparesTheOthers() {
    emu.registerDatabase(ENV, "quotes");
    emu.faults().dropResponseNext(Operation.CREATE_KX_CHANGESET, ENV, "quotes", 1);
    create(); // trades: not counted against the fault
    assertThat(emu.counter(Operation.CREATE_KX_CHANGESET, "200")).isEqualTo(1);
    assertThat(emu.faults().snapshot().scripted())
        .singleElement()
        .extracting(Faults.Scripted::database)
        .isEqualTo(ENV + "/quotes");

    assertThat(
            catchThrowableOfType(
                SdkClientException.class,
                () ->
                    once.createKxChangeset(
                        b ->
                            b.environmentId(ENV)
                                .databaseName("quotes")
                                .changeRequests(TestClients.onePut()))))
        .isNotNull();
    assertThat(emu.changesets(ENV, "quotes")).hasSize(1); // it took effect, the answer was lost
    assertThat(emu.counter(Operation.CREATE_KX_CHANGESET, "responseDropped")).isEqualTo(1);
    assertThat(emu.faults().snapshot().scripted()).isEmpty();
  }

  @Test
  void faultsCanBeReadBackAndCleared() {
    emu.faults()
        .rateLimit(5)
        .seed(3)
        .failureRate("ThrottlingException", 0.5)
        .dropRate(0.1)
        .dropNext(Operation.GET_KX_CHANGESET, 2)
        .latency(Duration.ofMillis(10), Duration.ofMillis(20), 0.5);

    Faults.Snapshot s = emu.faults().snapshot();
    assertThat(s.ratePerSecond()).isEqualTo(5.0);
    assertThat(s.rateBurst()).isEqualTo(5);
    assertThat(s.seed()).isEqualTo(3);
    assertThat(s.failureRates()).isEqualTo(Map.of("ThrottlingException", 0.5));
    assertThat(s.scripted()).singleElement().extracting(Faults.Scripted::remaining).isEqualTo(2);

    emu.faults().clear();
    Faults.Snapshot cleared = emu.faults().snapshot();
    assertThat(cleared.ratePerSecond()).isNull();
    assertThat(cleared.scripted()).isEmpty();
    assertThat(cleared.latency()).isNull();
  }

  @Test
  void aRefusedS3PathFailsEveryCreateReadingItAndNoOther() {
    emu.faults()
        .refuseCreates("s3://bucket/refused/*", "ResourceNotFoundException", 404, "not yours");
    for (int i = 0; i < 3; i++) {
      FinspaceException e =
          catchThrowableOfType(
              FinspaceException.class,
              () ->
                  once.createKxChangeset(
                      b ->
                          b.environmentId(ENV)
                              .databaseName(DB)
                              .changeRequests(
                                  r ->
                                      r.changeType("PUT")
                                          .s3Path("s3://bucket/refused/x/")
                                          .dbPath("/x/"))));
      assertThat(e.statusCode()).isEqualTo(404);
      assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("not yours");
    }
    create(); // another s3Path on the same database goes through
    assertThat(emu.changesets(ENV, DB)).hasSize(1);
    assertThat(emu.counters()).containsEntry("CreateKxChangeset/ResourceNotFoundException", 3L);

    emu.faults().clear();
    once.createKxChangeset(
        b ->
            b.environmentId(ENV)
                .databaseName(DB)
                .changeRequests(
                    r -> r.changeType("PUT").s3Path("s3://bucket/refused/x/").dbPath("/x/")));
    assertThat(emu.changesets(ENV, DB)).hasSize(2);
  }

  private ListKxChangesetsResponse list(FinspaceClient client) {
    return client.listKxChangesets(b -> b.environmentId(ENV).databaseName(DB));
  }

  private void create() {
    once.createKxChangeset(
        b -> b.environmentId(ENV).databaseName(DB).changeRequests(TestClients.onePut()));
  }
}
