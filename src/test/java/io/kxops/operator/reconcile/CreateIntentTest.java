/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.testing.Resources.DB;
import static io.kxops.operator.testing.Resources.ENV;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.controller.EventRecorderNames;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.testing.FakeCluster;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The failures found on the controller before the create intent, one test each, against an
 * in-memory API server with the real semantics (resourceVersion preconditions, the frozen spec) and
 * an in-memory FinSpace that refuses a token reused with another body.
 */
class CreateIntentTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef US = new DatabaseRef("us-east-1", ENV, DB);
  static final DatabaseRef EU = new DatabaseRef("eu-west-1", ENV, DB);

  MutableClock clock;
  FakeFinSpace finspace;
  FakeCluster cluster;
  FakeCluster.Process process;
  ChangesetLogic logic;
  int limit = 1;

  /** REFUSE_REPEATED_HISTORY (on, its default), for the next restart. */
  boolean refuseRepeats = true;

  String defaultRegion = "us-east-1";

  /** When true, the status write that records a changeset id is lost (the process dies). */
  boolean loseRecord;

  @BeforeEach
  void setUp() {
    clock = new MutableClock(T0);
    finspace = new FakeFinSpace(clock);
    finspace.registerDatabase(US);
    finspace.registerDatabase(EU);
    cluster = new FakeCluster(clock);
    restart();
  }

  /** A new operator process: fresh memory, a watch that lists everything. */
  void restart() {
    ChangesetLogic[] self = new ChangesetLogic[1];
    process = cluster.process(r -> self[0].targetOf(r).key());
    logic = self[0] = logicOn(process);
  }

  /** The reconcile logic of an operator process that sees the cluster through {@code view}. */
  ChangesetLogic logicOn(FakeCluster.Process view) {
    return new ChangesetLogic(
        finspace,
        view,
        clock,
        new ChangesetLogic.Settings(
                defaultRegion,
                limit,
                Duration.ofMinutes(9),
                Duration.ofMinutes(10),
                ChangesetLogic.CONFIRM_TIMEOUT)
            .withRefuseRepeatedHistory(refuseRepeats),
        new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5));
  }

  StatusStore store() {
    return (r, next) -> {
      if (loseRecord && next != null && next.getChangesetId() != null) {
        throw new IllegalStateException("process killed before the status write");
      }
      return process.write(r, next);
    };
  }

  KxChangeset add(String name, Instant created, ChangeRequest... requests) {
    KxChangeset r = Resources.changeset(name, created, requests);
    KxChangeset c = cluster.create(r);
    process.catchUp();
    return c;
  }

  /** One reconciliation of the resource as this process's cache holds it. */
  Outcome step(KxChangeset r) {
    process.catchUp();
    KxChangeset current = process.cached(r.getMetadata().getUid());
    try {
      return logic.reconcile(current, store());
    } catch (ReconcileFailure e) {
      return logic.failed(e.latest(), e.failure(), store());
    } catch (IllegalStateException e) {
      return null; // killed
    }
  }

  KxChangeset now(KxChangeset r) {
    return cluster.get(r.getMetadata().getUid());
  }

  Condition condition(KxChangeset r, String type) {
    return Conditions.find(now(r).getStatus().getConditions(), type);
  }

  @Test
  void anEditAfterALostCreateResponseIsRefusedAndMakesNoSecondChangeset() {
    KxChangeset r = add("p1", T0);
    loseRecord = true;
    step(r); // intent written, created, the answer lost
    loseRecord = false;
    assertThat(now(r).getStatus().getCreateIntent()).isNotNull();

    boolean accepted =
        cluster.editSpec(
            r.getMetadata().getUid(),
            s -> {
              s.setChangeRequests(List.of(ChangeRequest.delete("/x/")));
              return s;
            });
    assertThat(accepted).as("the spec is frozen once the intent exists").isFalse();
    clock.advance(Duration.ofMinutes(11)); // the token expires
    restart();
    step(r);
    assertThat(finspace.createdWith(r.getMetadata().getUid())).isEqualTo(1);
    assertThat(now(r).getStatus().getChangesetId()).isNotNull();
  }

  @Test
  void anEditThatBypassedAdmissionNeverSendsAnotherBody() {
    KxChangeset r = add("p1", T0);
    loseRecord = true;
    step(r);
    loseRecord = false;
    // An API server that did not enforce the rule: the spec (and region) changed anyway.
    KxChangeset edited = now(r);
    edited.getSpec().setRegion("eu-west-1");
    edited.getSpec().setChangeRequests(List.of(ChangeRequest.delete("/x/")));
    clock.advance(Duration.ofMinutes(1));
    Outcome o;
    try {
      o = logic.reconcile(edited, store());
    } catch (ReconcileFailure e) {
      o = logic.failed(e.latest(), e.failure(), store());
    }
    assertThat(o).isNotNull();
    assertThat(finspace.changesets(EU)).as("nothing in the edited region").isEmpty();
    assertThat(finspace.changesets(US)).hasSize(1);
    assertThat(finspace.createdWith(r.getMetadata().getUid())).isEqualTo(1);
  }

  @Test
  void anEditAcceptedByAnApiServerWithoutTheRuleIsNeverSentToFinSpace() {
    KxChangeset r = add("p1", T0);
    loseRecord = true;
    step(r); // intent written, created in us-east-1, the answer lost
    loseRecord = false;
    cluster.freezeSpec = false; // the API server lacks the CEL rule: the edit is stored
    boolean accepted =
        cluster.editSpec(
            r.getMetadata().getUid(),
            s -> {
              s.setRegion("eu-west-1");
              s.setChangeRequests(List.of(ChangeRequest.delete("/x/")));
              return s;
            });
    assertThat(accepted).isTrue();
    clock.advance(Duration.ofMinutes(1)); // the token is still fresh
    step(r);
    assertThat(finspace.calls(Operation.CREATE)).as("the edited body is never sent").isEqualTo(1);
    assertThat(finspace.changesets(EU)).isEmpty();
    assertThat(finspace.changesets(US)).hasSize(1);
    assertThat(now(r).getStatus().getChangesetId()).isEqualTo(finspace.changesets(US).get(0).id());
  }

  @Test
  void aLostCreateNeverAdoptsTheChangesetOfARivalWithTheSameRequests() {
    limit = 2;
    restart();
    KxChangeset a = add("a", T0);
    KxChangeset b = add("b", T0, a.getSpec().getChangeRequests().toArray(new ChangeRequest[0]));
    // a's create never reaches FinSpace (the connection drops): its intent stays.
    finspace.failNext(Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0));
    step(a);
    loseRecord = true;
    step(b); // b's create reaches FinSpace; its status write is lost
    loseRecord = false;
    clock.advance(Duration.ofMinutes(10)); // a's intent is past ADOPT_AFTER: a asks FinSpace
    step(a);
    String recorded = now(a).getStatus().getChangesetId();
    assertThat(recorded == null ? null : finspace.tokenOf(recorded))
        .as("a never records the changeset b's create made")
        .isNotEqualTo(b.getMetadata().getUid());
    assertThat(condition(a, "Stalled").getReason()).startsWith("AdoptionAmbiguous");
  }

  @Test
  void aResourceWithAnIntentCountsAsInFlightWhereverItSorts() {
    // Same second, names against arrival: "b" arrived first and its create is in flight.
    KxChangeset b = add("b", T0);
    loseRecord = true;
    step(b);
    loseRecord = false;
    KxChangeset a = add("a", T0);
    step(a);
    assertThat(condition(a, "Ready").getReason()).isEqualTo("Queued");
    assertThat(condition(a, "Ready").getMessage()).contains("kdb/b");
    assertThat(finspace.changesets(US)).hasSize(1);
  }

  @Test
  void twoProcessesAdmittingAtOnceStayWithinTheLimit() {
    // A lease hand-over: this process has not seen "b" yet; the other one has not seen a's intent.
    KxChangeset a = add("a", T0.plusSeconds(1));
    KxChangeset b = cluster.create(Resources.changeset("b", T0)); // sorts ahead of "a"
    ChangesetLogic[] self = new ChangesetLogic[1];
    FakeCluster.Process other = cluster.process(r -> self[0].targetOf(r).key());
    self[0] = logicOn(other);
    other.catchUp();
    KxChangeset bSeenByOther = other.cached(b.getMetadata().getUid());

    logic.reconcile(process.cached(a.getMetadata().getUid()), store()); // admits a, creates
    try {
      self[0].reconcile(bSeenByOther, other); // admits b on a view without a's intent
    } catch (ReconcileFailure e) {
      self[0].failed(e.latest(), e.failure(), other);
    }
    assertThat(finspace.changesets(US)).as("limit 1: the later intent is withdrawn").hasSize(1);
    assertThat(now(b).getStatus().getCreateIntent()).isNull();
  }

  @Test
  void aResourceWithoutItsOwnIntentNeverAdoptsAnothersChangeset() {
    limit = 2;
    // About adoption: second's identical requests would otherwise be refused as a repeat of
    // first's changeset, made before second.
    refuseRepeats = false;
    restart();
    KxChangeset first = add("first", T0);
    KxChangeset second =
        add(
            "second",
            T0.plusSeconds(1),
            first.getSpec().getChangeRequests().toArray(new ChangeRequest[0]));
    loseRecord = true;
    step(first); // first's changeset exists, its status write not yet landed
    loseRecord = false;
    clock.advance(Duration.ofMinutes(10)); // both older than ADOPT_AFTER
    step(second);
    String id = now(second).getStatus().getChangesetId();
    assertThat(finspace.tokenOf(id)).isEqualTo(second.getMetadata().getUid());
    step(first);
    assertThat(finspace.tokenOf(now(first).getStatus().getChangesetId()))
        .isEqualTo(first.getMetadata().getUid());
  }

  @Test
  void identicalLostCreatesAreStalledAsAmbiguousAndAPersonPicks() {
    limit = 2;
    restart();
    KxChangeset a = add("a", T0);
    KxChangeset b = add("b", T0, a.getSpec().getChangeRequests().toArray(new ChangeRequest[0]));
    loseRecord = true;
    step(a);
    step(b);
    loseRecord = false;
    clock.advance(Duration.ofMinutes(10));
    step(a);
    assertThat(condition(a, "Stalled").getReason()).isEqualTo("AdoptionAmbiguous");
    assertThat(condition(a, "Stalled").getMessage()).contains(ChangesetLogic.ADOPT_ANNOTATION);

    String mine =
        finspace.changesets(US).stream()
            .filter(c -> a.getMetadata().getUid().equals(finspace.tokenOf(c.id())))
            .findFirst()
            .orElseThrow()
            .id();
    KxChangeset annotated = now(a);
    annotated.getMetadata().setAnnotations(java.util.Map.of(ChangesetLogic.ADOPT_ANNOTATION, mine));
    logic.reconcile(annotated, store());
    assertThat(now(a).getStatus().getChangesetId()).isEqualTo(mine);
    assertThat(finspace.changesets(US)).hasSize(2);
  }

  @Test
  void aValidationErrorOnGetIsRetriedAndNotTakenForARejectedSpec() {
    KxChangeset r = add("p1", T0);
    step(r);
    finspace.failNext(Operation.GET, FinSpaceErrors.of(Operation.GET, "ValidationException", 400));
    clock.advance(Duration.ofSeconds(5));
    Outcome o = step(r);
    assertThat(o.retry()).isTrue();
    assertThat(condition(r, "Stalled")).isNull();
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("CallRejected");
  }

  @Test
  void anInFlightChangesetIsPolledWhereItWasCreatedAfterTheDefaultRegionChanges() {
    KxChangeset r = add("p1", T0); // no spec.region: created in us-east-1
    step(r);
    defaultRegion = "eu-west-1";
    restart();
    clock.advance(Duration.ofSeconds(5));
    step(r);
    assertThat(now(r).getStatus().getRegion()).isEqualTo("us-east-1");
    assertThat(condition(r, "Stalled")).isNull();
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("Pending");
  }

  @Test
  void badCredentialsStallLikeAccessDeniedWithAHint() {
    KxChangeset r = add("p1", T0);
    for (int i = 0; i < 3; i++) {
      finspace.failNext(
          Operation.CREATE,
          FinSpaceErrors.of(Operation.CREATE, "UnrecognizedClientException", 403));
    }
    Outcome first = step(r);
    assertThat(first.retry()).isTrue();
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("InvalidCredentials");
    assertThat(condition(r, "Reconciling").getMessage()).contains("IRSA");
    clock.advance(Duration.ofMinutes(11));
    restart(); // the failure clock lives in status, so a restart does not reset it
    Outcome later = step(r);
    assertThat(later.retry()).isTrue();
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("InvalidCredentials");
  }

  @Test
  void aChangesetFinSpaceLostForGoodFreesTheDatabaseSlot() {
    KxChangeset gone = add("gone", T0);
    KxChangeset next = add("next", T0.plusSeconds(1));
    step(gone);
    for (int i = 0; i < 2; i++) {
      finspace.failNext(
          Operation.GET, FinSpaceErrors.of(Operation.GET, "ResourceNotFoundException", 404));
    }
    clock.advance(Duration.ofSeconds(5));
    step(gone);
    clock.advance(Duration.ofMinutes(3));
    Outcome stalled = step(gone);
    assertThat(condition(gone, "Stalled").getReason()).isEqualTo("ChangesetNotFound");
    assertThat(stalled.wakeDatabase()).isTrue();
    step(next);
    assertThat(now(next).getStatus().getChangesetId()).isNotNull();
  }

  @Test
  void aStatusComputedFromAStaleCopyCannotEraseARecordedChangeset() {
    KxChangeset r = add("p1", T0);
    KxChangeset stale = process.cached(r.getMetadata().getUid());
    step(r);
    assertThat(now(r).getStatus().getChangesetId()).isNotNull();
    assertThatThrownBy(
            () ->
                process.write(
                    stale,
                    io.kxops.operator.status.StatusMapper.queued(stale, "us-east-1", "x", T0)))
        .isInstanceOf(StaleResourceException.class);
    assertThat(now(r).getStatus().getChangesetId()).isNotNull();
  }

  @Test
  void eventNamesStayWithinTheLimitForTheLongestResourceNames() {
    String longest = "a".repeat(252) + "b";
    String name = EventRecorderNames.eventName(longest);
    assertThat(name.length()).isLessThanOrEqualTo(253);
    assertThat(name).startsWith("aaaa");
  }
}
