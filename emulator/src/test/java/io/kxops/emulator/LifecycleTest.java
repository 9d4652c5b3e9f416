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
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.finspace.model.ChangesetStatus;
import software.amazon.awssdk.services.finspace.model.ConflictException;
import software.amazon.awssdk.services.finspace.model.ErrorDetails;
import software.amazon.awssdk.services.finspace.model.GetKxChangesetResponse;

/** The lifecycle on the emulator clock, failure rules and the per-database concurrency policies. */
class LifecycleTest extends EmulatorFixture {
  static final Instant T0 = Instant.parse("2026-11-28T10:00:00.250Z");

  @BeforeAll
  static void start() {
    startWith(
        FinSpaceEmulator.builder()
            .database(ENV, DB)
            .database(ENV, "quotes")
            .pending(Duration.ofSeconds(2))
            .processing(Duration.ofSeconds(10)));
  }

  @BeforeEach
  void reset() {
    emu.reset();
    emu.clock().freezeAt(T0);
  }

  @Test
  void pendingThenInProgressThenCompletedWithTimestampsMovingOnEachTransition() {
    String id = create(DB, "s3://bucket/db/2020.01.02/");

    GetKxChangesetResponse pending = get(DB, id);
    assertThat(pending.status()).isEqualTo(ChangesetStatus.PENDING);
    assertThat(pending.lastModifiedTimestamp()).isEqualTo(T0);

    emu.clock().advance(Duration.ofMillis(1999));
    assertThat(get(DB, id).status()).isEqualTo(ChangesetStatus.PENDING);

    emu.clock().advance(Duration.ofMillis(1));
    GetKxChangesetResponse running = get(DB, id);
    assertThat(running.statusAsString()).isEqualTo("IN_PROGRESS");
    assertThat(running.status()).isEqualTo(ChangesetStatus.UNKNOWN_TO_SDK_VERSION);
    assertThat(running.lastModifiedTimestamp()).isEqualTo(T0.plusSeconds(2));
    assertThat(running.activeFromTimestamp()).isNull();

    emu.clock().advance(Duration.ofSeconds(10));
    GetKxChangesetResponse done = get(DB, id);
    assertThat(done.status()).isEqualTo(ChangesetStatus.COMPLETED);
    assertThat(done.createdTimestamp()).isEqualTo(T0);
    assertThat(done.lastModifiedTimestamp()).isEqualTo(T0.plusSeconds(12));
    assertThat(done.activeFromTimestamp()).isEqualTo(T0.plusSeconds(12));
    assertThat(done.errorInfo()).isNull();
  }

  @Test
  void theInProgressStringCanBeTheModelsProcessing() {
    String id = create(DB, "s3://bucket/db/2020.01.02/");
    emu.clock().advance(Duration.ofSeconds(5));

    emu.lifecycle().inProgressStatus("PROCESSING");
    assertThat(get(DB, id).status()).isEqualTo(ChangesetStatus.PROCESSING);
    assertThat(
            sdk.listKxChangesets(b -> b.environmentId(ENV).databaseName(DB))
                .kxChangesets()
                .get(0)
                .status())
        .isEqualTo(ChangesetStatus.PROCESSING);

    emu.lifecycle().inProgressStatus("IN_PROGRESS");
    assertThat(get(DB, id).statusAsString()).isEqualTo("IN_PROGRESS");
  }

  static Stream<Arguments> errorTypes() {
    return Stream.of(
        Arguments.of(
            ErrorTypes.INPUTS_INVALID, ErrorDetails.THE_INPUTS_TO_THIS_REQUEST_ARE_INVALID),
        Arguments.of(
            ErrorTypes.SERVICE_LIMITS_EXCEEDED, ErrorDetails.SERVICE_LIMITS_HAVE_BEEN_EXCEEDED),
        Arguments.of(
            ErrorTypes.MISSING_PERMISSION,
            ErrorDetails.MISSING_REQUIRED_PERMISSION_TO_PERFORM_THIS_REQUEST),
        Arguments.of(
            ErrorTypes.INPUTS_NOT_FOUND,
            ErrorDetails.ONE_OR_MORE_INPUTS_TO_THIS_REQUEST_WERE_NOT_FOUND),
        Arguments.of(
            ErrorTypes.LACKS_RESOURCES,
            ErrorDetails.THE_SYSTEM_TEMPORARILY_LACKS_SUFFICIENT_RESOURCES_TO_PROCESS_THE_REQUEST),
        Arguments.of(ErrorTypes.INTERNAL_ERROR, ErrorDetails.AN_INTERNAL_ERROR_HAS_OCCURRED),
        Arguments.of(ErrorTypes.CANCELLED, ErrorDetails.CANCELLED),
        Arguments.of(
            ErrorTypes.USER_RECOVERABLE, ErrorDetails.A_USER_RECOVERABLE_ERROR_HAS_OCCURRED));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("errorTypes")
  void aMatchingFailureRuleEndsTheChangesetFailedWithItsErrorInfo(
      String errorType, ErrorDetails expected) {
    emu.lifecycle()
        .addFailureRule(
            FailureRule.s3Path("s3://bucket/bad/*")
                .withErrorType(errorType)
                .withErrorMessage("object s3://bucket/bad/x is missing"));
    String id = create(DB, "s3://bucket/bad/2020.01.02/");

    emu.clock().advance(Duration.ofSeconds(11));
    assertThat(get(DB, id).errorInfo()).isNull();

    emu.clock().advance(Duration.ofSeconds(1));
    GetKxChangesetResponse failed = get(DB, id);
    assertThat(failed.status()).isEqualTo(ChangesetStatus.FAILED);
    assertThat(failed.errorInfo().errorType()).isEqualTo(expected);
    assertThat(failed.errorInfo().errorTypeAsString()).isEqualTo(errorType);
    assertThat(failed.errorInfo().errorMessage()).isEqualTo("object s3://bucket/bad/x is missing");
    assertThat(failed.activeFromTimestamp()).isNull();
    assertThat(failed.lastModifiedTimestamp()).isEqualTo(T0.plusSeconds(12));
  }

  @Test
  void aFailureRuleCanBeLimitedToOneDatabase() {
    emu.lifecycle()
        .addFailureRule(FailureRule.s3Path("s3://bucket/bad/*").inDatabase(ENV, "quotes"));
    String inTrades = create(DB, "s3://bucket/bad/sym");
    String inQuotes = create("quotes", "s3://bucket/bad/sym");
    String good = create("quotes", "s3://bucket/good/sym");

    emu.clock().advance(Duration.ofSeconds(12));

    assertThat(get(DB, inTrades).status()).isEqualTo(ChangesetStatus.COMPLETED);
    assertThat(get("quotes", inQuotes).status()).isEqualTo(ChangesetStatus.FAILED);
    assertThat(get("quotes", inQuotes).errorInfo().errorType())
        .isEqualTo(ErrorDetails.THE_INPUTS_TO_THIS_REQUEST_ARE_INVALID);
    assertThat(get("quotes", good).status()).isEqualTo(ChangesetStatus.COMPLETED);
  }

  @Test
  void durationsChangedAtRunTimeApplyToNewChangesets() {
    String before = create(DB, "s3://bucket/db/a/");
    emu.lifecycle().pending(Duration.ZERO).processing(Duration.ofSeconds(1));
    String after = create(DB, "s3://bucket/db/b/");

    assertThat(get(DB, after).statusAsString()).isEqualTo("IN_PROGRESS");
    emu.clock().advance(Duration.ofSeconds(1));
    assertThat(get(DB, after).status()).isEqualTo(ChangesetStatus.COMPLETED);
    assertThat(get(DB, before).status()).isEqualTo(ChangesetStatus.PENDING);
  }

  @Test
  void concurrentPolicyRunsChangesetsOfADatabaseSideBySide() {
    String a = create(DB, "s3://bucket/db/a/");
    emu.clock().advance(Duration.ofSeconds(1));
    String b = create(DB, "s3://bucket/db/b/");
    emu.clock().advance(Duration.ofSeconds(2));

    assertThat(get(DB, a).statusAsString()).isEqualTo("IN_PROGRESS");
    assertThat(get(DB, b).statusAsString()).isEqualTo("IN_PROGRESS");
  }

  @Test
  void queuePolicyKeepsANewChangesetPendingUntilThePreviousIsFinal() {
    emu.lifecycle().concurrency(ENV, DB, ConcurrencyPolicy.QUEUE);
    String a = create(DB, "s3://bucket/db/a/");
    emu.clock().advance(Duration.ofSeconds(1));
    String b = create(DB, "s3://bucket/db/b/");
    String other = create("quotes", "s3://bucket/db/q/");

    emu.clock().advance(Duration.ofSeconds(5)); // T0+6s
    assertThat(get(DB, a).statusAsString()).isEqualTo("IN_PROGRESS");
    assertThat(get(DB, b).status()).isEqualTo(ChangesetStatus.PENDING);
    assertThat(get("quotes", other).statusAsString()).isEqualTo("IN_PROGRESS");

    emu.clock().advance(Duration.ofSeconds(6)); // T0+12s: a done, b starts
    assertThat(get(DB, a).status()).isEqualTo(ChangesetStatus.COMPLETED);
    GetKxChangesetResponse started = get(DB, b);
    assertThat(started.statusAsString()).isEqualTo("IN_PROGRESS");
    assertThat(started.lastModifiedTimestamp()).isEqualTo(T0.plusSeconds(12));

    emu.clock().advance(Duration.ofSeconds(10)); // T0+22s
    assertThat(get(DB, b).activeFromTimestamp()).isEqualTo(T0.plusSeconds(22));
  }

  @Test
  void rejectPolicyRefusesASecondChangesetWhileOneIsInFlight() {
    emu.lifecycle().concurrency(ConcurrencyPolicy.REJECT);
    String a = createWithToken(DB, "s3://bucket/db/a/", "tok-a");
    emu.clock().advance(Duration.ofSeconds(5));

    ConflictException e =
        catchThrowableOfType(
            ConflictException.class, () -> createWithToken(DB, "s3://bucket/db/b/", "tok-b"));
    assertThat(e.reason()).isEqualTo("CHANGESET_IN_PROGRESS");
    assertThat(e.awsErrorDetails().errorMessage()).contains(a);
    // A replay of the in-flight changeset's own token is not a second changeset.
    assertThat(createWithToken(DB, "s3://bucket/db/a/", "tok-a")).isEqualTo(a);
    // Another database is not affected.
    create("quotes", "s3://bucket/db/q/");

    emu.clock().advance(Duration.ofSeconds(7)); // a is final
    String b = createWithToken(DB, "s3://bucket/db/b/", "tok-b");
    assertThat(b).isNotEqualTo(a);
    assertThat(emu.changesets(ENV, DB))
        .extracting(ChangesetView::changesetId)
        .containsExactly(a, b);
  }

  @Test
  void theJavaViewMatchesWhatTheSdkSees() {
    String id = create(DB, "s3://bucket/db/2020.01.02/");
    emu.clock().advance(Duration.ofSeconds(12));

    ChangesetView v = emu.changeset(id).orElseThrow();

    assertThat(v.status()).isEqualTo("COMPLETED");
    assertThat(v.isFinal()).isTrue();
    assertThat(v.activeFromTimestamp()).isEqualTo(get(DB, id).activeFromTimestamp());
    assertThat(v.changeRequests())
        .containsExactly(new ChangesetView.Request("PUT", "s3://bucket/db/2020.01.02/", "/"));
  }

  private static String create(String db, String s3Path) {
    return sdk.createKxChangeset(
            b -> b.environmentId(ENV).databaseName(db).changeRequests(List.of(put(s3Path, "/"))))
        .changesetId();
  }

  private static String createWithToken(String db, String s3Path, String token) {
    return sdk.createKxChangeset(
            b ->
                b.environmentId(ENV)
                    .databaseName(db)
                    .changeRequests(List.of(put(s3Path, "/")))
                    .clientToken(token))
        .changesetId();
  }

  private static GetKxChangesetResponse get(String db, String id) {
    return sdk.getKxChangeset(b -> b.environmentId(ENV).databaseName(db).changesetId(id));
  }
}
