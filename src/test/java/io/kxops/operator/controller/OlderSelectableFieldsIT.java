/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.SelectableField;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.controller.CacheClusterViewTest.FakeCache;
import io.kxops.operator.it.ClusterFixture;
import io.kxops.operator.testing.Resources;
import io.kxops.testkit.ApiServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An API server whose CRD declares {@code .status.status} selectable but not every field the
 * operator selects by: the CRD of an earlier release (status, spec environment and database only,
 * before the create intent's and the changeset id's were added). The operator must take it for an
 * API server without selectable fields (cache every resource, read other namespaces whole), not
 * select by fields it refuses — a confirmation with several watched namespaces would then fail
 * every time (it fails closed: no create, but none ever).
 */
class OlderSelectableFieldsIT {

  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final List<String> NAMESPACES = List.of("older-a", "older-b");
  static final List<String> OLDER_FIELDS =
      List.of(".spec.databaseName", ".spec.environmentId", ".status.status");

  @AutoClose static ClusterFixture cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster =
        ClusterFixture.withNamespaces(NAMESPACES.toArray(String[]::new))
            .apiServer(
                () ->
                    ApiServer.start(
                        crd ->
                            crd.getSpec()
                                .getVersions()
                                .forEach(
                                    v ->
                                        v.setSelectableFields(
                                            OLDER_FIELDS.stream()
                                                .map(SelectableField::new)
                                                .toList()))))
            .emulator(e -> e.pending(Duration.ofMillis(300)).processing(Duration.ofMillis(500)))
            .operator(Map.of("WATCH_NAMESPACES", String.join(",", NAMESPACES)))
            .start();
    client = cluster.client();
  }

  @Test
  void anApiServerThatRefusesAnyOfTheOperatorsSelectorsIsOneWithoutSelectableFields() {
    assertThat(FinalFilter.supported(client, NAMESPACES)).isFalse();
    assertThat(FinalFilter.supported(client, List.of())).isFalse();
  }

  /**
   * Selected reads the API server refuses (400) are no confirmation: the create is withdrawn and
   * retried, never sent on a view that missed the other namespaces.
   */
  @Test
  void aRefusedSelectedReadIsNoConfirmation() {
    CacheClusterView selected =
        new CacheClusterView(
            NAMESPACES,
            FinalFilter.freshList(client, true),
            FinalFilter.selectedList(client, NAMESPACES));
    KxChangeset mine = create("older-a", "mine");
    FakeCache own = new FakeCache();
    selected.attach(own, CacheClusterViewTest::target);
    own.put(mine);

    assertThat(selected.awaitSeen(mine, Duration.ofSeconds(2))).isFalse();

    // What the operator runs with on this API server: whole namespaces, confirmed.
    CacheClusterView whole = new CacheClusterView(NAMESPACES, FinalFilter.freshList(client, false));
    FakeCache same = new FakeCache();
    whole.attach(same, CacheClusterViewTest::target);
    same.put(mine);
    assertThat(whole.awaitSeen(mine, Duration.ofSeconds(2))).isTrue();
  }

  /**
   * The operator on that API server (started for the class), watching both namespaces: a burst on
   * one database across them completes, one changeset per resource, one at a time (selecting by
   * every field the probe accepted, it withdrew every create for good).
   */
  @Test
  void theOperatorRunsABurstAcrossTheWatchedNamespacesOnThatApiServer() {
    FinSpaceEmulator emulator = cluster.emulator();
    emulator.registerDatabase(ENV, "burst");
    List<KxChangeset> burst = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      for (String ns : NAMESPACES) {
        burst.add(create(ns, "burst-" + i, "burst"));
      }
    }
    Resources.awaitCompleted(client, burst, Duration.ofSeconds(60));
    Map<String, List<String>> byToken = emulator.changesetsByClientToken();
    assertThat(burst).allSatisfy(r -> assertThat(byToken.get(r.getMetadata().getUid())).hasSize(1));
    assertThat(emulator.changesets(ENV, "burst")).hasSize(burst.size());
    assertThat(emulator.maxInFlight(ENV, "burst")).isEqualTo(1);
  }

  static KxChangeset create(String ns, String name) {
    return create(ns, name, "trades");
  }

  static KxChangeset create(String ns, String name, String db) {
    return client.resource(Resources.staged(ns, name, db)).create();
  }
}
