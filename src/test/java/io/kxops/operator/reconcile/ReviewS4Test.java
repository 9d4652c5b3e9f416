/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.testing.Resources.ENV;
import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Caller;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Adversarial review of the fourth wave (create-intent withdrawal when nothing was sent, the claim
 * set, imports waiting for an unrecorded create, and the repeat check's shared List): the findings,
 * each as a test that failed before its fix.
 */
class ReviewS4Test {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef TRADES = new DatabaseRef("us-east-1", ENV, Resources.DB);

  /** The namespace whose calls FinSpace denies: its role has no access to the database. */
  static final String DENIED = "no-access";

  MutableClock clock;
  FakeFinSpace finspace;
  List<KxChangeset> cluster;
  ChangesetLogic logic;

  /** Who each FinSpace call was made as, and which operation. */
  final List<String> calls = new ArrayList<>();

  /** Runs once right after the next read of the resources claiming a changeset id. */
  Runnable afterClaims;

  /** The next create takes effect but its answer is lost. */
  boolean loseCreateAnswer;

  final StatusStore store =
      (r, next) -> {
        r.setStatus(next);
        return r;
      };

  @BeforeEach
  void setUp() {
    clock = new MutableClock(T0);
    finspace = new FakeFinSpace(clock);
    finspace.registerDatabase(TRADES);
    cluster = new ArrayList<>();
    logic =
        new ChangesetLogic(
            new DenyingFinSpace(Caller.OPERATOR),
            new ClusterView() {
              @Override
              public List<KxChangeset> onDatabase(String key) {
                // Copies, as an informer's cache hands out: a later write does not change them.
                return cluster.stream()
                    .filter(r -> logic.targetOf(r).key().equals(key))
                    .map(io.kxops.operator.testing.FakeCluster::copy)
                    .toList();
              }

              @Override
              public java.util.Optional<KxChangeset> named(String namespace, String name) {
                return cluster.stream()
                    .filter(r -> namespace.equals(r.getMetadata().getNamespace()))
                    .filter(r -> name.equals(r.getMetadata().getName()))
                    .findFirst();
              }

              @Override
              public List<KxChangeset> claiming(DatabaseRef db, String changesetId) {
                List<KxChangeset> out = ClusterView.super.claiming(db, changesetId);
                Runnable hook = afterClaims;
                afterClaims = null;
                if (hook != null) {
                  hook.run();
                }
                return out;
              }

              @Override
              public boolean awaitSeen(KxChangeset written, Duration timeout) {
                return true;
              }
            },
            clock,
            new ChangesetLogic.Settings(
                "us-east-1",
                1,
                Duration.ofMinutes(7),
                Duration.ofMinutes(10),
                Duration.ofSeconds(1),
                Duration.ofMinutes(5)),
            new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5),
            AccessPolicies.NONE,
            new AccessCheck.Rules("finspace-access", false, Set.of()));
  }

  /** FinSpace as seen by the operator: every call of namespace {@link #DENIED} is AccessDenied. */
  final class DenyingFinSpace implements FinSpace {
    final Caller caller;

    DenyingFinSpace(Caller caller) {
      this.caller = caller;
    }

    void check(Operation op) {
      calls.add(caller.namespace() + " " + op);
      if (DENIED.equals(caller.namespace())) {
        throw FinSpaceErrors.of(op, "AccessDeniedException", 403);
      }
    }

    @Override
    public Changeset create(
        DatabaseRef db, List<ChangeRequest> requests, String token, Instant sendBy) {
      check(Operation.CREATE);
      Changeset made = finspace.create(db, requests, token, sendBy);
      if (loseCreateAnswer) {
        loseCreateAnswer = false;
        throw FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0);
      }
      return made;
    }

    @Override
    public Changeset get(DatabaseRef db, String id) {
      check(Operation.GET);
      return finspace.get(db, id);
    }

    @Override
    public List<ChangesetSummary> list(DatabaseRef db) {
      check(Operation.LIST);
      return finspace.list(db);
    }

    @Override
    public FinSpace as(Caller c) {
      return new DenyingFinSpace(c);
    }
  }

  Outcome step(KxChangeset r) {
    try {
      return logic.reconcile(r, store);
    } catch (ReconcileFailure e) {
      return logic.failed(e.latest(), e.failure(), store);
    }
  }

  KxChangeset add(String namespace, String name, Instant created) {
    KxChangeset r = Resources.changeset(name, created);
    r.getMetadata().setNamespace(namespace);
    cluster.add(r);
    return r;
  }

  /**
   * Finding 1 (today's List reuse): the repeat check's List of a database is shared by every
   * namespace. A namespace whose role may not read the database used to fail on that List, before
   * any create intent — a waiter that cannot create, which gives its turn after QUEUE_YIELD_AFTER.
   * Reusing another namespace's List, it records an intent and sends the create, which FinSpace
   * denies; an intent whose create was sent is kept, so it holds the database's slot for good and
   * every other namespace's changesets on the database wait forever.
   */
  @Test
  void aNamespaceWhoseRoleCannotReadTheDatabaseTakesNoSlotThroughAnotherNamespacesList() {
    KxChangeset a = add("kdb", "a", T0);
    step(a); // lists the database as kdb, then creates
    assertThat(a.getStatus().getChangesetId()).isNotBlank();
    clock.advance(Duration.ofSeconds(2));
    KxChangeset b = add(DENIED, "b", clock.instant()); // applied 2 s after a's List started
    KxChangeset c = add("kdb", "c", clock.instant().plusSeconds(1));
    finspace.setStatus(a.getStatus().getChangesetId(), Changeset.COMPLETED);
    step(a);

    step(b);
    boolean intentAfterFirstTry = b.getStatus().getCreateIntent() != null;

    // b keeps failing; after QUEUE_YIELD_AFTER, c (another namespace's) goes ahead of it.
    clock.advance(Duration.ofMinutes(6));
    step(b);
    step(c);
    assertThat(c.getStatus().getChangesetId())
        .as("kdb/c is created once the stuck b has given its turn (b: %s)", calls)
        .isNotBlank();
    assertThat(calls)
        .as("b's first call is its own namespace's List, made before anything is recorded")
        .contains(DENIED + " LIST")
        .doesNotContain(DENIED + " CREATE");
    assertThat(intentAfterFirstTry).as("b records no create intent").isFalse();
    assertThat(DatabaseQueue.inFlight(b)).isFalse();
  }

  /**
   * Finding 2 (today's List reuse): whether a List may be reused for a resource compares when the
   * List started, on the operator's clock, with the resource's creationTimestamp, on the API
   * server's. An operator clock ahead of the API server's widens the 10 s window by its lead; one
   * that ran ahead and was corrected (NTP after a bad boot) makes it as long as the lead: a
   * changeset another client made twenty minutes before the resource goes unseen, and the resource
   * re-runs it.
   */
  @Test
  void aListIsReusedOnlyForResourcesCreatedWithinTheWindowOnTheApiServersClock() {
    KxChangeset a = add("kdb", "a", T0); // the API server's clock: T0
    clock.advance(Duration.ofHours(1)); // the operator's clock runs an hour ahead
    step(a); // lists the database at "T0 + 1 h", then creates
    finspace.setStatus(a.getStatus().getChangesetId(), Changeset.COMPLETED);
    step(a);
    clock.advance(Duration.ofMinutes(-59)); // corrected: T0 + 1 min, as the API server's

    List<ChangeRequest> sym = List.of(ChangeRequest.put("s3://bucket/db/sym/", "/"));
    Changeset other = finspace.inject(TRADES, sym, T0.plus(Duration.ofMinutes(20)));
    finspace.setStatus(other.id(), Changeset.COMPLETED);
    clock.advance(Duration.ofMinutes(39));
    KxChangeset b = Resources.changeset("b", clock.instant(), sym.toArray(ChangeRequest[]::new));
    cluster.add(b);

    step(b);

    assertThat(b.getStatus().getChangesetId())
        .as("b repeats %s, made 20 minutes before it: nothing is created", other.id())
        .isNull();
    assertThat(b.getStatus().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Stalled");
              assertThat(c.getReason()).isEqualTo("RepeatsHistory");
              assertThat(c.getMessage()).contains(other.id());
            });
  }

  /**
   * The Lists kept per caller (finding 1's fix) count against the history cache's entry bound
   * beyond the first one, so that many namespaces checking one database do not grow it unbounded.
   */
  @Test
  void theListsOfFurtherCallersCountAgainstTheHistoryCachesBound() {
    HistoryCache cache = new HistoryCache(100, 5);
    List<ChangesetSummary> three =
        List.of(
            new ChangesetSummary("x", "COMPLETED", T0),
            new ChangesetSummary("y", "COMPLETED", T0),
            new ChangesetSummary("z", "COMPLETED", T0));
    HistoryCache.Database a = cache.of("a");
    a.digest("x", RepeatCheckTest.D);
    a.last(new Caller("one", null), new HistoryCache.Listing(T0, three));
    assertThat(a.size()).as("one List: its digests count").isEqualTo(1);
    a.last(new Caller("two", null), new HistoryCache.Listing(T0, three));
    assertThat(a.size()).as("a second caller's List counts").isEqualTo(4);
    cache.of("b").digest("w", RepeatCheckTest.D);
    a.last(new Caller("three", null), new HistoryCache.Listing(T0, three));
    cache.of("b"); // 1 + 3 + 3 + 1 = 8 > 5: a, the least recently checked, is forgotten
    assertThat(cache.databases()).isEqualTo(1);
  }

  /**
   * Finding 3 (the import's duplicate check): the resources claiming the changeset are read before
   * the resources in flight. A create whose answer is recorded between the two reads (another
   * reconcile thread of the same process, or another process) is in neither: not yet a claim in the
   * first, no longer an unrecorded create in the second. The import then records the changeset that
   * resource recorded too: one changeset mirrored by two KxChangesets. Found by the simulation's
   * import schedules (seed 15215000484, -Dsim.nearDeadline -Dsim.clockSkew=30
   * -Dsim.lostAnswerForgotten -Dsim.transit=10).
   */
  @Test
  void anImportNeverRecordsAChangesetWhoseCreateIsRecordedWhileItChecks() {
    KxChangeset p = add("kdb", "p", T0);
    loseCreateAnswer = true;
    step(p); // the create took effect; its answer was lost: p holds its intent only
    assertThat(p.getStatus().getCreateIntent()).isNotNull();
    assertThat(p.getStatus().getChangesetId()).isNull();
    Changeset made = finspace.changesets(TRADES).get(0);

    clock.advance(Duration.ofSeconds(20));
    KxChangeset r =
        Resources.changeset(
            "imported", clock.instant(), made.changeRequests().toArray(ChangeRequest[]::new));
    r.getSpec().setChangesetId(made.id());
    cluster.add(r);
    // p's retry (another thread) records the changeset right after r's claims were read.
    afterClaims = () -> step(p);

    step(r);

    assertThat(p.getStatus().getChangesetId()).isEqualTo(made.id());
    assertThat(r.getStatus() == null ? null : r.getStatus().getChangesetId())
        .as("%s is recorded by p: the import does not record it too", made.id())
        .isNull();
  }
}
