/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kxops.operator.api.v1alpha1.KxChangeset;

/**
 * The informer's store of KxChangesets without {@code metadata.managedFields}: nothing in the
 * operator reads them (status is written from a fresh object), yet they were the largest part of
 * the cache — about 40 % of the live heap with 10,000 resources (docs/benchmarks.md). The
 * operator's own client already reads objects without them ({@code KubeClient}); this keeps the
 * cache the same with a client built elsewhere (the integration tests pass their own).
 */
final class PrunedItemStore extends BasicItemStore<KxChangeset> {

  PrunedItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public KxChangeset put(String key, KxChangeset obj) {
    if (obj != null && obj.getMetadata() != null) {
      obj.getMetadata().setManagedFields(null);
    }
    return super.put(key, obj);
  }
}
