/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The small pieces on their own: clock, durations, globs, timestamps, token bucket, SigV4. */
class EmulatorPartsTest {

  @Test
  void theClockAdvancesFreezesAndResets() {
    EmulatorClock clock = new EmulatorClock();
    long before = System.currentTimeMillis();
    clock.advance(Duration.ofMinutes(10));
    assertThat(clock.nowMillis() - before).isBetween(600_000L, 605_000L);

    Instant at = Instant.parse("2026-11-28T10:00:00Z");
    clock.freezeAt(at);
    assertThat(clock.now()).isEqualTo(at);
    clock.advance(Duration.ofMillis(1));
    assertThat(clock.now()).isEqualTo(at.plusMillis(1));
    assertThat(clock.frozen()).isTrue();

    clock.unfreeze();
    assertThat(clock.now()).isBetween(at, at.plusSeconds(5));
    clock.reset();
    assertThat(Math.abs(clock.offsetMillis())).isLessThan(5_000);
  }

  @ParameterizedTest
  @CsvSource({"500ms,500", "2s,2000", "1.5m,90000", "1h,3600000", "PT2.5S,2500", "PT10M,600000"})
  void durationsParseAsPeopleTypeThem(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void aBadDurationSaysWhatItExpects() {
    assertThatThrownBy(() -> Durations.parse("soon"))
        .hasMessageContaining("not a duration: 'soon'");
  }

  @ParameterizedTest
  @CsvSource({
    "s3://bucket/bad/*, s3://bucket/bad/2020.01.02/, true",
    "s3://bucket/bad/*, s3://bucket/bad/, true",
    "s3://bucket/bad/*, s3://bucket/good/x, false",
    "s3://bucket/*/sym, s3://bucket/db/sym, true",
    "s3://bucket/?/sym, s3://bucket/ab/sym, false",
    "s3://b.x/(a)+, s3://b.x/(a)+, true",
    "s3://b.x/(a)+, s3://b.x/aa, false"
  })
  void failureRuleGlobsMatchWholePaths(String glob, String path, boolean matches) {
    assertThat(FailureRule.s3Path(glob).matches("e", "db1", path)).isEqualTo(matches);
  }

  @ParameterizedTest
  @CsvSource({
    "1689193516836, 1689193516.836",
    "1689193516800, 1689193516.800",
    "1689193516005, 1689193516.005",
    "1000, 1.000",
    "0, 0.000"
  })
  void timestampsAreEpochSecondsWithThreeDecimals(long millis, String text) {
    assertThat(WireJson.epochSeconds(millis)).isEqualTo(text);
  }

  @Test
  void theTokenBucketRefillsOnTheGivenClock() {
    TokenBucket bucket = new TokenBucket(10, 2, 0);
    assertThat(bucket.tryAcquire(0)).isTrue();
    assertThat(bucket.tryAcquire(0)).isTrue();
    assertThat(bucket.tryAcquire(0)).isFalse();
    assertThat(bucket.tryAcquire(99)).isFalse(); // 0.99 token
    assertThat(bucket.tryAcquire(100)).isTrue();
    assertThat(bucket.tryAcquire(10_000)).isTrue(); // refills to the burst only
    assertThat(bucket.tryAcquire(10_000)).isTrue();
    assertThat(bucket.tryAcquire(10_000)).isFalse();
  }

  @Test
  void sigV4CredentialScopeIsRead() {
    SigV4.Credential c =
        SigV4.parse(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/finspace/aws4_request, "
                + "SignedHeaders=amz-sdk-invocation-id;host;x-amz-date, Signature="
                + "a".repeat(64));
    assertThat(c)
        .isEqualTo(
            new SigV4.Credential(
                "AKIDEXAMPLE",
                "20261128",
                "us-east-1",
                "finspace",
                "amz-sdk-invocation-id;host;x-amz-date",
                "a".repeat(64)));
    assertThat(SigV4.parse("Bearer xyz")).isNull();
    assertThat(SigV4.parse(null)).isNull();
  }

  @Test
  void sigV4CanonicalPathAndQueryAreEncodedAsTheSdkSignsThem() {
    // Path segments arrive encoded once and are signed encoded twice (every service but S3).
    assertThat(SigV4.canonicalPath("/kx/environments/env%201/databases/db"))
        .isEqualTo("/kx/environments/env%25201/databases/db");
    assertThat(SigV4.canonicalPath("")).isEqualTo("/");
    assertThat(SigV4.canonicalQuery("nextToken=a%2Bb%3D&maxResults=5"))
        .isEqualTo("maxResults=5&nextToken=a%2Bb%3D");
    assertThat(SigV4.uriEncode("a b~*")).isEqualTo("a%20b~%2A");
  }

  @Test
  void percentDecodingKeepsPlusSigns() {
    assertThat(HttpIo.percentDecode("env%201%2Fx")).isEqualTo("env 1/x");
    assertThat(HttpIo.percentDecode("tok%2F%2B%3D1+")).isEqualTo("tok/+=1+");
    assertThat(HttpIo.percentDecode("caf%C3%A9")).isEqualTo("café");
    assertThatThrownBy(() -> HttpIo.percentDecode("bad%2"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
