/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Configuration: defaults, parsing, and errors that name the variable. */
class ConfigLoaderTest {

  @Test
  void reconcileThreadsFollowARaisedFinSpaceRateLimitUnlessSet() {
    // Each create holds its thread ~50-100 ms for two status writes and a watch: at 200
    // requests/s, 10 threads left FinSpace's limit unused while the API server was busy.
    assertThat(ConfigLoader.load(Map.of("FINSPACE_RATE_LIMIT", "200")).reconcileThreads())
        .isEqualTo(20);
    assertThat(ConfigLoader.load(Map.of("FINSPACE_RATE_LIMIT", "105")).reconcileThreads())
        .isEqualTo(11);
    assertThat(ConfigLoader.load(Map.of("FINSPACE_RATE_LIMIT", "50")).reconcileThreads())
        .isEqualTo(10);
    assertThat(ConfigLoader.load(Map.of("FINSPACE_RATE_LIMIT", "10000")).reconcileThreads())
        .isEqualTo(200);
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("FINSPACE_RATE_LIMIT", "NaN")))
        .hasMessageContaining("FINSPACE_RATE_LIMIT")
        .hasMessageNotContaining("RECONCILE_THREADS");
    assertThat(
            ConfigLoader.load(Map.of("FINSPACE_RATE_LIMIT", "200", "RECONCILE_THREADS", "4"))
                .reconcileThreads())
        .isEqualTo(4);
  }

  @Test
  void defaults() {
    OperatorConfig c = ConfigLoader.load(Map.of());
    assertThat(c.region()).isEmpty();
    assertThat(c.finspaceEndpoint()).isEmpty();
    assertThat(c.watchesAllNamespaces()).isTrue();
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.maxPollInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.maxInFlightPerDatabase()).isEqualTo(1);
    assertThat(c.finspaceRateLimit()).isEqualTo(10.0);
    assertThat(c.finspaceMaxAttempts()).isEqualTo(3);
    assertThat(c.reconcileThreads()).isEqualTo(10);
    assertThat(c.adoptAfter()).isEqualTo(Duration.ofMinutes(7));
    assertThat(c.accessDeniedStallAfter()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.queueYieldAfter()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.refuseRepeatedHistory()).isTrue();
    assertThat(c.leaderElection()).isFalse();
    assertThat(c.metricsPort()).isEqualTo(8080);
    assertThat(c.healthPort()).isEqualTo(8081);
    assertThat(c.metricsLabelLimit()).isEqualTo(100);
    assertThat(c.logFormat()).isEqualTo(OperatorConfig.LogFormat.TEXT);
    assertThat(c.logLevel()).isEqualTo("INFO");
    assertThat(c.access()).isEqualTo(OperatorConfig.Access.defaults());
    assertThat(c.access().policyName()).isEqualTo("finspace-access");
    assertThat(c.access().policyRequired()).isFalse();
    assertThat(c.access().allowedRegions()).isEmpty();
    assertThat(c.access().stsEndpoint()).isEmpty();
  }

  @Test
  void theAccessSettingsAreRead() {
    OperatorConfig c =
        ConfigLoader.load(
            Map.of(
                "ACCESS_POLICY_NAME", "team-access.v2",
                "ACCESS_POLICY_REQUIRED", "true",
                "ALLOWED_REGIONS", " us-east-1, eu-west-1 ,,",
                "AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566"));
    assertThat(c.access().policyName()).isEqualTo("team-access.v2");
    assertThat(c.access().policyRequired()).isTrue();
    assertThat(c.access().allowedRegions()).containsExactlyInAnyOrder("us-east-1", "eu-west-1");
    assertThat(c.access().stsEndpoint()).contains(URI.create("http://127.0.0.1:4566"));
  }

  @Test
  void aBadAllowedRegionIsNamed() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("ALLOWED_REGIONS", "us-east-1,mars-1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ALLOWED_REGIONS: 'mars-1' is not a region name such as us-east-1");
  }

  @Test
  void everyVariableIsRead() {
    OperatorConfig c =
        ConfigLoader.load(
            Map.ofEntries(
                Map.entry("AWS_REGION", "eu-west-1"),
                Map.entry("AWS_ENDPOINT_URL_FINSPACE", "http://127.0.0.1:4566"),
                Map.entry("WATCH_NAMESPACES", "kdb, kdb-staging"),
                Map.entry("POLL_INTERVAL", "1s"),
                Map.entry("MAX_POLL_INTERVAL", "1m30s"),
                Map.entry("MAX_IN_FLIGHT_PER_DATABASE", "3"),
                Map.entry("FINSPACE_RATE_LIMIT", "2.5"),
                Map.entry("FINSPACE_MAX_ATTEMPTS", "5"),
                Map.entry("RECONCILE_THREADS", "4"),
                Map.entry("RETRY_INITIAL_INTERVAL", "500ms"),
                Map.entry("RETRY_MAX_INTERVAL", "PT2M"),
                Map.entry("ACCESS_DENIED_STALL_AFTER", "30m"),
                Map.entry("ADOPT_AFTER", "7m30s"),
                Map.entry("QUEUE_YIELD_AFTER", "90s"),
                Map.entry("REFUSE_REPEATED_HISTORY", "false"),
                Map.entry("LEADER_ELECTION", "true"),
                Map.entry("POD_NAMESPACE", "kxops-system"),
                Map.entry("LEADER_ELECTION_LEASE_NAME", "kx-lease"),
                Map.entry("POD_NAME", "op-0"),
                Map.entry("METRICS_PORT", "9090"),
                Map.entry("HEALTH_PORT", "9091"),
                Map.entry("METRICS_LABEL_LIMIT", "0"),
                Map.entry("LOG_FORMAT", "json"),
                Map.entry("LOG_LEVEL", "debug")));
    assertThat(c.region()).contains("eu-west-1");
    assertThat(c.finspaceEndpoint()).contains(URI.create("http://127.0.0.1:4566"));
    assertThat(c.watchNamespaces()).isEqualTo(Set.of("kdb", "kdb-staging"));
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.maxPollInterval()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.maxInFlightPerDatabase()).isEqualTo(3);
    assertThat(c.finspaceRateLimit()).isEqualTo(2.5);
    assertThat(c.finspaceMaxAttempts()).isEqualTo(5);
    assertThat(c.reconcileThreads()).isEqualTo(4);
    assertThat(c.retryInitialInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.retryMaxInterval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.accessDeniedStallAfter()).isEqualTo(Duration.ofMinutes(30));
    assertThat(c.adoptAfter()).isEqualTo(Duration.ofSeconds(450));
    assertThat(c.queueYieldAfter()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.refuseRepeatedHistory()).isFalse();
    assertThat(c.leaderElection()).isTrue();
    assertThat(c.leaderElectionNamespace()).isEqualTo("kxops-system");
    assertThat(c.leaderElectionLeaseName()).isEqualTo("kx-lease");
    assertThat(c.identity()).isEqualTo("op-0");
    assertThat(c.metricsPort()).isEqualTo(9090);
    assertThat(c.healthPort()).isEqualTo(9091);
    assertThat(c.metricsLabelLimit()).isZero();
    assertThat(c.logFormat()).isEqualTo(OperatorConfig.LogFormat.JSON);
    assertThat(c.logLevel()).isEqualTo("DEBUG");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "POLL_INTERVAL|soon",
        "POLL_INTERVAL|10",
        "MAX_POLL_INTERVAL|1x",
        "MAX_IN_FLIGHT_PER_DATABASE|0",
        "MAX_IN_FLIGHT_PER_DATABASE|one",
        "FINSPACE_RATE_LIMIT|0",
        "FINSPACE_RATE_LIMIT|fast",
        "FINSPACE_MAX_ATTEMPTS|0",
        "RECONCILE_THREADS|-1",
        "RETRY_INITIAL_INTERVAL|x",
        "ACCESS_DENIED_STALL_AFTER|forever",
        "ADOPT_AFTER|-1m",
        "ADOPT_AFTER|0s",
        "QUEUE_YIELD_AFTER|-1s",
        "QUEUE_YIELD_AFTER|later",
        "REFUSE_REPEATED_HISTORY|sometimes",
        "LEADER_ELECTION|maybe",
        "METRICS_PORT|70000",
        "HEALTH_PORT|http",
        "METRICS_LABEL_LIMIT|-1",
        "METRICS_LABEL_LIMIT|10001",
        "METRICS_LABEL_LIMIT|many",
        "LOG_FORMAT|xml",
        "LOG_LEVEL|loud",
        "WATCH_NAMESPACES|Not_A_Namespace",
        "AWS_ENDPOINT_URL_FINSPACE|localhost:4566",
        "AWS_ENDPOINT_URL_STS|sts.example",
        "AWS_ENDPOINT_URL_STS|http://sts.example.com",
        "ACCESS_POLICY_NAME|Finspace_Access",
        "ACCESS_POLICY_REQUIRED|sometimes",
        "ALLOWED_REGIONS|us-east-1,US-WEST-2",
        "ALLOWED_REGIONS|everywhere",
      })
  void badValuesFailNamingTheVariable(String name, String value) {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(name, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(name);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "https://AKIDEXAMPLE:s3cr3t@finspace.example.com|user info",
        "http://user@127.0.0.1:4566|user info",
        "https://user:s3cr3t with space@finspace.example.com|user info",
        "http://finspace-emulator.test:4566|FINSPACE_ALLOW_HTTP_ENDPOINT",
        "http://10.0.0.5:4566|FINSPACE_ALLOW_HTTP_ENDPOINT",
        "http://127.0.0.1.example.com:4566|FINSPACE_ALLOW_HTTP_ENDPOINT",
      })
  void unsafeEndpointsAreRejectedWithoutEchoingTheirSecrets(String url, String named) {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("AWS_ENDPOINT_URL_FINSPACE", url)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("AWS_ENDPOINT_URL_FINSPACE")
        .hasMessageContaining(named)
        .hasMessageNotContaining("s3cr3t")
        .hasMessageNotContaining("user@");
  }

  @ParameterizedTest
  @CsvSource({
    "http://127.0.0.1:4566",
    "http://127.8.9.10:4566",
    "http://localhost:4566",
    "http://[::1]:4566",
    "https://finspace.us-east-1.amazonaws.com",
    "https://vpce-0abc.finspace.internal:8443"
  })
  void loopbackHttpAndAnyHttpsAreAccepted(String url) {
    assertThat(ConfigLoader.load(Map.of("AWS_ENDPOINT_URL_FINSPACE", url)).finspaceEndpoint())
        .contains(URI.create(url));
  }

  @Test
  void httpToAnotherHostOnlyWhenExplicitlyAllowed() {
    String url = "http://finspace-emulator.test:4566";
    assertThat(
            ConfigLoader.load(
                    Map.of(
                        "AWS_ENDPOINT_URL_FINSPACE", url, "FINSPACE_ALLOW_HTTP_ENDPOINT", "true"))
                .finspaceEndpoint())
        .contains(URI.create(url));
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(
                        "AWS_ENDPOINT_URL_FINSPACE", url, "FINSPACE_ALLOW_HTTP_ENDPOINT", "false")))
        .hasMessageContaining("FINSPACE_ALLOW_HTTP_ENDPOINT");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("FINSPACE_ALLOW_HTTP_ENDPOINT", "perhaps")))
        .hasMessageContaining("FINSPACE_ALLOW_HTTP_ENDPOINT");
  }

  @Test
  void allProblemsAreReportedAtOnce() {
    assertThatThrownBy(
            () -> ConfigLoader.load(Map.of("POLL_INTERVAL", "x", "RECONCILE_THREADS", "0")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(2));
  }

  @Test
  void crossFieldRules() {
    assertThatThrownBy(
            () -> ConfigLoader.load(Map.of("POLL_INTERVAL", "2m", "MAX_POLL_INTERVAL", "1m")))
        .hasMessageContaining("MAX_POLL_INTERVAL");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("LEADER_ELECTION", "true")))
        .hasMessageContaining("LEADER_ELECTION_NAMESPACE");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("METRICS_PORT", "8081")))
        .hasMessageContaining("HEALTH_PORT");
  }

  @ParameterizedTest
  @CsvSource({"7m51s", "9m", "PT10M", "1h"})
  void adoptAfterMustEndWhileAResendCanStillBeatTheClientToken(String value) {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("ADOPT_AFTER", value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ADOPT_AFTER")
        .hasMessageContaining("at most 7m50s");
    assertThat(ConfigLoader.load(Map.of("ADOPT_AFTER", "7m50s")).adoptAfter())
        .isEqualTo(Duration.ofSeconds(470));
    assertThat(ConfigLoader.load(Map.of()).adoptAfter()).isEqualTo(Duration.ofMinutes(7));
  }

  @org.junit.jupiter.api.Test
  void theLongestAdoptAfterIsTheCreateSendWindow() {
    assertThat(ConfigLoader.MAX_ADOPT_AFTER)
        .isEqualTo(io.kxops.operator.reconcile.ChangesetLogic.SEND_WINDOW);
  }

  @ParameterizedTest
  @CsvSource({"500ms,500", "5s,5000", "2m,120000", "1h,3600000", "1m30s,90000", "PT5S,5000"})
  void durations(String text, long millis) {
    assertThat(ConfigLoader.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
  }
}
