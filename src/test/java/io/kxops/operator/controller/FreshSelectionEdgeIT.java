/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.controller.CacheClusterView.FreshList;
import io.kxops.operator.controller.CacheClusterViewTest.FakeCache;
import io.kxops.operator.it.ClusterFixture;
import io.kxops.operator.reconcile.ChangesetLogic;
import io.kxops.operator.reconcile.PollSchedule;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A create's confirmation with several watched namespaces at the edges of its selected reads, on a
 * real API server, each compared with the whole-namespace read those reads replaced: environment
 * ids holding a field selector's separators or what a URL escapes (the CRD forbids only control
 * characters), and a resource whose create intent is written between the two selected reads. The
 * database key is the operator's own ({@link ChangesetLogic#targetOf}).
 */
class FreshSelectionEdgeIT {

  static final String REGION = "us-east-1";
  static final String DB = "trades";
  static final List<String> NAMESPACES = List.of("edge-a", "edge-b", "edge-c");

  /** Visible characters all: each is a valid spec.environmentId (at most 32 characters). */
  static final List<String> ENVIRONMENTS =
      List.of(
          "a,b",
          "a=b",
          "a==b",
          "a!=b",
          "!a",
          "=a",
          "a\\b",
          "a\\,b",
          "a\\",
          "\\=",
          " lead",
          "trail ",
          "a  b",
          "a+b",
          "a&b=c",
          "a%20b",
          "a%b",
          "a#b",
          "a?b;c",
          "a/b",
          "a'b\"c",
          "ü-é-日本",
          "a\u00a0b",
          "a\u2028b",
          "a in (b)",
          "a*b|c",
          "a:b@c",
          "a\uD83D\uDE00b",
          "a\uFFFDb",
          ",,==\\\\,=!=,==\\,\\=\\\\,,==\\",
          "env-plain");

  @AutoClose static ClusterFixture cluster;
  static KubernetesClient client;
  static ChangesetLogic logic;

  @BeforeAll
  static void start() {
    cluster = ClusterFixture.withNamespaces(NAMESPACES.toArray(String[]::new)).start();
    client = cluster.client();
    MutableClock clock = new MutableClock(Instant.parse("2026-12-06T00:00:00Z"));
    logic =
        new ChangesetLogic(
            new FakeFinSpace(clock),
            new CacheClusterView(),
            clock,
            new ChangesetLogic.Settings(
                REGION, 1, Duration.ofMinutes(9), Duration.ofMinutes(10), Duration.ofSeconds(1)),
            new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5));
  }

  /**
   * For every environment id: one resource in flight by its intent, one in flight by a recorded
   * changeset without an intent (an import, or a create from before intents), and one waiting, each
   * in another namespace. The confirmation of a create on that environment's database reads all
   * three, as the whole-namespace read does, and so does an import's reconciliation (a resource
   * without an intent): a value the selector escaped wrongly would select nothing and fail open,
   * one the API server refused would never confirm.
   */
  @Test
  void environmentIdsWithSelectorSeparatorsAreReadAsTheWholeNamespaceReadReadsThem() {
    List<String> misses = new ArrayList<>();
    for (int k = 0; k < ENVIRONMENTS.size(); k++) {
      String env = ENVIRONMENTS.get(k);
      create("edge-b", "intent-" + k, env, intent(env), "PENDING", null);
      create("edge-c", "recorded-" + k, env, null, "PROCESSING", "cs" + k);
      create("edge-c", "waiting-" + k, env, null, null, null);
      // Final: neither read counts it.
      create("edge-b", "done-" + k, env, intent(env), "COMPLETED", "csdone" + k);
    }
    for (int k = 0; k < ENVIRONMENTS.size(); k++) {
      String env = ENVIRONMENTS.get(k);
      KxChangeset mine = create("edge-a", "mine-" + k, env, intent(env), "PENDING", null);
      Set<String> selected = confirmed(selectedView(), mine);
      Set<String> whole = confirmed(wholeView(), mine);
      Set<String> expected = Set.of("mine-" + k, "intent-" + k, "recorded-" + k, "waiting-" + k);
      if (!whole.equals(expected) || !selected.equals(whole)) {
        misses.add("[" + env + "] selected " + selected + ", whole " + whole);
      }
      // An import's reconciliation reads the others the same way (no intent: its spec's target).
      KxChangeset imported = create("edge-a", "import-" + k, env, null, null, null, "imp" + k);
      Set<String> importSelected = confirmed(selectedView(), imported);
      Set<String> importWhole = confirmed(wholeView(), imported);
      Set<String> importExpected =
          Set.of("import-" + k, "intent-" + k, "recorded-" + k, "waiting-" + k);
      if (!importWhole.equals(importExpected) || !importSelected.equals(importWhole)) {
        misses.add("[" + env + "] import: selected " + importSelected + ", whole " + importWhole);
      }
    }
    assertThat(misses).isEmpty();
  }

  /**
   * A waiting resource of another namespace whose create intent is written between the two selected
   * reads (by spec, then by intent), and the second read answers after that write: the first reads
   * it waiting, the second in flight, and the view keeps the newer. Were the reads in the other
   * order, the first would miss it and the second read it by its spec, which names the database as
   * its intent does.
   */
  @Test
  void anIntentWrittenBetweenTheTwoSelectedReadsIsRead() {
    String env = "moving";
    KxChangeset mover = create("edge-b", "mover", env, null, null, null);
    KxChangeset mine = create("edge-a", "mine-mover", env, intent(env), "PENDING", null);
    AtomicBoolean moved = new AtomicBoolean();
    List<String> reads = new ArrayList<>();
    FreshList real = FinalFilter.freshList(client, true);
    FreshList between =
        (ns, notOlderThan, selector) -> {
          List<KxChangeset> out = real.list(ns, notOlderThan, selector);
          reads.add(ns + " " + selector + " " + names(out));
          if ("edge-b".equals(ns) && moved.compareAndSet(false, true)) {
            KxChangeset intended = writeStatus(mover, intent(env), "PENDING", null);
            // The next read need only be as fresh as mine (NotOlderThan), so it may still answer
            // from before this write (then the first read's copy, waiting, is what the view has:
            // mover's own confirmation, later than mine, sees mine). Made fresh enough here, it
            // must find mover by its intent.
            real.list(ns, intended.getMetadata().getResourceVersion(), null);
          }
          return out;
        };
    CacheClusterView view =
        new CacheClusterView(NAMESPACES, between, FinalFilter.selectedList(client, NAMESPACES));

    Set<String> seen = confirmed(view, mine);

    assertThat(moved).isTrue();
    assertThat(reads)
        .anySatisfy(r -> assertThat(r).startsWith("edge-b spec.").endsWith("[mover]"))
        .anySatisfy(r -> assertThat(r).startsWith("edge-b status.").endsWith("[mover]"));
    assertThat(seen).contains("mover");
    assertThat(
            view.onDatabase(logic.targetOf(mine).key()).stream()
                .filter(r -> "mover".equals(r.getMetadata().getName()))
                .map(r -> r.getStatus() == null ? null : r.getStatus().getCreateIntent()))
        .singleElement()
        .isNotNull();
  }

  static CacheClusterView selectedView() {
    return new CacheClusterView(
        NAMESPACES,
        FinalFilter.freshList(client, true),
        FinalFilter.selectedList(client, NAMESPACES));
  }

  /** The same reads of what is not final, each other namespace whole (no selectable fields). */
  static CacheClusterView wholeView() {
    return new CacheClusterView(NAMESPACES, FinalFilter.freshList(client, true));
  }

  /** Confirms {@code mine} as Creation does; the names the view then holds on its database. */
  static Set<String> confirmed(CacheClusterView view, KxChangeset mine) {
    FakeCache own = new FakeCache();
    view.attach(own, logic::targetOf);
    own.put(mine);
    assertThat(view.awaitSeen(mine, Duration.ofSeconds(10)))
        .as("confirmation of %s", mine.getSpec().getEnvironmentId())
        .isTrue();
    return view.onDatabase(logic.targetOf(mine).key()).stream()
        .map(r -> r.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  static List<String> names(List<KxChangeset> rs) {
    return rs.stream().map(r -> r.getMetadata().getName()).toList();
  }

  static CreateIntent intent(String env) {
    return new CreateIntent(
        REGION, env, DB, 1L, "0".repeat(64), "set-on-write", "2026-12-06T00:00:00Z");
  }

  /** A resource on {@code env}'s trades; a status when {@code intent} or {@code status} is set. */
  static KxChangeset create(
      String ns, String name, String env, CreateIntent intent, String status, String changesetId) {
    return create(ns, name, env, intent, status, changesetId, null);
  }

  /** ... importing changeset {@code imports} when it is not null. */
  static KxChangeset create(
      String ns,
      String name,
      String env,
      CreateIntent intent,
      String status,
      String changesetId,
      String imports) {
    KxChangesetSpec spec = new KxChangesetSpec();
    spec.setChangesetId(imports);
    spec.setEnvironmentId(env);
    spec.setDatabaseName(DB);
    spec.setChangeRequests(List.of(ChangeRequest.put("s3://kdb-staging/" + name + "/", "/")));
    KxChangeset r = new KxChangeset();
    r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    r.setSpec(spec);
    KxChangeset created = client.resource(r).create();
    return intent == null && status == null
        ? created
        : writeStatus(created, intent, status, changesetId);
  }

  static KxChangeset writeStatus(
      KxChangeset r, CreateIntent intent, String status, String changesetId) {
    KxChangeset current =
        client
            .resources(KxChangeset.class)
            .inNamespace(r.getMetadata().getNamespace())
            .withName(r.getMetadata().getName())
            .get();
    KxChangesetStatus s = new KxChangesetStatus();
    if (intent != null) {
      intent.setClientToken(current.getMetadata().getUid());
      s.setCreateIntent(intent);
    }
    s.setStatus(status);
    s.setChangesetId(changesetId);
    s.setRegion(REGION);
    current.setStatus(s);
    return client.resource(current).updateStatus();
  }
}
