/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The standalone emulator's command line: every option documented in docs/emulator.md and
 * hack/emulator.sh is parsed, and POST /_emulator/reset goes back to what the options set.
 */
class MainTest {

  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";

  /** A value for every option; port 0 so the tests never clash with a running emulator. */
  static final Map<String, String> SAMPLE = new LinkedHashMap<>();

  static {
    SAMPLE.put("--port", "0");
    SAMPLE.put("--host", "127.0.0.1");
    SAMPLE.put("--database", ENV + "/trades");
    SAMPLE.put("--environment", "envwithoutdbs");
    SAMPLE.put("--pending", "500ms");
    SAMPLE.put("--processing", "PT3S");
    SAMPLE.put("--in-progress", "PROCESSING");
    SAMPLE.put("--concurrency", "queue");
    SAMPLE.put("--access-key-id", "AKIDMAINTEST");
    SAMPLE.put("--fail-s3", "s3://bucket/bad/*=" + ErrorTypes.CANCELLED);
    SAMPLE.put("--rate-limit", "5");
    SAMPLE.put("--seed", "42");
    SAMPLE.put("--threads", "4");
    SAMPLE.put("--role", "arn:aws:iam::111122223333:role/kxops-team-a=" + ENV + "/trades,quotes-*");
    SAMPLE.put("--credential-lifetime", "15s");
  }

  static String[] args(Map<String, String> options) {
    List<String> out = new ArrayList<>();
    options.forEach(
        (k, v) -> {
          out.add(k);
          out.add(v);
        });
    return out.toArray(String[]::new);
  }

  static Set<String> options(Pattern p, String text) {
    Set<String> found = new TreeSet<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  @Test
  void everyDocumentedOptionIsParsed() throws IOException {
    Set<String> documented =
        options(
            Pattern.compile("(?m)^\\| `(--[a-z0-9-]+)[ `]"),
            Files.readString(Path.of("..", "docs", "emulator.md")));
    assertThat(documented).containsExactlyInAnyOrderElementsOf(SAMPLE.keySet());

    String script = Files.readString(Path.of("..", "hack", "emulator.sh"));
    String usage = script.substring(0, script.indexOf("set -euo pipefail"));
    assertThat(options(Pattern.compile("\\[(--[a-z0-9-]+)"), usage))
        .isNotEmpty()
        .isSubsetOf(documented);

    // The documented example command.
    FinSpaceEmulator.Builder example =
        Main.parse("--port", "4566", "--database", ENV + "/trades").port(0);
    try (FinSpaceEmulator emu = example.start()) {
      assertThat(emu.databases()).containsOnlyKeys(ENV);
      assertThat(emu.databases().get(ENV)).containsOnlyKeys("trades");
      assertThat(emu.lifecycle().settings()).isEqualTo(Lifecycle.Settings.defaults());
      assertThat(emu.faults().snapshot().ratePerSecond()).isNull();
    }

    try (FinSpaceEmulator emu = Main.parse(args(SAMPLE)).start()) {
      assertStartUpState(emu);
    }
  }

  @Test
  void resetKeepsEveryStartUpOption() {
    try (FinSpaceEmulator emu = Main.parse(args(SAMPLE)).start()) {
      assertStartUpState(emu);

      // Change everything at run time, over the admin API as a user would.
      assertThat(RawHttp.delete(emu.endpoint(), "/_emulator/faults").statusCode()).isEqualTo(200);
      assertThat(
              RawHttp.put(
                      emu.endpoint(),
                      "/_emulator/lifecycle",
                      "{\"pending\":\"0s\",\"processing\":\"0s\",\"inProgressStatus\":\"IN_PROGRESS\","
                          + "\"concurrency\":\"REJECT\",\"failureRules\":[]}")
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              RawHttp.put(emu.endpoint(), "/_emulator/auth", "{\"allowedAccessKeyId\":null}")
                  .statusCode())
          .isEqualTo(200);
      emu.registerDatabase(ENV, "later");
      assertThat(
              RawHttp.post(
                      emu.endpoint(),
                      "/_emulator/roles",
                      "{\"arn\":\"arn:aws:iam::111122223333:role/other\",\"environmentId\":\""
                          + ENV
                          + "\",\"databases\":[\"later\"],\"requiredSessionTags\":{\"k\":\"v\"}}")
                  .body())
          .contains("arn:aws:iam::111122223333:role/other", "\"k\" : \"v\"");
      emu.credentialLifetime(Duration.ofMinutes(1));
      emu.faults().seed(7).failureRate("ThrottlingException", 0.5);
      assertThat(emu.faults().snapshot().ratePerSecond()).isNull();
      assertThat(emu.allowedAccessKeyId()).isNull();

      assertThat(RawHttp.post(emu.endpoint(), "/_emulator/reset", "").statusCode()).isEqualTo(200);

      assertStartUpState(emu);
    }
  }

  @Test
  void theRateLimitStillThrottlesAfterReset() {
    try (FinSpaceEmulator emu =
        Main.parse("--port", "0", "--database", ENV + "/trades", "--rate-limit", "1").start()) {
      emu.faults().noRateLimit();
      RawHttp.post(emu.endpoint(), "/_emulator/reset", "");
      emu.clock().freeze(); // no refill: the second call finds the bucket empty
      String list = "/kx/environments/" + ENV + "/databases/trades/changesets";
      assertThat(RawHttp.get(emu.endpoint(), list).statusCode()).isEqualTo(200);
      assertThat(RawHttp.get(emu.endpoint(), list).statusCode()).isEqualTo(429);
      assertThat(emu.counter(Operation.LIST_KX_CHANGESETS, "ThrottlingException")).isEqualTo(1);
    }
  }

  @Test
  void aBusyPortIsOneLineThatSaysWhatToDo() throws java.io.IOException {
    try (var busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      var e =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.io.UncheckedIOException.class,
              () -> Main.parse("--port", String.valueOf(busy.getLocalPort())).start());
      String line = Main.startFailure(e);
      assertThat(line)
          .doesNotContain("\n")
          .contains("127.0.0.1:" + busy.getLocalPort())
          .contains("already in use")
          .contains("--port 0");
    }
  }

  @Test
  void helpAndBadOptions() {
    assertThat(Main.parse("--help")).isNull();
    assertThat(Main.parse("--port", "0", "-h")).isNull();
    assertThatThrownBy(() -> Main.parse("--port"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--port needs a value");
    assertThatThrownBy(() -> Main.parse("--bogus", "1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option --bogus");
    assertThatThrownBy(() -> Main.parse("--database", "trades"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ENV/DB");
    // Rejected while parsing (usage, exit 2), not after the server has started.
    assertThatThrownBy(() -> Main.parse("--rate-limit", "0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rate limit");
    assertThatThrownBy(() -> Main.parse("--seed", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Main.parse("--role", "arn:aws:iam::111122223333:role/r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ARN=ENV/DB");
    assertThatThrownBy(() -> Main.parse("--role", "not-an-arn=env/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not an IAM role ARN");
  }

  /** What {@link #SAMPLE} configures. */
  static void assertStartUpState(FinSpaceEmulator emu) {
    assertThat(emu.databases()).containsOnlyKeys(ENV, "envwithoutdbs");
    assertThat(emu.databases().get(ENV)).containsOnlyKeys("trades");
    assertThat(emu.databases().get("envwithoutdbs")).isEmpty();
    Lifecycle.Settings s = emu.lifecycle().settings();
    assertThat(s.pending()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.processing()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.inProgressStatus()).isEqualTo("PROCESSING");
    assertThat(s.concurrency()).isEqualTo(ConcurrencyPolicy.QUEUE);
    assertThat(s.failureRules())
        .containsExactly(
            FailureRule.s3Path("s3://bucket/bad/*").withErrorType(ErrorTypes.CANCELLED));
    assertThat(emu.allowedAccessKeyId()).isEqualTo("AKIDMAINTEST");
    Faults.Snapshot f = emu.faults().snapshot();
    assertThat(f.ratePerSecond()).isEqualTo(5.0);
    assertThat(f.rateBurst()).isEqualTo(5);
    assertThat(f.seed()).isEqualTo(42);
    assertThat(f.failureRates()).isEmpty();
    assertThat(f.scripted()).isEmpty();
    assertThat(emu.roles())
        .containsOnlyKeys("arn:aws:iam::111122223333:role/kxops-team-a")
        .extractingByKey("arn:aws:iam::111122223333:role/kxops-team-a")
        .isEqualTo(
            Role.of("arn:aws:iam::111122223333:role/kxops-team-a", ENV, "trades", "quotes-*"));
    assertThat(emu.credentialLifetime()).isEqualTo(Duration.ofSeconds(15));
  }
}
