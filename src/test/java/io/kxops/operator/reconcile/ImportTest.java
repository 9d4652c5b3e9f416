/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.reconcile.ChangesetLogicTest.T0;
import static io.kxops.operator.reconcile.ChangesetLogicTest.TRADES;
import static io.kxops.operator.reconcile.ChangesetLogicTest.condition;
import static io.kxops.operator.reconcile.ChangesetLogicTest.reasons;
import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.Operation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** spec.changesetId: importing an existing changeset, against the in-memory FinSpace. */
class ImportTest {

  static final List<ChangeRequest> SYM = List.of(ChangeRequest.put("s3://bucket/db/sym", "/"));
  static final List<ChangeRequest> DAY =
      List.of(ChangeRequest.put("s3://bucket/db/2020.01.02/", "/2020.01.02/"));

  // The same rig as ChangesetLogicTest: one FinSpace, one cluster, the logic under test.
  final ChangesetLogicTest rig = new ChangesetLogicTest();

  @BeforeEach
  void setUp() {
    rig.setUp();
  }

  /** A resource importing {@code id}, created at T0 + {@code minutes}. */
  KxChangeset importing(String name, String id, int minutes, List<ChangeRequest> requests) {
    KxChangeset r =
        rig.add(name, T0.plusSeconds(60L * minutes), requests.toArray(ChangeRequest[]::new));
    r.getSpec().setChangesetId(id);
    return r;
  }

  Changeset existing(List<ChangeRequest> requests, String status) {
    Changeset cs = rig.finspace.inject(TRADES, requests, T0.minus(Duration.ofDays(30)));
    if (!"PENDING".equals(status)) {
      rig.finspace.setStatus(cs.id(), status);
    }
    return cs;
  }

  @Test
  void aCompletedChangesetIsImportedAndReadyWithoutAnyCreate() {
    Changeset cs = existing(SYM, Changeset.COMPLETED);
    KxChangeset r = importing("sym", cs.id(), 0, SYM);

    Outcome o = rig.step(r);

    assertThat(reasons(o)).containsExactly("ChangesetImported");
    assertThat(o.events().get(0).message()).contains(cs.id()).contains("no changeset was created");
    assertThat(r.getStatus().getChangesetId()).isEqualTo(cs.id());
    assertThat(r.getStatus().getStatus()).isEqualTo("COMPLETED");
    assertThat(r.getStatus().getCreateIntent()).isNull();
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("True");
    assertThat(o.requeueAfter()).isEmpty();
    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();
    assertThat(rig.finspace.calls(Operation.LIST)).isZero();
    assertThat(rig.finspace.changesets(TRADES)).hasSize(1);

    // Final: nothing more is asked of FinSpace.
    rig.step(r);
    assertThat(rig.finspace.calls(Operation.GET)).isEqualTo(1);
  }

  @Test
  void anImportNeverQueuesAndHoldsNoSlotUntilItIsRecorded() {
    Changeset cs = existing(SYM, Changeset.COMPLETED);
    // The import sorts first, but it never takes a turn: the create behind it goes at once.
    KxChangeset imp = importing("sym", cs.id(), 0, SYM);
    KxChangeset day = rig.add("day", T0.plusSeconds(60), DAY.toArray(ChangeRequest[]::new));

    rig.step(day);

    assertThat(day.getStatus().getChangesetId()).isNotBlank();
    assertThat(imp.getStatus()).isNull();
    assertThat(rig.finspace.calls(Operation.CREATE)).isEqualTo(1);
  }

  @Test
  void aRecordedImportStillRunningHoldsTheSlotUntilItIsFinal() {
    Changeset running = existing(SYM, "PENDING");
    KxChangeset imp = importing("sym", running.id(), 0, SYM);
    KxChangeset day = rig.add("day", T0.plusSeconds(60), DAY.toArray(ChangeRequest[]::new));

    Outcome o = rig.step(imp);
    assertThat(o.requeueAfter()).isPresent();
    assertThat(condition(imp, "Reconciling").getReason()).isEqualTo("Pending");

    rig.step(day);
    assertThat(condition(day, "Reconciling").getReason()).isEqualTo("Queued");
    assertThat(condition(day, "Reconciling").getMessage()).contains("kdb/sym");
    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();

    rig.finspace.setStatus(running.id(), Changeset.COMPLETED);
    Outcome done = rig.step(imp);
    assertThat(done.wakeDatabase()).isTrue();
    assertThat(rig.logic.toWake(imp)).containsExactly(day);
    rig.step(day);
    assertThat(day.getStatus().getChangesetId()).isNotBlank();
    assertThat(rig.finspace.calls(Operation.CREATE)).isEqualTo(1);
  }

  @Test
  void otherRequestsThanTheChangesetsAreSpecMismatchAndNothingIsRecorded() {
    Changeset cs = existing(SYM, Changeset.COMPLETED);
    KxChangeset r = importing("sym", cs.id(), 0, DAY);

    rig.step(r);

    assertThat(r.getStatus().getChangesetId()).isNull();
    assertThat(condition(r, "Stalled").getReason()).isEqualTo("SpecMismatch");
    assertThat(condition(r, "Stalled").getMessage())
        .contains(cs.id())
        .contains("s3://bucket/db/sym")
        .contains("spec.changeRequests");
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("False");
    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();

    // The spec is not frozen (nothing recorded): correcting the requests imports it.
    r.getSpec().setChangeRequests(SYM);
    r.getMetadata().setGeneration(2L);
    rig.step(r);
    assertThat(r.getStatus().getChangesetId()).isEqualTo(cs.id());
    assertThat(condition(r, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(r, "Stalled")).isNull();
  }

  @Test
  void anUnknownIdIsChangesetNotFoundAtOnceAndLookedAtAgainSlowly() {
    existing(SYM, Changeset.COMPLETED);
    KxChangeset r = importing("sym", "NoSuchChangeset0000001", 0, SYM);

    Outcome o = rig.step(r);

    assertThat(condition(r, "Stalled").getReason()).isEqualTo("ChangesetNotFound");
    assertThat(condition(r, "Stalled").getMessage())
        .contains("spec.changesetId NoSuchChangeset0000001")
        .contains(TRADES.toString());
    assertThat(o.requeueAfter()).contains(Duration.ofSeconds(60));
    assertThat(r.getStatus().getChangesetId()).isNull();
    assertThat(rig.finspace.calls(Operation.CREATE)).isZero();
  }

  @Test
  void aChangesetAnotherResourceRecordsIsNotImportedTwice() {
    KxChangeset made = rig.add("made", T0);
    rig.step(made);
    String id = made.getStatus().getChangesetId();
    KxChangeset copy = importing("copy", id, 1, made.getSpec().getChangeRequests());

    Outcome o = rig.step(copy);

    assertThat(condition(copy, "Stalled").getReason()).isEqualTo("DuplicateImport");
    assertThat(condition(copy, "Stalled").getMessage()).contains("recorded by kdb/made");
    assertThat(copy.getStatus().getChangesetId()).isNull();
    assertThat(o.requeueAfter()).isPresent();
    assertThat(rig.finspace.calls(Operation.CREATE)).isEqualTo(1);
  }

  @Test
  void ofTwoImportsOfOneChangesetTheFirstInQueueOrderHasIt() {
    Changeset cs = existing(SYM, Changeset.COMPLETED);
    KxChangeset first = importing("a", cs.id(), 0, SYM);
    KxChangeset second = importing("b", cs.id(), 1, SYM);

    rig.step(second);
    rig.step(first);

    assertThat(condition(second, "Stalled").getReason()).isEqualTo("DuplicateImport");
    assertThat(condition(second, "Stalled").getMessage()).contains("imported by kdb/a");
    assertThat(first.getStatus().getChangesetId()).isEqualTo(cs.id());
  }

  /**
   * Created in the same second, neither can tell whether the other read the claims before it
   * existed (ImportRaceTest): both are refused, and the one left records it once the other is gone.
   */
  @Test
  void twoImportsOfOneChangesetCreatedInOneSecondAreBothRefusedUntilOneIsDeleted() {
    Changeset cs = existing(SYM, Changeset.COMPLETED);
    KxChangeset a = importing("a", cs.id(), 0, SYM);
    KxChangeset b = importing("b", cs.id(), 0, SYM);

    rig.step(a);
    rig.step(b);

    for (KxChangeset r : List.of(a, b)) {
      assertThat(condition(r, "Stalled").getReason()).isEqualTo("DuplicateImport");
      assertThat(condition(r, "Stalled").getMessage()).contains("in the same second");
      assertThat(r.getStatus().getChangesetId()).isNull();
    }
    rig.cluster.remove(b);
    rig.step(a);
    assertThat(a.getStatus().getChangesetId()).isEqualTo(cs.id());
  }

  @Test
  void aStatusRecordingAnotherChangesetThanTheImportIsNotActedOn() {
    Changeset cs = existing(SYM, "PENDING");
    KxChangeset r = importing("sym", cs.id(), 0, SYM);
    KxChangesetStatus forged = new KxChangesetStatus();
    forged.setChangesetId("SomeOtherChangeset0001");
    forged.setStatus("PENDING");
    r.setStatus(forged);

    rig.step(r);

    assertThat(condition(r, "Stalled").getReason()).isEqualTo("InvalidStatus");
    assertThat(r.getStatus().getChangesetId()).isEqualTo("SomeOtherChangeset0001");
    assertThat(rig.finspace.calls(Operation.GET)).isZero();
  }

  @Test
  void aFailedGetOtherThanNotFoundIsRetriedAsAnyCall() {
    Changeset cs = existing(SYM, Changeset.COMPLETED);
    KxChangeset r = importing("sym", cs.id(), 0, SYM);
    rig.finspace.failNext(
        Operation.GET,
        io.kxops.operator.testing.FinSpaceErrors.of(Operation.GET, "ThrottlingException", 429));

    Outcome o = rig.step(r);

    assertThat(o.retry()).isTrue();
    assertThat(condition(r, "Reconciling").getReason()).isEqualTo("Throttled");
    rig.step(r);
    assertThat(r.getStatus().getChangesetId()).isEqualTo(cs.id());
  }
}
