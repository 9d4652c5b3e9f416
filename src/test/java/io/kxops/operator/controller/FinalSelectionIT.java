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
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.it.ClusterFixture;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Adoption's claim set on a real API server: the final resources of a database are selected by
 * their spec and by their create intent's target (both selectable fields of the CRD), so a final
 * resource whose spec was edited after its create (an API server without the CEL freeze) still
 * claims its changeset, and one only imported (no intent) does too.
 */
class FinalSelectionIT {

  static final String NS = "finals";
  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final DatabaseRef TRADES = new DatabaseRef("us-east-1", ENV, "trades");

  @AutoClose static ClusterFixture cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = ClusterFixture.withNamespaces(NS).start();
    client = cluster.client();
  }

  @Test
  void theFinalResourcesOfADatabaseAreSelectedByTheirSpecOrTheirIntentsTarget() {
    // Created on trades, its spec now naming another database.
    KxChangeset edited = create("edited", "renamed", "trades", "COMPLETED", "csedited");
    // Imported: no intent, its spec names trades.
    KxChangeset imported = create("imported", "trades", null, "COMPLETED", "csimported");
    // Spec names trades, but its changeset was made on another database: a candidate only (the
    // caller keeps those whose database key is trades').
    KxChangeset elsewhere = create("elsewhere", "trades", "quotes", "FAILED", "cselsewhere");
    // Not final: the informer has it; not a candidate.
    create("running", "trades", "trades", "PROCESSING", "csrunning");
    // Another database altogether.
    create("other", "quotes", "quotes", "COMPLETED", "csother");

    List<KxChangeset> candidates =
        FinalFilter.finalCandidates(FinalFilter.selectedList(client, List.of()), TRADES);

    assertThat(candidates)
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder(
            edited.getMetadata().getName(),
            imported.getMetadata().getName(),
            elsewhere.getMetadata().getName());
    // A name that needs escaping in a selector selects nothing by mistake, and fails nothing.
    assertThat(
            FinalFilter.finalCandidates(
                FinalFilter.selectedList(client, List.of(NS)),
                new DatabaseRef("us-east-1", ENV, "trades,spec.databaseName=quotes")))
        .isEmpty();
  }

  /**
   * An import's duplicate check reads only the resources naming the id: in status (recorded) or
   * spec (imported), final or not, of any database (the caller keeps its database's).
   */
  @Test
  void theResourcesClaimingAChangesetIdAreSelectedByIt() {
    create("claimed", "trades", "trades", "COMPLETED", "csclaimed");
    KxChangeset importer = new KxChangeset();
    importer.setMetadata(new ObjectMetaBuilder().withName("importer").withNamespace(NS).build());
    importer.setSpec(spec("importer", "trades"));
    importer.getSpec().setChangesetId("csclaimed");
    client.resource(importer).create();
    create("unrelated", "trades", "trades", "PROCESSING", "csunrelated");

    assertThat(
            FinalFilter.claimCandidates(FinalFilter.selectedList(client, List.of()), "csclaimed"))
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("claimed", "importer");
  }

  static KxChangesetSpec spec(String name, String database) {
    KxChangesetSpec spec = new KxChangesetSpec();
    spec.setEnvironmentId(ENV);
    spec.setDatabaseName(database);
    spec.setChangeRequests(List.of(ChangeRequest.put("s3://kdb-staging/" + name + "/", "/")));
    return spec;
  }

  static KxChangeset create(
      String name, String specDatabase, String intentDatabase, String status, String id) {
    KxChangesetSpec spec = new KxChangesetSpec();
    spec.setEnvironmentId(ENV);
    spec.setDatabaseName(specDatabase);
    spec.setChangeRequests(List.of(ChangeRequest.put("s3://kdb-staging/" + name + "/", "/")));
    KxChangeset r = new KxChangeset();
    r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    r.setSpec(spec);
    KxChangeset created = client.resource(r).create();
    KxChangesetStatus s = new KxChangesetStatus();
    if (intentDatabase != null) {
      s.setCreateIntent(
          new CreateIntent(
              "us-east-1",
              ENV,
              intentDatabase,
              1L,
              "0".repeat(64),
              created.getMetadata().getUid(),
              "2026-12-05T00:00:00Z"));
    }
    s.setChangesetId(id);
    s.setStatus(status);
    s.setRegion("us-east-1");
    created.setStatus(s);
    return client.resource(created).updateStatus();
  }
}
