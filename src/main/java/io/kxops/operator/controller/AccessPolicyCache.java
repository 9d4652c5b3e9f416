/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.kxops.operator.api.v1alpha1.KxAccessPolicy;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.reconcile.AccessPolicies;
import io.kxops.operator.status.StatusMapper;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The KxAccessPolicies the reconcile logic reads, from an informer that watches only objects of the
 * configured name (a field selector) in the operator's namespaces. A policy added, changed or
 * deleted triggers the namespace's KxChangesets that have no changeset yet: a tightened policy
 * stops their creates, a loosened one lets the Forbidden ones go on.
 */
public final class AccessPolicyCache implements AccessPolicies {

  private final String name;
  private volatile InformerEventSource<KxAccessPolicy, KxChangeset> source;

  /** Reads the policies named {@code name} (ACCESS_POLICY_NAME). */
  public AccessPolicyCache(String name) {
    this.name = name;
  }

  /** The informer event source; JOSDK starts it with the controller, before any reconciliation. */
  InformerEventSource<KxAccessPolicy, KxChangeset> eventSource(
      EventSourceContext<KxChangeset> context) {
    IndexerResourceCache<KxChangeset> primaries = context.getPrimaryCache();
    var config =
        InformerEventSourceConfiguration.from(KxAccessPolicy.class, KxChangeset.class)
            .withName("access-policies")
            .withNamespacesInheritedFromController()
            .withFieldSelector(new FieldSelector(new FieldSelector.Field("metadata.name", name)))
            .withSecondaryToPrimaryMapper(p -> notCreatedYet(primaries, p))
            .build();
    source = new InformerEventSource<>(config, context);
    return source;
  }

  @Override
  public KxAccessPolicy policyOf(String namespace) {
    var s = source;
    if (s == null) {
      // Never read "no policy" (allowed, when not required) from a cache that is not there.
      throw new IllegalStateException("the KxAccessPolicy informer is not started");
    }
    return s.get(new ResourceID(name, namespace)).orElse(null);
  }

  private static Set<ResourceID> notCreatedYet(
      IndexerResourceCache<KxChangeset> primaries, KxAccessPolicy policy) {
    return primaries
        .list(policy.getMetadata().getNamespace())
        .filter(r -> !StatusMapper.hasChangeset(r.getStatus()))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }
}
