/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The review of imports across namespaces: one KxChangeset records exactly one FinSpace changeset,
 * and no changeset is recorded by two, when an import ({@code spec.changesetId}) races the resource
 * that made the changeset, or another import of it, and one namespace's watch lags (with several
 * watched namespaces JOSDK runs a watch per namespace).
 */
class ImportRaceTest extends ProtocolScenario {

  static final List<ChangeRequest> SYM = List.of(ChangeRequest.put("s3://bucket/db/sym", "/"));

  /**
   * a (namespace kdb) made changeset x; its process died before recording it. The next leader's
   * watch of kdb has not delivered a's create intent yet, while its watch of team-b has delivered
   * an import of x (applied after x existed, from {@code export}). If the import trusts the lagging
   * view, it records x; then a, over the limit beside it, waits and later resends with its token
   * (FinSpace answers x: recorded twice) or, the token expired, creates its requests again.
   */
  @Test
  void anImportWaitsForACreateInAnotherNamespaceItsLaggingWatchHasNotDelivered() {
    KxChangeset a = add("a", T0);
    Proc next = new Proc(time); // a standby whose informers started before a's intent
    Proc p1 = new Proc(time);
    p1.crashBeforeRecord = true;
    p1.reconcile(a); // intent, confirmed, created; the process dies before recording it
    String x = madeBy(a);

    time.advance(Duration.ofSeconds(20));
    KxChangeset imported = importOf(x, "team-b", "imported", time.instant());
    next.watch.catchUpTo("team-b", cluster.revision()); // kdb's watch still lags
    next.reconcile(imported);
    assertThat(now(imported).getStatus().getChangesetId())
        .as("the import records x while the create of a, which made it, is unrecorded")
        .isNull();
    next.watch.catchUp();
    next.reconcile(a); // the resend with a's token: FinSpace answers x
    next.watch.catchUp();
    next.reconcile(imported);

    assertThat(now(a).getStatus().getChangesetId()).as("a made x").isEqualTo(x);
    assertThat(recording(x)).as("resources recording %s", x).hasSize(1);
    assertThat(reason(imported)).isEqualTo(Reasons.DUPLICATE_IMPORT);
  }

  /**
   * The same on an API server without the CRD's selectable fields (Kubernetes 1.30): the duplicate
   * check reads the view alone. a recorded x; the import's process has not seen that yet on its
   * watch of kdb (not even a's intent), and must not record x too.
   */
  @Test
  void withoutSelectableFieldsAnImportSeesARecordItsLaggingWatchHasNotDelivered() {
    cluster.finalLeaveCache = false;
    KxChangeset a = add("a", T0);
    Proc other = new Proc(time);
    Proc p1 = new Proc(time);
    p1.reconcile(a); // created and recorded: x is PENDING
    String x = madeBy(a);
    assertThat(now(a).getStatus().getChangesetId()).isEqualTo(x);

    time.advance(Duration.ofSeconds(20));
    KxChangeset imported = importOf(x, "team-b", "imported", time.instant());
    other.watch.catchUpTo("team-b", cluster.revision());
    other.reconcile(imported);

    assertThat(recording(x)).as("resources recording %s", x).hasSize(1);
    assertThat(reason(imported)).isEqualTo(Reasons.DUPLICATE_IMPORT);
  }

  /**
   * Two imports of one changeset applied in the same second (a manifest copied into two folders,
   * re-applied together on a rebuild), whose names sort against the order they were created in:
   * "im-b" reads the claims before "im-a" exists; "im-a", handled by another reconcile thread of
   * the same process meanwhile, sees "im-b" only as an import that sorts after it. No watch lags.
   */
  @Test
  void twoImportsOfOneChangesetAppliedInOneSecondNeverBothRecordIt() {
    Changeset cs = finspace.inject(US, SYM, T0);
    time.advance(Duration.ofSeconds(30));
    Instant second = time.instant();
    KxChangeset first = importOf(cs.id(), "kdb", "im-b", second);
    Proc p = new Proc(time);
    KxChangeset[] later = new KxChangeset[1];
    p.beforeGet =
        () -> {
          later[0] = importOf(cs.id(), "team-b", "im-a", second);
          p.watch.catchUp();
          p.reconcile(later[0]); // the other thread, start to end
        };
    p.reconcile(first);
    p.watch.catchUp();
    p.reconcile(later[0]);
    p.reconcile(first);

    assertThat(recording(cs.id())).as("resources recording %s", cs.id()).hasSize(1);
  }

  /**
   * README "Rebuilding a cluster", step 2: once a resource has status.changesetId, its id is
   * written back into spec.changesetId (the one spec edit the CRD allows after the create). The
   * resource then holds both its create intent and spec.changesetId; written back while its
   * changeset runs, it must still be polled to its end and give its database's slot up then. Found
   * by the import schedules with split watches (seed 115000264, before the import fix: the queue
   * behind it never moved).
   */
  @Test
  void anIdWrittenBackWhileTheChangesetRunsIsPolledToItsEndAndFreesTheQueue() {
    KxChangeset a = add("a", T0);
    KxChangeset b = add("b", T0.plusSeconds(1));
    Proc p = new Proc(time);
    p.reconcile(a);
    String x = now(a).getStatus().getChangesetId();
    assertThat(x).isNotNull();
    assertThat(cluster.writeBack(a.getMetadata().getUid()))
        .as("the write-back the CRD allows")
        .isTrue();
    p.watch.catchUp();
    p.reconcile(a);
    assertThat(reason(a)).as("a, written back while PENDING").isNotEqualTo("InvalidStatus");

    finspace.setStatus(x, Changeset.COMPLETED);
    p.reconcile(a);
    p.watch.catchUp();
    p.reconcile(b);

    assertThat(now(a).getStatus().getStatus()).isEqualTo(Changeset.COMPLETED);
    assertThat(reason(a)).isEqualTo("Completed");
    assertThat(now(b).getStatus().getChangesetId()).as("b, queued behind a").isNotNull();
  }

  /**
   * The review's residual: a person picks a changeset for an ambiguous adoption that an import in
   * another namespace already records, and this process's watch of that namespace has not delivered
   * the import's record (the changeset still runs, so the record is not among the final resources
   * read from the API server). The pick must be refused, not recorded a second time.
   */
  @Test
  void aPickOfAChangesetAnImportRecordsIsRefusedThoughTheWatchOfItsNamespaceLags() {
    Proc p = new Proc(time);
    KxChangeset a = add("a", T0);
    p.watch.catchUp();
    finspace.failNext(
        Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0)); // never sent
    p.reconcile(a);
    // Made before a's intent: not a candidate of a's adoption, but the same requests.
    Changeset x =
        finspace.inject(US, a.getSpec().getChangeRequests(), T0.minus(Duration.ofHours(1)));
    for (int i = 1; i <= 2; i++) {
      finspace.inject(US, a.getSpec().getChangeRequests(), T0.plus(Duration.ofMinutes(i)));
    }
    time.advance(Duration.ofMinutes(10));
    p.watch.catchUp();
    p.reconcile(a);
    assertThat(Conditions.find(now(a).getStatus().getConditions(), Conditions.STALLED).getReason())
        .isEqualTo("AdoptionAmbiguous");

    KxChangeset imported = importOf(x.id(), "team-b", "imported", time.instant());
    Proc q = new Proc(time);
    q.watch.catchUp();
    q.reconcile(imported);
    assertThat(now(imported).getStatus().getChangesetId())
        .as("%s", now(imported).getStatus().getConditions().get(0).getMessage())
        .isEqualTo(x.id());

    KxChangeset annotated = now(a); // p's watch has delivered neither the import nor its record
    annotated.getMetadata().setAnnotations(Map.of(ChangesetLogic.ADOPT_ANNOTATION, x.id()));
    p.logic.reconcile(annotated, p);

    assertThat(recording(x.id())).as("resources recording %s", x.id()).hasSize(1);
    assertThat(now(a).getStatus().getChangesetId()).isNull();
  }

  /** The changeset a's own token made. */
  private String madeBy(KxChangeset a) {
    return finspace.all().stream()
        .filter(c -> a.getMetadata().getUid().equals(finspace.tokenOf(c.id())))
        .findFirst()
        .orElseThrow()
        .id();
  }

  /** An import of {@code id} with its requests, as {@code export} prints it, applied now. */
  private KxChangeset importOf(String id, String namespace, String name, Instant created) {
    Changeset cs = finspace.all().stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    KxChangeset r =
        Resources.changeset(name, created, cs.changeRequests().toArray(new ChangeRequest[0]));
    r.getMetadata().setNamespace(namespace);
    r.getSpec().setChangesetId(id);
    return cluster.create(r);
  }

  private List<KxChangeset> recording(String id) {
    return cluster.all().stream()
        .filter(r -> r.getStatus() != null && id.equals(r.getStatus().getChangesetId()))
        .toList();
  }

  private String reason(KxChangeset r) {
    var ready = Conditions.find(now(r).getStatus().getConditions(), Conditions.READY);
    return ready == null ? null : ready.getReason();
  }
}
