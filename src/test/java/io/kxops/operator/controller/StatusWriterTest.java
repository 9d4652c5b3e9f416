/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ResourceOperations;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.reconcile.StaleResourceException;
import io.kxops.operator.testing.Resources;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one status writer: writes a changed status, and nothing when the status is equal. */
class StatusWriterTest {

  final List<KxChangeset> applied = new ArrayList<>();

  /** The API server answers 409: the resourceVersion precondition failed. */
  boolean conflict;

  final StatusWriter writer = new StatusWriter(new CacheClusterView());

  /** A Context whose only working part records status writes. */
  @SuppressWarnings("unchecked")
  Context<KxChangeset> context() {
    ResourceOperations<KxChangeset> operations =
        new ResourceOperations<>(null) {
          @Override
          public KxChangeset updatePrimaryStatus(KxChangeset patch) {
            if (conflict) {
              throw new KubernetesClientException("the object has been modified", 409, null);
            }
            applied.add(patch);
            return patch;
          }
        };
    return (Context<KxChangeset>)
        Proxy.newProxyInstance(
            Context.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) -> {
              if (method.getName().equals("resourceOperations")) {
                return operations;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  static KxChangesetStatus status(String s) {
    KxChangesetStatus st = new KxChangesetStatus();
    st.setChangesetId("Msm0c8y8XB1k8zYZFNhRug");
    st.setStatus(s);
    return st;
  }

  @Test
  void anEqualStatusIsNotWritten() {
    KxChangeset r = Resources.changeset("p1", Instant.parse("2026-11-28T10:00:00Z"));
    r.setStatus(status("PROCESSING"));
    assertThat(writer.write(context(), r, status("PROCESSING"))).isSameAs(r);
    assertThat(writer.write(context(), r, null)).isSameAs(r);
    assertThat(applied).isEmpty();
  }

  @Test
  void aChangedStatusIsWrittenOnce() {
    KxChangeset r = Resources.changeset("p1", Instant.parse("2026-11-28T10:00:00Z"));
    r.setStatus(status("PROCESSING"));
    writer.write(context(), r, status("COMPLETED"));
    assertThat(applied).hasSize(1);
    assertThat(applied.get(0).getStatus().getStatus()).isEqualTo("COMPLETED");
    assertThat(applied.get(0).getMetadata().getName()).isEqualTo("p1");
    assertThat(applied.get(0).getMetadata().getNamespace()).isEqualTo("kdb");
  }

  @Test
  void aStatusIsAppliedOnlyOnTheResourceVersionItWasComputedFrom() {
    KxChangeset r = Resources.changeset("p1", Instant.parse("2026-11-28T10:00:00Z"));
    r.getMetadata().setResourceVersion("42");
    r.setStatus(status("PROCESSING"));
    writer.write(context(), r, status("COMPLETED"));
    assertThat(applied.get(0).getMetadata().getResourceVersion())
        .as("the precondition that keeps a stale copy from erasing a recorded changesetId")
        .isEqualTo("42");

    conflict = true;
    assertThatThrownBy(() -> writer.write(context(), r, status("FAILED")))
        .isInstanceOf(StaleResourceException.class);
  }
}
