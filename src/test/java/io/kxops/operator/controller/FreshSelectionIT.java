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
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.it.ClusterFixture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A create's confirmation with several watched namespaces, on a real API server: it reads the other
 * namespaces' resources of its database (selected by spec and by create intent), not all of their
 * resources, and still every one of them, an intent whose spec was edited since included. The size
 * is a system property so the same test measures a larger burst ({@code -Dfresh.databases=50
 * -Dfresh.perDatabase=4}; it prints what one confirmation read).
 */
class FreshSelectionIT {

  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final String REGION = "us-east-1";
  static final List<String> NAMESPACES = List.of("fresh-a", "fresh-b", "fresh-c");
  static final int DATABASES = Integer.getInteger("fresh.databases", 8);
  static final int PER_DATABASE = Integer.getInteger("fresh.perDatabase", 3);
  static final DatabaseRef TRADES = new DatabaseRef(REGION, ENV, "trades");

  @AutoClose static ClusterFixture cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = ClusterFixture.withNamespaces(NAMESPACES.toArray(String[]::new)).start();
    client = cluster.client();
    for (String ns : NAMESPACES) {
      for (int d = 0; d < DATABASES; d++) {
        String db = d == 0 ? "trades" : "db-" + d;
        for (int i = 0; i < PER_DATABASE; i++) {
          create(ns, db + "-" + i, db, db, "PENDING");
        }
      }
    }
    // Created on trades, its spec edited to another database since (an API server without the
    // CEL freeze): its changeset is on trades.
    create("fresh-b", "edited", "renamed", "trades", "PROCESSING");
    // Only its spec names trades: read as a candidate, left out (its changeset is on quotes).
    create("fresh-c", "elsewhere", "trades", "quotes", "PROCESSING");
    // Final: the informer leaves it out, and so does the confirmation.
    create("fresh-c", "done", "trades", "trades", "COMPLETED");
  }

  /** The fresh reads of the operator, counted: LISTs made and objects they returned. */
  static final class Counted implements FreshList {
    final FreshList reads;
    final AtomicInteger lists = new AtomicInteger();
    final AtomicInteger objects = new AtomicInteger();

    Counted(FreshList reads) {
      this.reads = reads;
    }

    @Override
    public List<KxChangeset> list(String namespace, String notOlderThan, String fieldSelector) {
      List<KxChangeset> out = reads.list(namespace, notOlderThan, fieldSelector);
      lists.incrementAndGet();
      objects.addAndGet(out.size());
      return out;
    }
  }

  /** A create in fresh-a confirmed on the view, as Creation does; what the view then holds. */
  static List<String> confirm(CacheClusterView view, Counted reads, String mode) {
    FakeCache own = new FakeCache();
    view.attach(own, CacheClusterViewTest::target);
    KxChangeset mine = create("fresh-a", "mine-" + mode, "trades", "trades", "PENDING");
    own.put(mine);

    assertThat(view.awaitSeen(mine, Duration.ofSeconds(10))).isTrue();
    System.out.printf(
        "FreshSelectionIT %s: one create's confirmation over %d namespaces x %d databases x %d"
            + " resources read %d objects in %d LISTs%n",
        mode, NAMESPACES.size(), DATABASES, PER_DATABASE, reads.objects.get(), reads.lists.get());
    return view.onDatabase(TRADES.key()).stream().map(r -> r.getMetadata().getName()).toList();
  }

  @Test
  void aConfirmationReadsTheOtherNamespacesResourcesOfItsDatabaseOnly() {
    Counted reads = new Counted(FinalFilter.freshList(client, true));
    CacheClusterView view =
        new CacheClusterView(NAMESPACES, reads, FinalFilter.selectedList(client, NAMESPACES));

    List<String> seen = confirm(view, reads, "selected");

    assertThat(seen)
        .contains("edited", "trades-0", "trades-" + (PER_DATABASE - 1))
        .doesNotContain("elsewhere", "done");
    // The others' resources on trades, in flight: PER_DATABASE in each of the two other namespaces,
    // the edited one and the candidate; each read at most twice (by spec, by intent).
    int ofTrades = 2 * PER_DATABASE + 2;
    assertThat(reads.objects.get()).isLessThanOrEqualTo(2 * ofTrades);
    assertThat(reads.lists.get()).isEqualTo(2 * (NAMESPACES.size() - 1));
  }

  /**
   * Where the API server has no selectable fields (Kubernetes 1.30), the confirmation reads each
   * other namespace whole, final resources included, as before.
   */
  @Test
  void withoutSelectableFieldsAConfirmationReadsTheOtherNamespacesWhole() {
    Counted reads = new Counted(FinalFilter.freshList(client, false));
    CacheClusterView view = new CacheClusterView(NAMESPACES, reads);

    List<String> seen = confirm(view, reads, "fallback");

    assertThat(seen).contains("edited", "trades-0", "done").doesNotContain("elsewhere");
    assertThat(reads.lists.get()).isEqualTo(NAMESPACES.size() - 1);
    assertThat(reads.objects.get()).isGreaterThanOrEqualTo(2 * DATABASES * PER_DATABASE + 3);
  }

  static KxChangeset create(
      String ns, String name, String specDatabase, String intentDatabase, String status) {
    KxChangesetSpec spec = new KxChangesetSpec();
    spec.setEnvironmentId(ENV);
    spec.setDatabaseName(specDatabase);
    spec.setChangeRequests(List.of(ChangeRequest.put("s3://kdb-staging/" + name + "/", "/")));
    KxChangeset r = new KxChangeset();
    r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    r.setSpec(spec);
    KxChangeset created = client.resource(r).create();
    KxChangesetStatus s = new KxChangesetStatus();
    s.setCreateIntent(
        new CreateIntent(
            REGION,
            ENV,
            intentDatabase,
            1L,
            "0".repeat(64),
            created.getMetadata().getUid(),
            "2026-12-05T00:00:00Z"));
    s.setStatus(status);
    s.setRegion(REGION);
    created.setStatus(s);
    return client.resource(created).updateStatus();
  }
}
