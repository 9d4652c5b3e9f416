/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Builds KxChangeset objects for tests. */
public final class Resources {

  public static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  public static final String DB = "trades";

  private Resources() {}

  public static KxChangeset changeset(String name, Instant created, ChangeRequest... requests) {
    KxChangeset r = new KxChangeset();
    r.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("kdb")
            .withUid(UUID.randomUUID().toString())
            .withGeneration(1L)
            .withCreationTimestamp(created.toString())
            .build());
    List<ChangeRequest> list =
        requests.length == 0
            ? List.of(ChangeRequest.put("s3://bucket/db/" + name + "/", "/" + name + "/"))
            : List.of(requests);
    r.setSpec(new KxChangesetSpec(ENV, DB, null, list));
    return r;
  }

  /**
   * A resource of {@code db} in {@code namespace}, putting a staging prefix of its own; unsaved.
   */
  public static KxChangeset staged(String namespace, String name, String db) {
    KxChangeset r = new KxChangeset();
    r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    r.setSpec(
        new KxChangesetSpec(
            ENV, db, null, List.of(ChangeRequest.put("s3://kdb-staging/" + name + "/", "/"))));
    return r;
  }

  /** Waits until the API server shows every one of {@code resources} COMPLETED. */
  public static void awaitCompleted(
      KubernetesClient client, List<KxChangeset> resources, Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                resources.stream()
                    .map(r -> client.resource(r).get())
                    .allMatch(
                        r ->
                            r.getStatus() != null
                                && "COMPLETED".equals(r.getStatus().getStatus())));
  }
}
