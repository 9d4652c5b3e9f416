/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.emulator.RequestLog;
import io.kxops.emulator.Role;
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

/**
 * The wire layer's roles and regions with the real SDK against the emulator's FinSpace and STS:
 * calls signed as a namespace's role, a role STS refuses, the bounded client and session caches.
 */
class SdkFinSpaceRolesTest {

  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final String ROLE = "arn:aws:iam::111122223333:role/kxops-team-a";
  static final DatabaseRef DB = new DatabaseRef("us-east-1", ENV, "trades");

  static FinSpaceEmulator emulator;
  SdkFinSpace finspace;

  @BeforeAll
  static void start() {
    System.setProperty("aws.accessKeyId", "AKIDKXOPSTEST");
    System.setProperty("aws.secretAccessKey", "kxops-test-secret");
    emulator =
        FinSpaceEmulator.builder()
            .database(ENV, "trades")
            .database(ENV, "quotes")
            .role(Role.of(ROLE, ENV, "trades"))
            .start();
  }

  @AfterAll
  static void stop() {
    emulator.close();
  }

  @AfterEach
  void reset() {
    if (finspace != null) {
      finspace.close();
    }
    emulator.reset();
  }

  SdkFinSpace client(int maxRegions) {
    return new SdkFinSpace(
        new SdkFinSpace.Settings(
            Optional.of(emulator.endpoint()),
            1,
            100,
            4,
            Duration.ofSeconds(10),
            Optional.of("us-east-1"),
            Optional.of(emulator.endpoint()),
            SdkFinSpace.RoleSessions.DEFAULT,
            maxRegions),
        new SimpleMeterRegistry());
  }

  @Test
  void aCallerWithARoleIsSignedWithItsSessionAndOneWithoutWithTheOperatorsCredentials() {
    finspace = client(8);

    finspace.as(new Caller("team-a", ROLE)).list(DB);
    finspace.as(new Caller("team-b", null)).list(DB);
    finspace.list(DB);

    List<RequestLog.Entry> lists =
        emulator.requestLog().stream()
            .filter(e -> e.operation().equals("ListKxChangesets"))
            .toList();
    assertThat(lists)
        .extracting(RequestLog.Entry::principal)
        .containsExactly(
            "arn:aws:sts::111122223333:assumed-role/kxops-team-a/kxops-team-a",
            "AKIDKXOPSTEST",
            "AKIDKXOPSTEST");
    assertThat(lists.get(0).sessionTags()).containsEntry("kxops-namespace", "team-a");
  }

  @Test
  void oneSessionPerRoleAndNamespaceReused() {
    finspace = client(8);
    for (int i = 0; i < 3; i++) {
      finspace.as(new Caller("team-a", ROLE)).list(DB);
      finspace.as(new Caller("team-x", ROLE)).list(DB);
    }
    assertThat(finspace.roleSessions()).isEqualTo(2);
    assertThat(emulator.counters()).containsEntry("AssumeRole/200", 2L);
  }

  @Test
  void aRoleStsRefusesIsRoleNotAssumedAndNothingReachesFinSpace() {
    finspace = client(8);
    Caller stranger = new Caller("team-z", "arn:aws:iam::111122223333:role/unknown");

    FinSpaceException e =
        catchThrowableOfType(FinSpaceException.class, () -> finspace.as(stranger).list(DB));

    assertThat(e.failure()).isEqualTo(Failure.ROLE_NOT_ASSUMED);
    assertThat(e.getMessage())
        .contains(
            "STS AssumeRole of arn:aws:iam::111122223333:role/unknown (the role of the"
                + " KxAccessPolicy of namespace team-z) failed: AccessDenied",
            "trust policy");
    assertThat(emulator.requestLog())
        .extracting(RequestLog.Entry::operation)
        .containsOnly("AssumeRole");
  }

  /**
   * A create whose role STS refuses never leaves the process: the exception says so, and a first
   * attempt so refused withdraws its create intent (StatusMapper) instead of holding the database.
   * A create FinSpace itself answered (here: AccessDenied for a role outside its databases) was
   * sent, and says so.
   */
  @Test
  void aCreateWhoseRoleStsRefusesProvesNothingWasSentAndOneFinSpaceAnsweredDoesNot() {
    finspace = client(8);
    Caller stranger = new Caller("team-z", "arn:aws:iam::111122223333:role/unknown");
    var requests = List.of(ChangeRequest.put("s3://bucket/sym/", "/"));
    FinSpaceException refused =
        catchThrowableOfType(
            FinSpaceException.class,
            () ->
                finspace
                    .as(stranger)
                    .create(DB, requests, "token-sts-refused", Instant.now().plusSeconds(60)));
    assertThat(refused.failure()).isEqualTo(Failure.ROLE_NOT_ASSUMED);
    assertThat(refused.provesNothingSent()).isTrue();
    assertThat(emulator.requestLog())
        .extracting(RequestLog.Entry::operation)
        .doesNotContain("CreateKxChangeset");

    FinSpaceException denied =
        catchThrowableOfType(
            FinSpaceException.class,
            () ->
                finspace
                    .as(new Caller("team-x", ROLE))
                    .create(
                        new DatabaseRef(DB.region(), ENV, "quotes"),
                        requests,
                        "token-denied",
                        Instant.now().plusSeconds(60)));
    assertThat(denied.failure()).isEqualTo(Failure.ACCESS_DENIED);
    assertThat(denied.provesNothingSent()).as("FinSpace answered it").isFalse();
  }

  @Test
  void theRegionClientCacheIsBounded() {
    finspace = client(2);
    for (String region : List.of("us-east-1", "eu-west-1", "ap-south-1", "eu-west-1")) {
      finspace.list(new DatabaseRef(region, ENV, "trades"));
    }
    assertThat(finspace.cachedRegions()).containsExactly("ap-south-1", "eu-west-1");
    // An evicted region is built again when needed.
    finspace.list(DB);
    assertThat(finspace.cachedRegions()).containsExactly("eu-west-1", "us-east-1");
  }
}
