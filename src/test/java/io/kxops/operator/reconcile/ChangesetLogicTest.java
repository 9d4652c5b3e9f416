/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.testing.Resources.DB;
import static io.kxops.operator.testing.Resources.ENV;
import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reconcile rules against a stateful in-memory FinSpace, resource by resource. */
class ChangesetLogicTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef TRADES = new DatabaseRef("us-east-1", ENV, DB);

  MutableClock clock;
  FakeFinSpace finspace;
  List<KxChangeset> cluster;
  ChangesetLogic logic;
  int maxInFlight = 1;

  /**
   * REFUSE_REPEATED_HISTORY, on as by default. Tests of adoption and of the create protocol that
   * use identical requests or older changesets on purpose turn it off ({@link
   * #aboutAdoptionNotHistory}); RepeatCheckTest tests the check itself.
   */
  boolean refuseRepeats = true;

  @BeforeEach
  void setUp() {
    clock = new MutableClock(T0);
    finspace = new FakeFinSpace(clock);
    finspace.registerDatabase(TRADES);
    cluster = new ArrayList<>();
    logic = newLogic();
  }

  /** Status writes that record a changeset id are lost (the operator dies right after). */
  boolean loseChangesetWrites;

  /** A store that writes into the resource object itself, as the API server would. */
  final StatusStore store =
      (r, next) -> {
        if (loseChangesetWrites && next != null && next.getChangesetId() != null) {
          return r;
        }
        r.setStatus(next);
        return r;
      };

  ChangesetLogic newLogic() {
    ClusterView view =
        new ClusterView() {
          @Override
          public List<KxChangeset> onDatabase(String key) {
            return cluster.stream()
                .filter(r -> logic.targetOf(r).key().equals(key))
                .collect(Collectors.toList());
          }

          @Override
          public java.util.Optional<KxChangeset> named(String namespace, String name) {
            return cluster.stream()
                .filter(r -> namespace.equals(r.getMetadata().getNamespace()))
                .filter(r -> name.equals(r.getMetadata().getName()))
                .findFirst();
          }

          @Override
          public boolean awaitSeen(KxChangeset written, Duration timeout) {
            return true;
          }
        };
    return new ChangesetLogic(
        finspace,
        view,
        clock,
        new ChangesetLogic.Settings(
                "us-east-1",
                maxInFlight,
                Duration.ofMinutes(9),
                Duration.ofMinutes(10),
                ChangesetLogic.CONFIRM_TIMEOUT)
            .withRefuseRepeatedHistory(refuseRepeats),
        new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5));
  }

  /**
   * For a test whose identical requests or older changesets are about adoption, not about history
   * applied again (and whose List counts are adoption's): REFUSE_REPEATED_HISTORY off.
   */
  void aboutAdoptionNotHistory() {
    refuseRepeats = false;
    logic = newLogic();
  }

  KxChangeset add(String name, Instant created, ChangeRequest... requests) {
    KxChangeset r = Resources.changeset(name, created, requests);
    cluster.add(r);
    return r;
  }

  /** Runs one reconciliation the way the JOSDK adapter does. */
  Outcome step(KxChangeset r) {
    try {
      return logic.reconcile(r, store);
    } catch (ReconcileFailure e) {
      return logic.failed(e.latest(), e.failure(), store);
    }
  }

  static Condition condition(KxChangeset r, String type) {
    return Conditions.find(r.getStatus().getConditions(), type);
  }

  static List<String> reasons(Outcome o) {
    return o.events().stream().map(Outcome.Event::reason).toList();
  }

  @Test
  void createsTheChangesetOnceWithTheResourceUidAsToken() {
    KxChangeset r = add("p1", T0);
    Outcome first = step(r);

    assertThat(reasons(first)).containsExactly("ChangesetCreated");
    assertThat(r.getStatus().getChangesetId()).isNotBlank();
    assertThat(r.getStatus().getStatus()).isEqualTo("PENDING");
    assertThat(r.getStatus().getRegion()).isEqualTo("us-east-1");
    assertThat(r.getStatus().getObservedGeneration()).isEqualTo(1L);
    assertThat(r.getStatus().getCreatedTimestamp()).isEqualTo("2026-11-28T10:00:00Z");
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("Pending");
    assertThat(first.requeueAfter()).contains(Duration.ofSeconds(5));

    clock.advance(Duration.ofSeconds(5));
    Outcome second = step(r);
    assertThat(second.events()).isEmpty();
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(1);
    assertThat(finspace.calls(Operation.GET)).isEqualTo(1);
    assertThat(finspace.changesets(TRADES)).hasSize(1);
  }

  @Test
  void aRestartBeforeTheStatusWriteReusesTheTokenInsteadOfCreatingAgain() {
    KxChangeset r = add("p1", T0);
    loseChangesetWrites = true;
    step(r); // intent recorded, created, but the status write is lost (operator killed)
    loseChangesetWrites = false;
    logic = newLogic(); // a new process
    clock.advance(Duration.ofMinutes(3));
    step(r);
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(2);
    assertThat(finspace.changesets(TRADES)).hasSize(1);
    assertThat(r.getStatus().getChangesetId()).isEqualTo(finspace.changesets(TRADES).get(0).id());
  }

  @Test
  void aChangesetWithoutAStatusYetIsCreating() {
    finspace.createdStatus(null);
    KxChangeset r = add("p1", T0);
    Outcome o = step(r);

    assertThat(reasons(o)).containsExactly("ChangesetCreated");
    assertThat(r.getStatus().getStatus()).isNull();
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(r, "Ready").getReason()).isEqualTo("Creating");
    assertThat(condition(r, "Reconciling").getStatus()).isEqualTo("True");
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("Creating");
    assertThat(condition(r, "Stalled")).isNull();
    assertThat(o.requeueAfter()).isPresent();

    finspace.setStatus(r.getStatus().getChangesetId(), "PENDING");
    step(r);
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("Pending");
  }

  @Test
  void everyStatusOtherThanCompletedOrFailedIsInProgress() {
    KxChangeset r = add("p1", T0);
    step(r);
    String id = r.getStatus().getChangesetId();
    for (String s : List.of("PROCESSING", "IN_PROGRESS", "VALIDATING_FILES")) {
      finspace.setStatus(id, s);
      Outcome o = step(r);
      assertThat(r.getStatus().getStatus()).isEqualTo(s);
      assertThat(condition(r, "Reconciling").getStatus()).isEqualTo("True");
      assertThat(condition(r, "Ready").getStatus()).isEqualTo("False");
      assertThat(o.requeueAfter()).isPresent();
      assertThat(o.events()).isEmpty();
    }
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("ValidatingFiles");
  }

  @Test
  void completedIsReadyWakesTheQueueAndStopsCallingFinSpace() {
    KxChangeset r = add("p1", T0);
    step(r);
    clock.advance(Duration.ofSeconds(40));
    finspace.setStatus(r.getStatus().getChangesetId(), "COMPLETED");
    Outcome done = step(r);

    assertThat(reasons(done)).containsExactly("ChangesetCompleted");
    assertThat(done.wakeDatabase()).isTrue();
    assertThat(done.requeueAfter()).isEmpty();
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(r, "Ready").getReason()).isEqualTo("Completed");
    assertThat(condition(r, "Reconciling")).isNull();
    assertThat(condition(r, "Stalled")).isNull();
    assertThat(r.getStatus().getActiveFromTimestamp()).isEqualTo("2026-11-28T10:00:40Z");

    int calls = finspace.calls(Operation.GET);
    Outcome again = step(r);
    assertThat(finspace.calls(Operation.GET)).isEqualTo(calls);
    assertThat(again.events()).isEmpty();
    assertThat(again.requeueAfter()).isEmpty();
  }

  @Test
  void failedIsStalledWithErrorInfo() {
    KxChangeset r = add("p1", T0);
    step(r);
    finspace.setStatus(
        r.getStatus().getChangesetId(),
        "FAILED",
        "The inputs to this request are invalid.",
        "s3://bucket/db/p1/ does not exist");
    Outcome o = step(r);

    assertThat(reasons(o)).containsExactly("ChangesetFailed");
    assertThat(o.wakeDatabase()).isTrue();
    assertThat(r.getStatus().getErrorInfo().getErrorType())
        .isEqualTo("The inputs to this request are invalid.");
    Condition stalled = condition(r, "Stalled");
    assertThat(stalled.getStatus()).isEqualTo("True");
    assertThat(stalled.getReason()).isEqualTo("ChangesetFailed");
    assertThat(stalled.getMessage())
        .contains("The inputs to this request are invalid.")
        .contains("does not exist");
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(r, "Reconciling")).isNull();
  }

  @Test
  void aRejectedCreateIsStalledUntilTheSpecChanges() {
    KxChangeset r = add("p1", T0);
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ValidationException", 400));
    Outcome o = step(r);

    assertThat(o.retry()).isFalse();
    assertThat(o.wakeDatabase()).isTrue();
    assertThat(reasons(o)).containsExactly("CreateRejected");
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("InvalidRequest");
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(r, "Ready").getReason()).isEqualTo("InvalidRequest");
    assertThat(condition(r, "Reconciling")).isNull();

    step(r); // same generation: nothing to do
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(1);

    r.getMetadata().setGeneration(2L); // the user fixed the spec
    step(r);
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(2);
    assertThat(r.getStatus().getChangesetId()).isNotBlank();
    assertThat(condition(r, "Stalled")).isNull();
    assertThat(condition(r, "Reconciling").getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void aMissingDatabaseIsWaitedForThenUsed() {
    DatabaseRef later = new DatabaseRef("us-east-1", ENV, "quotes");
    KxChangeset r = add("q1", T0);
    r.getSpec().setDatabaseName("quotes");
    Outcome o = step(r);

    assertThat(o.retry()).isTrue();
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("DatabaseNotFound");
    assertThat(condition(r, "Ready").getReason()).isEqualTo("DatabaseNotFound");
    assertThat(condition(r, "Stalled")).isNull();

    finspace.registerDatabase(later);
    step(r);
    assertThat(finspace.changesets(later)).hasSize(1);
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("Pending");
  }

  @Test
  void accessDeniedBecomesStalledAfterTheBoundAndIsStillRetried() {
    KxChangeset r = add("p1", T0);
    for (int i = 0; i < 3; i++) {
      finspace.failNext(
          Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "AccessDeniedException", 403));
    }
    Outcome first = step(r);
    assertThat(reasons(first)).containsExactly("AccessDenied");
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("AccessDenied");
    assertThat(condition(r, "Stalled")).isNull();

    clock.advance(Duration.ofMinutes(5));
    Outcome second = step(r);
    assertThat(second.events()).as("no event per retry").isEmpty();
    assertThat(condition(r, "Stalled")).isNull();

    clock.advance(Duration.ofMinutes(6));
    Outcome third = step(r);
    assertThat(third.retry()).isTrue();
    assertThat(condition(r, "Stalled").getStatus()).isEqualTo("True");
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("AccessDenied");
    assertThat(condition(r, "Reconciling")).isNull();

    step(r); // permission granted
    assertThat(r.getStatus().getChangesetId()).isNotBlank();
    assertThat(condition(r, "Stalled")).isNull();
  }

  @Test
  void databaseNotFoundWarnsAtOnceAndAgainWhenItLastsOnceEach() {
    KxChangeset r = add("p1", T0);
    for (int i = 0; i < 5; i++) {
      finspace.failNext(
          Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ResourceNotFoundException", 404));
    }
    Outcome first = step(r);
    assertThat(first.events())
        .extracting(Outcome.Event::warning, Outcome.Event::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(true, "DatabaseNotFound"));
    assertThat(first.retry()).isTrue();
    assertThat(condition(r, "Ready").getReason()).isEqualTo("DatabaseNotFound");

    clock.advance(Duration.ofMinutes(2));
    assertThat(step(r).events()).as("no event per retry").isEmpty();

    clock.advance(Duration.ofMinutes(4));
    Outcome lasting = step(r);
    assertThat(reasons(lasting)).containsExactly("DatabaseNotFound");
    assertThat(lasting.events().get(0).message()).contains("5 minutes or more");
    assertThat(condition(r, "Reconciling").getMessage())
        .contains("(failing since " + T0 + "; still retried)");

    logic = newLogic(); // a restart does not repeat it: the status says it was sent
    clock.advance(Duration.ofMinutes(1));
    assertThat(step(r).events()).isEmpty();
    assertThat(condition(r, "Stalled")).as("never stalls: GitOps may create it later").isNull();
  }

  @Test
  void throttlingWarnsOnlyWhenItLasts() {
    KxChangeset r = add("p1", T0);
    for (int i = 0; i < 4; i++) {
      finspace.failNext(
          Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ThrottlingException", 400));
    }
    assertThat(step(r).events()).isEmpty();
    clock.advance(Duration.ofMinutes(3));
    assertThat(step(r).events()).isEmpty();
    assertThat(condition(r, "Reconciling").getMessage()).doesNotContain("failing since");
    clock.advance(Duration.ofMinutes(3));
    Outcome lasting = step(r);
    assertThat(lasting.events())
        .extracting(Outcome.Event::warning, Outcome.Event::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(true, "Throttled"));
    clock.advance(Duration.ofMinutes(3));
    assertThat(step(r).events()).isEmpty();
    step(r); // FinSpace answers again
    assertThat(r.getStatus().getChangesetId()).isNotBlank();
    assertThat(condition(r, "Reconciling").getMessage()).doesNotContain("failing since");
  }

  @Test
  void anAccessDeniedStallSurvivesARestart() {
    KxChangeset r = add("p1", T0);
    for (int i = 0; i < 3; i++) {
      finspace.failNext(
          Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "AccessDeniedException", 403));
    }
    step(r);
    clock.advance(Duration.ofMinutes(11));
    step(r);
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("AccessDenied");
    var stalledBefore = r.getStatus().getConditions();

    logic = newLogic(); // a new process: the in-memory "failing since" is gone
    clock.advance(Duration.ofMinutes(1));
    Outcome o = step(r);
    assertThat(o.events()).as("no second AccessDenied event").isEmpty();
    assertThat(o.retry()).isTrue();
    assertThat(condition(r, "Stalled").getStatus()).isEqualTo("True");
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("AccessDenied");
    assertThat(condition(r, "Reconciling")).isNull();
    // Only the resumed-attempt count moved (the fence between processes); the conditions did not.
    assertThat(r.getStatus().getConditions()).isEqualTo(stalledBefore);
  }

  @Test
  void transientErrorsKeepReadyAndMarkReconciling() {
    KxChangeset r = add("p1", T0);
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ThrottlingException", 429));
    step(r);
    // The intent is recorded: Ready says the changeset is being created, Reconciling why not yet.
    assertThat(condition(r, "Ready").getReason()).isEqualTo("Creating");
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("Throttled");

    step(r);
    String readyReason = condition(r, "Ready").getReason();
    for (String[] e :
        new String[][] {
          {"InternalServerException", "500", "ServiceUnavailable"},
          {"ConflictException", "409", "Conflict"},
          {"LimitExceededException", "400", "LimitExceeded"},
          {"NetworkError", "0", "ServiceUnavailable"},
        }) {
      finspace.failNext(
          Operation.GET, FinSpaceErrors.of(Operation.GET, e[0], Integer.parseInt(e[1])));
      Outcome o = step(r);
      assertThat(o.retry()).isTrue();
      assertThat(condition(r, "Reconciling").getReason()).isEqualTo(e[2]);
      assertThat(condition(r, "Ready").getReason()).as("Ready unchanged").isEqualTo(readyReason);
      assertThat(condition(r, "Stalled")).isNull();
    }
  }

  @Test
  void aTransientCreateErrorAfterAdmissionNoLongerSaysQueued() {
    KxChangeset first = add("first", T0);
    KxChangeset second = add("second", T0.plusSeconds(1));
    step(first);
    step(second);
    assertThat(condition(second, "Ready").getReason()).isEqualTo("Queued");
    finspace.setStatus(first.getStatus().getChangesetId(), "COMPLETED");
    step(first);
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ThrottlingException", 429));
    step(second); // admitted: the intent is written, the create is throttled
    assertThat(second.getStatus().getCreateIntent()).isNotNull();
    assertThat(condition(second, "Ready").getReason()).isNotEqualTo("Queued");
    assertThat(condition(second, "Ready").getMessage()).doesNotContain("waiting for");
  }

  @Test
  void getNotFoundRightAfterCreateIsRetriedThenStalls() {
    KxChangeset r = add("p1", T0);
    step(r);
    Condition readyBefore = condition(r, "Ready");
    clock.advance(Duration.ofSeconds(5));
    finspace.failNext(
        Operation.GET, FinSpaceErrors.of(Operation.GET, "ResourceNotFoundException", 404));
    step(r);
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("ChangesetNotFound");
    assertThat(condition(r, "Stalled")).isNull();
    assertThat(condition(r, "Ready")).as("Ready unchanged").isEqualTo(readyBefore);

    clock.advance(Duration.ofMinutes(3));
    finspace.failNext(
        Operation.GET, FinSpaceErrors.of(Operation.GET, "ResourceNotFoundException", 404));
    Outcome o = step(r);
    assertThat(o.retry()).isTrue();
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("ChangesetNotFound");
  }

  @Test
  void changeRequestsThatDifferFromTheSpecAreReportedAsSpecMismatch() {
    KxChangeset r = add("p1", T0);
    step(r);
    r.getSpec().setChangeRequests(List.of(ChangeRequest.delete("/2019.01.01/")));
    step(r);
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("SpecMismatch");
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(r, "Stalled").getMessage()).contains("DELETE").contains("PUT");
  }

  @Test
  void afterTheTokenExpiredTheEarlierChangesetIsAdoptedNotDuplicated() {
    aboutAdoptionNotHistory();
    KxChangeset r = add("p1", T0);
    loseChangesetWrites = true;
    step(r); // intent recorded, created; the changeset's status write is lost
    loseChangesetWrites = false;
    clock.advance(Duration.ofMinutes(11)); // token expired
    logic = newLogic();
    Outcome o = step(r);

    assertThat(reasons(o)).containsExactly("ChangesetAdopted");
    assertThat(finspace.changesets(TRADES)).hasSize(1);
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(1);
    assertThat(finspace.calls(Operation.LIST)).isEqualTo(1);
    assertThat(r.getStatus().getChangesetId()).isEqualTo(finspace.changesets(TRADES).get(0).id());
  }

  @Test
  void adoptionSkipsChangesetsClaimedByAnotherResource() {
    aboutAdoptionNotHistory();
    KxChangeset other = add("other", T0);
    KxChangeset r = add("p1", T0.plusSeconds(1), other.getSpec().getChangeRequests().get(0));
    step(other); // holds a changeset with identical requests
    clock.advance(Duration.ofMinutes(10));
    finspace.setStatus(other.getStatus().getChangesetId(), "COMPLETED");
    step(other);
    Outcome o = step(r);
    assertThat(reasons(o)).containsExactly("ChangesetCreated");
    assertThat(finspace.changesets(TRADES)).hasSize(2);
  }

  @Test
  void adoptionSkipsAChangesetItsSiblingRecordedWhileTheListRan() {
    maxInFlight = 2; // both may create: this is about adoption, not the queue
    logic = newLogic();
    KxChangeset other = add("other", T0);
    KxChangeset r = add("p1", T0.plusSeconds(1), other.getSpec().getChangeRequests().get(0));
    loseChangesetWrites = true;
    step(r); // r's intent is recorded and its changeset made; the answer is lost
    clock.advance(Duration.ofMinutes(5));
    step(other); // the same for other, with identical requests
    loseChangesetWrites = false;
    clock.advance(Duration.ofMinutes(5)); // r's intent is old enough to ask FinSpace
    finspace.afterNextList(() -> step(other)); // other records its changeset during r's List
    Outcome o = step(r);

    assertThat(reasons(o)).containsExactly("ChangesetAdopted");
    assertThat(finspace.tokenOf(r.getStatus().getChangesetId()))
        .isEqualTo(r.getMetadata().getUid());
    assertThat(finspace.tokenOf(other.getStatus().getChangesetId()))
        .isEqualTo(other.getMetadata().getUid());
    assertThat(finspace.changesets(TRADES)).hasSize(2);
  }

  @Test
  void adoptionSkipsDifferentRequestsAndOlderChangesets() {
    aboutAdoptionNotHistory();
    KxChangeset r = add("p1", T0);
    finspace.inject(TRADES, List.of(ChangeRequest.delete("/x/")), T0.plusSeconds(5));
    finspace.inject(TRADES, r.getSpec().getChangeRequests(), T0.minus(Duration.ofMinutes(30)));
    clock.advance(Duration.ofMinutes(10));
    Outcome o = step(r);
    assertThat(reasons(o)).containsExactly("ChangesetCreated");
    assertThat(finspace.changesets(TRADES)).hasSize(3);
  }

  @Test
  void aResumedCreateAdoptsNeitherOtherRequestsNorChangesetsOlderThanItsIntent() {
    aboutAdoptionNotHistory();
    KxChangeset r = add("p1", T0);
    // The create never reaches FinSpace (the connection drops): the intent stays.
    finspace.failNext(Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0));
    step(r);
    assertThat(r.getStatus().getCreateIntent()).isNotNull();
    finspace.inject(TRADES, List.of(ChangeRequest.delete("/x/")), T0.plusSeconds(5));
    finspace.inject(TRADES, r.getSpec().getChangeRequests(), T0.minus(Duration.ofMinutes(30)));
    clock.advance(Duration.ofMinutes(10)); // past ADOPT_AFTER: FinSpace is asked first
    Outcome o = step(r);
    assertThat(finspace.calls(Operation.LIST)).isEqualTo(1);
    assertThat(reasons(o)).containsExactly("ChangesetCreated");
    assertThat(finspace.tokenOf(r.getStatus().getChangesetId()))
        .isEqualTo(r.getMetadata().getUid());
    assertThat(finspace.changesets(TRADES)).hasSize(3);
  }

  @Test
  void theFirstCreateOfAnOldResourceDoesNotListTheDatabase() {
    aboutAdoptionNotHistory();
    KxChangeset r = add("p1", T0);
    clock.advance(Duration.ofHours(2)); // older than ADOPT_AFTER, but no intent: nothing to adopt
    Outcome o = step(r);
    assertThat(reasons(o)).containsExactly("ChangesetCreated");
    assertThat(finspace.calls(Operation.LIST)).isZero();
  }

  @Test
  void changesetsOfOneDatabaseRunOneAtATimeInCreationOrder() {
    KxChangeset first = add("b-first", T0);
    KxChangeset second = add("a-second", T0.plusSeconds(1));
    KxChangeset third = add("c-third", T0.plusSeconds(1));

    Outcome o = step(second); // reconciled first, but created later
    assertThat(condition(second, "Reconciling").getReason()).isEqualTo("Queued");
    assertThat(condition(second, "Ready").getMessage()).contains("kdb/b-first");
    assertThat(o.requeueAfter()).contains(Duration.ofSeconds(60));
    assertThat(finspace.calls(Operation.CREATE)).isZero();

    step(first);
    step(second);
    assertThat(condition(second, "Ready").getMessage())
        .contains("kdb/b-first (changeset " + first.getStatus().getChangesetId() + ")");
    step(third);
    // The one just ahead (the name breaks the creation-time tie), not the one in flight: the
    // message stays the same while the queue advances.
    assertThat(condition(third, "Ready").getMessage())
        .contains("kdb/a-second")
        .doesNotContain("b-first");
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(1);

    finspace.setStatus(first.getStatus().getChangesetId(), Changeset.COMPLETED);
    assertThat(step(first).wakeDatabase()).isTrue();
    step(third);
    assertThat(condition(third, "Ready").getMessage()).contains("kdb/a-second");
    step(second);
    assertThat(second.getStatus().getChangesetId()).isNotBlank();
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(2);
  }

  @Test
  void aFinishedChangesetWakesOnlyTheNextOnesThatMayStart() {
    KxChangeset first = add("a-first", T0);
    KxChangeset second = add("b-second", T0.plusSeconds(1));
    KxChangeset third = add("c-third", T0.plusSeconds(2));
    KxChangeset rejected = add("a-rejected", T0.plusSeconds(1));
    step(first);
    finspace.setStatus(first.getStatus().getChangesetId(), Changeset.COMPLETED);
    assertThat(step(first).wakeDatabase()).isTrue();
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ValidationException", 400));
    step(rejected);
    assertThat(condition(rejected, "Stalled").getReason()).isEqualTo("InvalidRequest");

    // The rejected one (which sorts before b-second) no longer waits; c-third is woken when
    // b-second is done.
    assertThat(logic.toWake(first)).containsExactly(second);
    maxInFlight = 2;
    logic = newLogic();
    assertThat(logic.toWake(first)).containsExactly(second, third);
  }

  @Test
  void aHigherLimitAdmitsSeveral() {
    maxInFlight = 2;
    logic = newLogic();
    KxChangeset a = add("a", T0);
    KxChangeset b = add("b", T0.plusSeconds(1));
    KxChangeset c = add("c", T0.plusSeconds(2));
    step(a);
    step(b);
    step(c);
    assertThat(a.getStatus().getChangesetId()).isNotNull();
    assertThat(b.getStatus().getChangesetId()).isNotNull();
    assertThat(c.getStatus().getChangesetId()).isNull();
  }

  @Test
  void aRejectedChangesetDoesNotBlockTheQueue() {
    KxChangeset bad = add("bad", T0);
    KxChangeset good = add("good", T0.plusSeconds(1));
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "ValidationException", 400));
    step(bad);
    step(good);
    assertThat(good.getStatus().getChangesetId()).isNotBlank();
  }

  @Test
  void otherDatabasesAndRegionsDoNotQueueBehindEachOther() {
    KxChangeset a = add("a", T0);
    KxChangeset b = add("b", T0.plusSeconds(1));
    b.getSpec().setRegion("eu-west-1");
    finspace.registerDatabase(new DatabaseRef("eu-west-1", ENV, DB));
    step(a);
    step(b);
    assertThat(b.getStatus().getChangesetId()).isNotBlank();
    assertThat(b.getStatus().getRegion()).isEqualTo("eu-west-1");
  }

  @Test
  void pollingBacksOffWithTheChangesetsAge() {
    KxChangeset r = add("p1", T0);
    step(r);
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Duration d = step(r).requeueAfter().orElseThrow();
      delays.add(d);
      clock.advance(d);
    }
    assertThat(delays.get(0)).isEqualTo(Duration.ofSeconds(5));
    assertThat(delays).isSorted();
    assertThat(delays.get(29)).isEqualTo(Duration.ofSeconds(60));
    assertThat(delays.stream().filter(d -> d.getSeconds() < 60).count())
        .as("polls before reaching the maximum interval")
        .isBetween(10L, 20L);
  }

  @Test
  void lastTransitionTimeMovesOnlyWhenAConditionFlips() {
    KxChangeset r = add("p1", T0);
    step(r);
    String readySince = condition(r, "Ready").getLastTransitionTime();
    clock.advance(Duration.ofSeconds(30));
    finspace.setStatus(r.getStatus().getChangesetId(), "IN_PROGRESS");
    step(r);
    assertThat(condition(r, "Ready").getReason()).isEqualTo("InProgress");
    assertThat(condition(r, "Ready").getLastTransitionTime()).isEqualTo(readySince);
    clock.advance(Duration.ofSeconds(30));
    finspace.setStatus(r.getStatus().getChangesetId(), "COMPLETED");
    step(r);
    assertThat(condition(r, "Ready").getLastTransitionTime()).isEqualTo("2026-11-28T10:01:00Z");
  }
}
