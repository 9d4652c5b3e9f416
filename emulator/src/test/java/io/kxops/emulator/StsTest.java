/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspace.FinspaceClient;
import software.amazon.awssdk.services.finspace.model.AccessDeniedException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.StsException;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * The emulator's STS with the real SDK: AssumeRole over the Query protocol, FinSpace calls signed
 * with the issued credentials verified against their secret, a role's databases, expiry, and the
 * request log naming who signed each call.
 */
class StsTest {
  static final String ROLE_A = "arn:aws:iam::111122223333:role/kxops-team-a";
  static final String ROLE_B = "arn:aws:iam::111122223333:role/kxops-team-b";

  static FinSpaceEmulator emu;
  static StsClient sts;

  @BeforeAll
  static void start() {
    TestClients.quietLogging();
    emu =
        FinSpaceEmulator.builder()
            .database("env1", "trades")
            .database("env1", "quotes")
            .role(Role.of(ROLE_A, "env1", "trades"))
            .role(Role.of(ROLE_B, "env1", "quo*").requiringSessionTag("kxops-namespace", "team-b"))
            .allowedAccessKeyId(TestClients.ACCESS_KEY)
            .start();
    sts =
        StsClient.builder()
            .endpointOverride(emu.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(TestClients.ACCESS_KEY, "base-secret")))
            .httpClientBuilder(ApacheHttpClient.builder())
            .build();
  }

  @AfterAll
  static void stop() {
    sts.close();
    emu.close();
  }

  @BeforeEach
  void reset() {
    emu.reset();
  }

  static AssumeRoleResponse assume(String role, String namespace) {
    return sts.assumeRole(
        b ->
            b.roleArn(role)
                .roleSessionName("kxops-" + namespace)
                .tags(Tag.builder().key("kxops-namespace").value(namespace).build()));
  }

  static FinspaceClient finspace(AwsCredentialsProvider credentials) {
    return FinspaceClient.builder()
        .endpointOverride(emu.endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials)
        .httpClientBuilder(ApacheHttpClient.builder())
        .overrideConfiguration(
            c ->
                c.retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry()))
        .build();
  }

  static AwsCredentialsProvider session(AssumeRoleResponse r, String secretOverride) {
    var c = r.credentials();
    return StaticCredentialsProvider.create(
        AwsSessionCredentials.create(
            c.accessKeyId(),
            secretOverride != null ? secretOverride : c.secretAccessKey(),
            c.sessionToken()));
  }

  @Test
  void assumeRoleAnswersTheQueryProtocolWithCredentialsAndTheAssumedRoleUser() {
    AssumeRoleResponse r = assume(ROLE_A, "team-a");

    assertThat(r.credentials().accessKeyId()).matches("ASIA[A-Z2-7]{16}");
    assertThat(r.credentials().secretAccessKey()).hasSize(40);
    assertThat(r.credentials().sessionToken()).isNotBlank();
    assertThat(r.credentials().expiration())
        .isBetween(Instant.now().plus(Duration.ofMinutes(59)), Instant.now().plusSeconds(3601));
    assertThat(r.assumedRoleUser().arn())
        .isEqualTo("arn:aws:sts::111122223333:assumed-role/kxops-team-a/kxops-team-a");
    RequestLog.Entry e = emu.requestLog().get(0);
    assertThat(e.operation()).isEqualTo("AssumeRole");
    assertThat(e.principal()).isEqualTo(TestClients.ACCESS_KEY);
    assertThat(e.roleArn()).isEqualTo(ROLE_A);
    assertThat(e.sessionTags()).containsExactly(Map.entry("kxops-namespace", "team-a"));
  }

  @Test
  void aSessionMayCallItsRolesDatabasesOnlyAndTheLogNamesItsRoleAndTags() {
    try (FinspaceClient a = finspace(session(assume(ROLE_A, "team-a"), null))) {
      assertThat(a.listKxChangesets(b -> b.environmentId("env1").databaseName("trades")))
          .isNotNull();
      AccessDeniedException denied =
          catchThrowableOfType(
              AccessDeniedException.class,
              () -> a.listKxChangesets(b -> b.environmentId("env1").databaseName("quotes")));
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(denied.awsErrorDetails().errorMessage())
          .contains(
              "User: arn:aws:sts::111122223333:assumed-role/kxops-team-a/kxops-team-a is not"
                  + " authorized to perform: finspace:ListKxChangesets on resource:"
                  + " arn:aws:finspace:us-east-1:111122223333:kxEnvironment/env1/kxDatabase/quotes");
    }
    List<RequestLog.Entry> finspaceCalls =
        emu.requestLog().stream().filter(e -> !e.operation().equals("AssumeRole")).toList();
    assertThat(finspaceCalls)
        .extracting(
            RequestLog.Entry::outcome, RequestLog.Entry::principal, RequestLog.Entry::roleArn)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "200", "arn:aws:sts::111122223333:assumed-role/kxops-team-a/kxops-team-a", ROLE_A),
            org.assertj.core.groups.Tuple.tuple(
                "AccessDeniedException",
                "arn:aws:sts::111122223333:assumed-role/kxops-team-a/kxops-team-a",
                ROLE_A));
    assertThat(finspaceCalls.get(0).sessionTags()).containsEntry("kxops-namespace", "team-a");
  }

  @Test
  void theSignatureIsVerifiedAgainstTheIssuedSecret() {
    AssumeRoleResponse r = assume(ROLE_A, "team-a");
    try (FinspaceClient forged = finspace(session(r, "x".repeat(40)))) {
      AwsServiceException e =
          catchThrowableOfType(
              AwsServiceException.class,
              () -> forged.listKxChangesets(b -> b.environmentId("env1").databaseName("trades")));
      assertThat(e.statusCode()).isEqualTo(403);
      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
    }
    // The same session with its real secret passes: a body, a path with an id, a query.
    try (FinspaceClient real = finspace(session(r, null))) {
      var created =
          real.createKxChangeset(
              b ->
                  b.environmentId("env1")
                      .databaseName("trades")
                      .clientToken("token-1")
                      .changeRequests(
                          c -> c.changeType("PUT").s3Path("s3://bucket/a b/").dbPath("/x/")));
      assertThat(
              real.getKxChangeset(
                      b ->
                          b.environmentId("env1")
                              .databaseName("trades")
                              .changesetId(created.changesetId()))
                  .changesetId())
          .isEqualTo(created.changesetId());
      assertThat(
              real.listKxChangesets(
                      b -> b.environmentId("env1").databaseName("trades").maxResults(5))
                  .kxChangesets())
          .hasSize(1);
    }
  }

  @Test
  void expiredCredentialsAreRefusedAndTheSdkProviderRefreshesBeforeExpiry() {
    emu.credentialLifetime(Duration.ofSeconds(3));
    AssumeRoleResponse r = assume(ROLE_A, "team-a");
    emu.clock().advance(Duration.ofSeconds(4));
    try (FinspaceClient old = finspace(session(r, null))) {
      AwsServiceException e =
          catchThrowableOfType(
              AwsServiceException.class,
              () -> old.listKxChangesets(b -> b.environmentId("env1").databaseName("trades")));
      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ExpiredTokenException");
    }
    emu.clock().reset();

    // The SDK's own provider: with a stale time longer than a remaining second, every call after
    // the credentials' first second assumes the role again before it is signed.
    try (var provider =
            StsAssumeRoleCredentialsProvider.builder()
                .stsClient(sts)
                .refreshRequest(b -> b.roleArn(ROLE_A).roleSessionName("kxops-team-a"))
                .staleTime(Duration.ofSeconds(2))
                .prefetchTime(Duration.ofSeconds(2))
                .build();
        FinspaceClient a = finspace(provider)) {
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      int calls = 0;
      while (System.nanoTime() < deadline) {
        a.listKxChangesets(b -> b.environmentId("env1").databaseName("trades"));
        calls++;
        sleep(250);
      }
      assertThat(calls).isGreaterThan(10);
    }
    assertThat(emu.counters()).containsKey("AssumeRole/200");
    assertThat(emu.counters().get("AssumeRole/200")).isGreaterThanOrEqualTo(3);
    // Only the staged call above met expired credentials.
    assertThat(emu.counters()).containsEntry("ListKxChangesets/ExpiredTokenException", 1L);
  }

  @Test
  void anUnknownRoleOrAMissingTrustTagIsDenied() {
    StsException unknown =
        catchThrowableOfType(
            StsException.class, () -> assume("arn:aws:iam::111122223333:role/nobody", "team-a"));
    assertThat(unknown.statusCode()).isEqualTo(403);
    assertThat(unknown.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");

    StsException wrongTag =
        catchThrowableOfType(StsException.class, () -> assume(ROLE_B, "team-a"));
    assertThat(wrongTag.awsErrorDetails().errorMessage())
        .contains("requires session tag kxops-namespace=team-b");
    assertThat(assume(ROLE_B, "team-b").credentials()).isNotNull();
  }

  @Test
  void anUnknownSessionKeyIsAnInvalidToken() {
    try (FinspaceClient c =
        finspace(
            StaticCredentialsProvider.create(
                AwsSessionCredentials.create("ASIAAAAAAAAAAAAAAAAA", "s".repeat(40), "token")))) {
      SdkException e =
          catchThrowableOfType(
              AwsServiceException.class,
              () -> c.listKxChangesets(b -> b.environmentId("env1").databaseName("trades")));
      assertThat(((AwsServiceException) e).awsErrorDetails().errorCode())
          .isEqualTo("UnrecognizedClientException");
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
