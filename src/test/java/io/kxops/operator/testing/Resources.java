/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.testing;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
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
}
