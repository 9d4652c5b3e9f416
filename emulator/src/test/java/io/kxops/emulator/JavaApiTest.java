/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.finspace.FinspaceClient;

/** The in-process API other packages' tests use: registration, direct creation, reset. */
class JavaApiTest {
  static final List<ChangesetView.Request> DELETE =
      List.of(new ChangesetView.Request("DELETE", null, "/2020.01.01/"));

  @Test
  void resetRestoresTheStartUpState() {
    FinSpaceEmulator.Builder builder =
        FinSpaceEmulator.builder()
            .database("env1", "trades")
            .processing(Duration.ofSeconds(30))
            .allowedAccessKeyId("AKIDEXAMPLE");
    try (FinSpaceEmulator emu = builder.start()) {
      builder.database("env1", "later"); // the running emulator keeps its own copy
      emu.registerDatabase("env2", "quotes");
      emu.createChangeset("env1", "trades", DELETE, "tok-1");
      emu.lifecycle().processing(Duration.ZERO).concurrency(ConcurrencyPolicy.REJECT);
      emu.faults().rateLimit(1);
      emu.clock().advance(Duration.ofHours(1));
      emu.allowedAccessKeyId(null);

      emu.reset();

      assertThat(emu.databases()).isEqualTo(Map.of("env1", Map.of("trades", 0)));
      assertThat(emu.changesetCount()).isZero();
      assertThat(emu.changesetsByClientToken()).isEmpty();
      assertThat(emu.lifecycle().settings().processing()).isEqualTo(Duration.ofSeconds(30));
      assertThat(emu.lifecycle().settings().concurrency()).isEqualTo(ConcurrencyPolicy.CONCURRENT);
      assertThat(emu.faults().snapshot().ratePerSecond()).isNull();
      assertThat(Math.abs(emu.clock().offsetMillis())).isLessThan(5_000);
      assertThat(emu.allowedAccessKeyId()).isEqualTo("AKIDEXAMPLE");
    }
  }

  @Test
  void forgettingADatabasesChangesetsLeavesTheOthersAndClearingCountersKeepsChangesets() {
    try (FinSpaceEmulator emu =
        FinSpaceEmulator.builder().database("env1", "trades").database("env1", "warm").start()) {
      ChangesetView kept = emu.createChangeset("env1", "trades", DELETE, "tok-1");
      ChangesetView forgotten = emu.createChangeset("env1", "warm", DELETE, "tok-2");

      emu.forgetChangesets("env1", "warm");

      assertThat(emu.changesetsByClientToken())
          .isEqualTo(Map.of("tok-1", List.of(kept.changesetId())));
      assertThat(emu.databases()).isEqualTo(Map.of("env1", Map.of("trades", 1, "warm", 0)));
      // The token is free again: a create with it makes a new changeset.
      assertThat(emu.createChangeset("env1", "warm", DELETE, "tok-2").changesetId())
          .isNotEqualTo(forgotten.changesetId());

      emu.clearCounters();
      assertThat(emu.counters()).isEmpty();
      assertThat(emu.requestLog()).isEmpty();
      assertThat(emu.changesetCount()).isEqualTo(2);
    }
  }

  @Test
  void directCreationIsValidatedAndFollowsTheTokenRules() {
    try (FinSpaceEmulator emu = FinSpaceEmulator.builder().database("env1", "trades").start()) {
      ChangesetView first = emu.createChangeset("env1", "trades", DELETE, "tok-1");
      assertThat(first.status()).isEqualTo("PENDING");
      assertThat(emu.createChangeset("env1", "trades", DELETE, "tok-1").changesetId())
          .isEqualTo(first.changesetId());

      assertThatThrownBy(
              () ->
                  emu.createChangeset(
                      "env1",
                      "trades",
                      List.of(new ChangesetView.Request("DELETE", "s3://bucket/x/", "/x/"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("changeRequests[0].s3Path: must not be set for DELETE");
      assertThatThrownBy(() -> emu.createChangeset("env1", "nope", DELETE))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("ResourceNotFoundException");
      // Not counted: counters are for what came over the wire.
      assertThat(emu.counters()).isEmpty();
    }
  }

  @Test
  void createListenerRunsAfterTheChangesetIsStoredAndBeforeTheResponse() {
    try (FinSpaceEmulator emu = FinSpaceEmulator.builder().database("env1", "trades").start();
        FinspaceClient sdk = TestClients.noRetries(emu.endpoint())) {
      List<String> seen = new CopyOnWriteArrayList<>();
      emu.onCreate(
          c -> {
            // Inside the window: stored (visible by id) while the caller still waits.
            seen.add(c.changesetId() + " " + c.clientToken());
            seen.add("stored=" + emu.changeset(c.changesetId()).isPresent());
            throw new IllegalStateException("a failing listener must not fail the request");
          });
      var r =
          sdk.createKxChangeset(
              b ->
                  b.environmentId("env1")
                      .databaseName("trades")
                      .changeRequests(TestClients.onePut())
                      .clientToken("tok-listener"));
      assertThat(seen).containsExactly(r.changesetId() + " tok-listener", "stored=true");

      emu.onCreate(null);
      sdk.createKxChangeset(
          b ->
              b.environmentId("env1")
                  .databaseName("trades")
                  .changeRequests(TestClients.onePut())
                  .clientToken("tok-after"));
      assertThat(seen).hasSize(2);
      // The Java API is not the wire: it never calls the listener.
      emu.onCreate(c -> seen.add("java"));
      emu.createChangeset("env1", "trades", DELETE, "tok-java");
      assertThat(seen).hasSize(2);
    }
  }

  @Test
  void registrationRejectsNamesTheApiWouldNeverAccept() {
    assertThatThrownBy(() -> FinSpaceEmulator.builder().database("env1", "x"))
        .hasMessageContaining("databaseName: length must be from 3 to 63");
    try (FinSpaceEmulator emu = FinSpaceEmulator.builder().start()) {
      assertThatThrownBy(() -> emu.registerEnvironment(" "))
          .hasMessageContaining("environmentId: must contain a non-whitespace character");
      assertThat(emu.endpoint().toString()).startsWith("http://127.0.0.1:");
      assertThat(emu.port()).isPositive();
    }
  }
}
