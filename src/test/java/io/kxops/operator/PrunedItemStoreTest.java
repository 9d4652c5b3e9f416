/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.testing.Resources;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The informer cache keeps KxChangesets without managedFields, under the informer's keys. */
class PrunedItemStoreTest {

  @Test
  void dropsManagedFieldsAndKeysByNamespaceAndName() {
    KxChangeset r = Resources.changeset("p1", Instant.parse("2026-11-28T10:00:00Z"));
    r.getMetadata()
        .setManagedFields(
            List.of(
                new ManagedFieldsEntryBuilder()
                    .withManager("kubectl")
                    .withOperation("Apply")
                    .build()));
    PrunedItemStore store = new PrunedItemStore();
    store.put(store.getKey(r), r);

    assertThat(store.getKey(r)).isEqualTo("kdb/p1");
    assertThat(store.get("kdb/p1").getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(store.get("kdb/p1").getSpec()).isEqualTo(r.getSpec());
  }
}
