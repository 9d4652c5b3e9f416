/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static io.kxops.emulator.TestClients.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.finspace.FinspaceClient;
import software.amazon.awssdk.services.finspace.model.ChangeRequest;
import software.amazon.awssdk.services.finspace.model.ChangesetStatus;
import software.amazon.awssdk.services.finspace.model.ConflictException;
import software.amazon.awssdk.services.finspace.model.CreateKxChangesetResponse;

/**
 * A client token protects against a second changeset for 10 minutes of emulator time: the same
 * request replays the first changeset (as it is now), a different one is a 409 ConflictException.
 */
class ClientTokenTest extends EmulatorFixture {
  static final Instant T0 = Instant.parse("2026-11-28T10:00:00.123Z");
  static final List<ChangeRequest> REQUEST =
      List.of(put("s3://bucket/db/2020.01.02/", "/2020.01.02/"));

  @BeforeAll
  static void start() {
    startWith(FinSpaceEmulator.builder().database(ENV, DB).database(ENV, "quotes"));
  }

  @BeforeEach
  void reset() {
    emu.reset();
    emu.clock().freezeAt(T0);
  }

  @Test
  void theSameRequestWithinTenMinutesReplaysTheChangesetInItsCurrentState() {
    CreateKxChangesetResponse first = create(DB, "uid-1", REQUEST);
    emu.clock().advance(Duration.ofMinutes(9).plusSeconds(59).plusMillis(999));

    CreateKxChangesetResponse replay = create(DB, "uid-1", REQUEST);

    assertThat(replay.changesetId()).isEqualTo(first.changesetId());
    assertThat(first.status()).isEqualTo(ChangesetStatus.PENDING);
    assertThat(replay.status()).isEqualTo(ChangesetStatus.COMPLETED);
    assertThat(replay.createdTimestamp()).isEqualTo(T0);
    assertThat(emu.changesets(ENV, DB)).hasSize(1);
    assertThat(emu.changesetsByClientToken()).containsEntry("uid-1", List.of(first.changesetId()));
    assertThat(emu.counter(Operation.CREATE_KX_CHANGESET, "200")).isEqualTo(2);
  }

  @Test
  void aDifferentRequestWithTheSameTokenIsAConflict() {
    String id = create(DB, "uid-2", REQUEST).changesetId();

    ConflictException e =
        catchThrowableOfType(
            ConflictException.class,
            () -> create(DB, "uid-2", List.of(put("s3://bucket/db/2020.01.03/", "/2020.01.03/"))));

    assertThat(e.statusCode()).isEqualTo(409);
    assertThat(e.reason()).isEqualTo("IDEMPOTENT_PARAMETER_MISMATCH");
    assertThat(e.awsErrorDetails().errorMessage())
        .contains("clientToken 'uid-2' was already used")
        .contains(id);
    assertThat(emu.changesetCount()).isEqualTo(1);
  }

  @Test
  void tokensAreScopedToTheAccountNotTheDatabase() {
    create(DB, "uid-3", REQUEST);

    ConflictException e =
        catchThrowableOfType(ConflictException.class, () -> create("quotes", "uid-3", REQUEST));

    assertThat(e.reason()).isEqualTo("IDEMPOTENT_PARAMETER_MISMATCH");
    assertThat(emu.changesets(ENV, "quotes")).isEmpty();
  }

  @Test
  void afterTenMinutesTheTokenNoLongerProtects() {
    String first = create(DB, "uid-4", REQUEST).changesetId();
    emu.clock().advance(Duration.ofMinutes(10));

    CreateKxChangesetResponse second = create(DB, "uid-4", REQUEST);

    assertThat(second.changesetId()).isNotEqualTo(first);
    assertThat(second.status()).isEqualTo(ChangesetStatus.PENDING);
    assertThat(second.createdTimestamp()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
    assertThat(emu.changesetsByClientToken().get("uid-4"))
        .containsExactly(first, second.changesetId());

    // The new changeset now holds the token: a replay returns it, not the first one.
    assertThat(create(DB, "uid-4", REQUEST).changesetId()).isEqualTo(second.changesetId());
    // And after expiry a different request is accepted as a new changeset.
    emu.clock().advance(Duration.ofMinutes(11));
    assertThat(create(DB, "uid-4", List.of(TestClients.delete("/2020.01.02/"))).changesetId())
        .isNotIn(first, second.changesetId());
  }

  @Test
  void sdkRetriesAfterALostResponseReuseTheTokenAndCreateOneChangeset() {
    try (FinspaceClient retrying = TestClients.client(emu.endpoint())) {
      emu.faults().dropResponseNext(Operation.CREATE_KX_CHANGESET, 1);

      // No explicit token: the SDK generates one and resends it on its retry.
      CreateKxChangesetResponse r =
          retrying.createKxChangeset(
              b -> b.environmentId(ENV).databaseName(DB).changeRequests(REQUEST));

      assertThat(emu.counter(Operation.CREATE_KX_CHANGESET, "responseDropped")).isEqualTo(1);
      assertThat(emu.counter(Operation.CREATE_KX_CHANGESET, "200")).isEqualTo(1);
      assertThat(emu.changesets(ENV, DB))
          .singleElement()
          .satisfies(c -> assertThat(c.changesetId()).isEqualTo(r.changesetId()))
          .satisfies(c -> assertThat(c.clientToken()).matches("[0-9a-f-]{36}"));
    }
  }

  private static CreateKxChangesetResponse create(
      String db, String token, List<ChangeRequest> requests) {
    return sdk.createKxChangeset(
        b -> b.environmentId(ENV).databaseName(db).changeRequests(requests).clientToken(token));
  }
}
