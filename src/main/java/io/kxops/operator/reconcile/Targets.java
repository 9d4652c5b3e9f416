/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.status.StatusMapper;

/** Which database a resource's changeset goes to, by its intent, its status or its spec. */
final class Targets {

  /** Database key of resources that name no database (they have no spec). */
  static final String NO_DATABASE = "-";

  private final String defaultRegion;

  Targets(String defaultRegion) {
    this.defaultRegion = defaultRegion;
  }

  /**
   * The database a resource's changeset goes to: the recorded intent's target once there is one,
   * else the region recorded with its changeset, else the spec's (region defaulting to the
   * operator's).
   */
  DatabaseRef of(KxChangeset r) {
    KxChangesetStatus s = r.getStatus();
    if (StatusMapper.hasIntent(s)) {
      return Intents.target(s.getCreateIntent());
    }
    KxChangesetSpec spec = r.getSpec();
    if (spec == null) {
      return new DatabaseRef(NO_DATABASE, NO_DATABASE, NO_DATABASE);
    }
    String region =
        StatusMapper.hasChangeset(s) && s.getRegion() != null ? s.getRegion() : specRegion(spec);
    return new DatabaseRef(region, spec.getEnvironmentId(), spec.getDatabaseName());
  }

  /**
   * The database the spec names, as {@code intent} read it: a spec without a region meant the
   * operator's default region when the intent was recorded, which the intent keeps (the operator
   * may have been restarted with another AWS_REGION since; that is no change of the spec).
   */
  static DatabaseRef ofSpec(KxChangeset r, CreateIntent intent) {
    String region = r.getSpec().getRegion();
    return new DatabaseRef(
        region == null || region.isBlank() ? intent.getRegion() : region,
        r.getSpec().getEnvironmentId(),
        r.getSpec().getDatabaseName());
  }

  private String specRegion(KxChangesetSpec spec) {
    String region = spec.getRegion();
    return region == null || region.isBlank() ? defaultRegion : region;
  }
}
