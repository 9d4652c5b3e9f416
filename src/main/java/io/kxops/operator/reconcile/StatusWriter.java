/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import java.util.Objects;

/**
 * The one place status is written: a server-side apply of the whole status subresource, skipped
 * when nothing changed. JOSDK caches the result for the resource's own next reconciliation; the
 * {@link CacheClusterView} keeps it for the other changesets of the same database.
 */
public final class StatusWriter {

  private final CacheClusterView cluster;

  public StatusWriter(CacheClusterView cluster) {
    this.cluster = cluster;
  }

  /**
   * Writes {@code next} unless it equals the resource's current status; returns true if written.
   */
  public boolean write(Context<KxChangeset> context, KxChangeset resource, KxChangesetStatus next) {
    if (next == null || Objects.equals(resource.getStatus(), next)) {
      return false;
    }
    KxChangeset patch = new KxChangeset();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(resource.getMetadata().getName())
            .withNamespace(resource.getMetadata().getNamespace())
            .build());
    patch.setStatus(next);
    cluster.remember(context.resourceOperations().serverSideApplyPrimaryStatus(patch));
    return true;
  }
}
