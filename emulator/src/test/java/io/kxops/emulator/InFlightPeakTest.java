/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.finspace.model.ConflictException;

/**
 * The most changesets of a database ever in flight at once (created, not yet final, by the emulator
 * clock): what the resilience harness checks against the operator's per-database limit.
 */
class InFlightPeakTest extends EmulatorFixture {
  static final String OTHER = "quotes";
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @BeforeAll
  static void start() {
    startWith(FinSpaceEmulator.builder().database(ENV, DB).database(ENV, OTHER));
  }

  @BeforeEach
  void lifecycle() {
    // 2 s PENDING + 10 s in progress: a changeset is in flight for 12 s of emulator time.
    emu.clock().freezeAt(T0);
  }

  @Test
  void queuedChangesetsAreInFlightWhileTheyWait() {
    emu.lifecycle().concurrency(ENV, DB, ConcurrencyPolicy.QUEUE);
    String a = create(DB, "a");
    emu.clock().advance(Duration.ofSeconds(1));
    String b = create(DB, "b"); // PENDING until a is final: both in flight

    assertThat(emu.changeset(b).orElseThrow().status()).isEqualTo("PENDING");
    InFlightPeak peak = peak(DB);
    assertThat(peak.max()).isEqualTo(2);
    assertThat(peak.at()).isEqualTo(T0.plusSeconds(1));
    assertThat(peak.changesetIds()).containsExactly(a, b);

    // Once both are final, a third one alone does not lower or raise the peak.
    emu.clock().advance(Duration.ofMinutes(1));
    create(DB, "c");
    assertThat(emu.maxInFlight(ENV, DB)).isEqualTo(2);
    assertThat(peak(DB).changesetIds()).containsExactly(a, b);
    assertThat(emu.maxInFlight(ENV, OTHER)).isZero();
  }

  @Test
  void concurrentChangesetsCountUntilTheyAreFinal() {
    String a = create(DB, "a");
    emu.clock().advance(Duration.ofSeconds(5));
    String b = create(DB, "b");
    emu.clock().advance(Duration.ofSeconds(5));
    String c = create(DB, "c"); // a (final at 12 s), b and c: 3 at 10 s
    emu.clock().advance(Duration.ofSeconds(3));
    create(DB, "d"); // a is final at 13 s: b, c, d

    InFlightPeak peak = peak(DB);
    assertThat(peak.max()).isEqualTo(3);
    assertThat(peak.at()).isEqualTo(T0.plusSeconds(10));
    assertThat(peak.changesetIds()).containsExactly(a, b, c);
    // Per database: the other one is untouched.
    create(OTHER, "x");
    assertThat(emu.maxInFlight(ENV, OTHER)).isEqualTo(1);
    assertThat(emu.maxInFlight(ENV, DB)).isEqualTo(3);
  }

  @Test
  void oneAfterAnotherIsOneInFlight() {
    for (int i = 0; i < 5; i++) {
      create(DB, "t" + i);
      emu.clock().advance(Duration.ofSeconds(12)); // final exactly at 12 s
    }
    assertThat(emu.maxInFlight(ENV, DB)).isEqualTo(1);
  }

  @Test
  void rejectKeepsItAtOneAndAReplayIsNotASecondChangeset() {
    emu.lifecycle().concurrency(ConcurrencyPolicy.REJECT);
    String a = create(DB, "a");
    assertThat(create(DB, "a")).isEqualTo(a); // the token's replay
    emu.clock().advance(Duration.ofSeconds(1));
    assertThatThrownBy(() -> create(DB, "b")).isInstanceOf(ConflictException.class);

    assertThat(peak(DB).max()).isEqualTo(1);
    assertThat(peak(DB).changesetIds()).containsExactly(a);
  }

  @Test
  void aClockMovedBackCountsChangesetsInFlightAgain() {
    String a = create(DB, "a");
    emu.clock().advance(Duration.ofSeconds(20));
    String b = create(DB, "b"); // a is final: 1
    assertThat(emu.maxInFlight(ENV, DB)).isEqualTo(1);

    // Back to 1 s: a (0-12 s) is not final again, nor is b (20-32 s).
    emu.clock().freezeAt(T0.plusSeconds(1));
    String c = create(DB, "c");
    assertThat(peak(DB).max()).isEqualTo(3);
    assertThat(peak(DB).changesetIds()).containsExactly(a, b, c);
  }

  @Test
  void theAdminApiShowsThePeakAndResetClearsIt() {
    emu.lifecycle().concurrency(ConcurrencyPolicy.QUEUE);
    String a = create(DB, "a");
    String b = create(DB, "b");

    JsonNode counters = RawHttp.json(RawHttp.get(emu.endpoint(), "/_emulator/counters"));
    assertThat(counters.at("/maxInFlight/env1~1trades").asInt()).isEqualTo(2);
    assertThat(counters.at("/maxInFlight/env1~1quotes").asInt()).isZero();

    JsonNode inFlight = RawHttp.json(RawHttp.get(emu.endpoint(), "/_emulator/in-flight"));
    JsonNode quotes = inFlight.at("/databases/0");
    JsonNode trades = inFlight.at("/databases/1");
    assertThat(quotes.get("databaseName").asText()).isEqualTo(OTHER);
    assertThat(quotes.get("maxInFlight").asInt()).isZero();
    assertThat(quotes.has("at")).isFalse();
    assertThat(trades.get("environmentId").asText()).isEqualTo(ENV);
    assertThat(trades.get("maxInFlight").asInt()).isEqualTo(2);
    assertThat(trades.get("at").asText()).isEqualTo(T0.toString());
    assertThat(trades.get("changesetIds")).extracting(JsonNode::asText).containsExactly(a, b);
    assertThat(RawHttp.post(emu.endpoint(), "/_emulator/in-flight", "{}").statusCode())
        .isEqualTo(405);

    emu.reset();
    assertThat(emu.maxInFlight()).extracting(InFlightPeak::max).containsOnly(0);
  }

  /** A CreateKxChangeset over HTTP through the real SDK; returns the changeset id. */
  private static String create(String database, String token) {
    return sdk.createKxChangeset(
            b ->
                b.environmentId(ENV)
                    .databaseName(database)
                    .changeRequests(TestClients.onePut())
                    .clientToken(token))
        .changesetId();
  }

  private static InFlightPeak peak(String database) {
    List<InFlightPeak> all = emu.maxInFlight();
    return all.stream().filter(p -> p.databaseName().equals(database)).findFirst().orElseThrow();
  }
}
