/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.reconcile.ChangesetLogic;
import io.kxops.operator.reconcile.Intents;
import io.kxops.operator.reconcile.PollSchedule;
import io.kxops.operator.reconcile.StatusStore;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.testing.FakeCluster;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An import decided through the production view ({@link CacheClusterView}) with several watched
 * namespaces: the informer of kdb lags behind a create intent another process wrote, the one of
 * team-b delivered the import. Also what an import's reconciliation reads from the API server.
 */
class ImportViewTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef US = new DatabaseRef("us-east-1", Resources.ENV, Resources.DB);
  static final List<ChangeRequest> SYM = List.of(ChangeRequest.put("s3://bucket/db/sym", "/"));

  final MutableClock clock = new MutableClock(T0);
  final FakeFinSpace finspace = new FakeFinSpace(clock);
  final CacheClusterViewTest.FakeCache informer = new CacheClusterViewTest.FakeCache();
  final AtomicLong revision = new AtomicLong(100);

  /** The creator as the API server holds it (with its intent), and as kdb's informer holds it. */
  KxChangeset creatorNow;

  KxChangeset creatorCached;
  KxChangeset imported;
  String x;

  /** The namespace reads (LIST, NotOlderThan) and id-selected LISTs this process made. */
  final List<String> namespaceLists = new ArrayList<>();

  final List<String> selectedLists = new ArrayList<>();

  @BeforeEach
  void setUp() {
    finspace.registerDatabase(US);
    creatorCached = Resources.changeset("a", T0, SYM.toArray(ChangeRequest[]::new));
    creatorCached.getMetadata().setResourceVersion(Long.toString(revision.incrementAndGet()));
    creatorNow = FakeCluster.copy(creatorCached);
    KxChangesetStatus s = new KxChangesetStatus();
    s.setCreateIntent(Intents.of(US, creatorNow, T0));
    creatorNow.setStatus(s);
    creatorNow.getMetadata().setResourceVersion(Long.toString(revision.incrementAndGet()));
    // Another process sent a's create; its answer is not recorded.
    clock.advance(Duration.ofSeconds(1));
    x = finspace.create(US, SYM, creatorNow.getMetadata().getUid(), T0.plusSeconds(60)).id();
    clock.advance(Duration.ofSeconds(20));
    imported = Resources.changeset("imported", clock.instant(), SYM.toArray(ChangeRequest[]::new));
    imported.getMetadata().setNamespace("team-b");
    imported.getSpec().setChangesetId(x);
    imported.getMetadata().setResourceVersion(Long.toString(revision.incrementAndGet()));
    informer.put(creatorCached);
    informer.put(imported);
  }

  CacheClusterView view(List<String> namespaces) {
    CacheClusterView v =
        new CacheClusterView(
            namespaces,
            (ns, notOlderThan, selector) -> {
              namespaceLists.add(ns + "@" + notOlderThan + "?" + selector);
              return "kdb".equals(ns)
                      && CacheClusterViewTest.FreshServer.selects(selector, creatorNow)
                  ? List.of(creatorNow)
                  : List.of();
            },
            selector -> {
              selectedLists.add(selector);
              return List.of(); // nobody records or imports x but the import itself
            });
    return v;
  }

  KxChangeset reconcile(CacheClusterView v) {
    ChangesetLogic logic =
        new ChangesetLogic(
            finspace,
            v,
            clock,
            new ChangesetLogic.Settings(
                "us-east-1",
                1,
                Duration.ofMinutes(9),
                Duration.ofMinutes(10),
                Duration.ofSeconds(1)),
            new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5));
    v.attach(informer, logic::targetOf);
    KxChangeset[] last = {imported};
    StatusStore store =
        (r, next) -> {
          KxChangeset w = FakeCluster.copy(r);
          w.setStatus(next);
          w.getMetadata().setResourceVersion(Long.toString(revision.incrementAndGet()));
          v.remember(w);
          last[0] = w;
          return w;
        };
    logic.reconcile(imported, store);
    return last[0];
  }

  @Test
  void withSeveralNamespacesTheImportSeesTheIntentItsLaggingInformerHasNot() {
    KxChangeset after = reconcile(view(List.of("kdb", "team-b")));

    assertThat(after.getStatus().getChangesetId()).as("x recorded by the import").isNull();
    assertThat(Conditions.find(after.getStatus().getConditions(), Conditions.READY).getReason())
        .isEqualTo(Reasons.IMPORT_WAITING);
    // The cost of the fresh view: two LISTs of each other watched namespace, as fresh as the
    // import, selecting the resources of its database by spec and by create intent.
    String version = imported.getMetadata().getResourceVersion();
    assertThat(namespaceLists)
        .containsExactly(
            "kdb@" + version + "?" + FinalFilter.bySpec(US),
            "kdb@" + version + "?" + FinalFilter.byIntent(US));
    assertThat(selectedLists).hasSize(2); // the duplicate check by id, unchanged
    assertThat(finspace.calls(Operation.GET)).isEqualTo(1);
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(1); // a's, before the test
  }

  @Test
  void withOneWatchTheFreshViewCostsNoRead() {
    // One informer for all namespaces delivers in order: having delivered the import, it has
    // delivered a's intent too.
    informer.put(creatorNow);

    KxChangeset after = reconcile(view(List.of()));

    assertThat(Conditions.find(after.getStatus().getConditions(), Conditions.READY).getReason())
        .isEqualTo(Reasons.IMPORT_WAITING);
    assertThat(namespaceLists).isEmpty();
    assertThat(selectedLists).hasSize(2);
    assertThat(finspace.calls(Operation.GET)).isEqualTo(1);
  }
}
