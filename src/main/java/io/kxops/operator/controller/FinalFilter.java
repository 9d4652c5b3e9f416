/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.ResolvedControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelectorBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import java.util.Collection;

/**
 * The field selector that keeps final KxChangesets (COMPLETED, FAILED) out of the operator's
 * informer, so that its memory follows the work in flight rather than history; and the selectors of
 * the reads that still need them. The CRD declares {@code .status.status}, {@code
 * .spec.environmentId} and {@code .spec.databaseName} as selectable fields (Kubernetes 1.31+).
 */
public final class FinalFilter {

  static final String STATUS = "status.status";

  /** The informer's selector: everything that is not final. */
  public static final FieldSelector NOT_FINAL =
      new FieldSelectorBuilder()
          .withoutField(STATUS, Changeset.COMPLETED)
          .withoutField(STATUS, Changeset.FAILED)
          .build();

  /** {@link #NOT_FINAL} as a LIST's fieldSelector parameter. */
  public static final String NOT_FINAL_QUERY =
      STATUS + "!=" + Changeset.COMPLETED + "," + STATUS + "!=" + Changeset.FAILED;

  private FinalFilter() {}

  /**
   * The fieldSelector of the resources of {@code db}'s environment and database in {@code status}.
   */
  static String finalOn(String status, DatabaseRef db) {
    return STATUS
        + "="
        + status
        + ",spec.environmentId="
        + escape(db.environmentId())
        + ",spec.databaseName="
        + escape(db.databaseName());
  }

  /**
   * A field selector value with its separators escaped (an environment id may hold any of them).
   */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=");
  }

  /** {@code c} with the informer limited to resources that are not final. */
  public static ControllerConfiguration<KxChangeset> notFinal(
      ControllerConfiguration<KxChangeset> c) {
    InformerConfiguration<KxChangeset> informer =
        InformerConfiguration.builder(c.getInformerConfig())
            .withFieldSelector(NOT_FINAL)
            .buildForController();
    return new ResolvedControllerConfiguration<>(c) {
      @Override
      public InformerConfiguration<KxChangeset> getInformerConfig() {
        return informer;
      }
    };
  }

  /**
   * Whether the API server selects KxChangesets by {@code status.status}: a CRD without its
   * selectable fields (installed before them, or a Kubernetes before 1.31 or with the
   * CustomResourceFieldSelectors feature off) answers 400. Any other failure is thrown (start-up
   * fails and says why).
   */
  public static boolean supported(KubernetesClient client, Collection<String> namespaces) {
    var list = new ListOptionsBuilder().withFieldSelector(NOT_FINAL_QUERY).withLimit(1L).build();
    try {
      if (namespaces.isEmpty()) {
        client.resources(KxChangeset.class).inAnyNamespace().list(list);
      } else {
        client.resources(KxChangeset.class).inNamespace(namespaces.iterator().next()).list(list);
      }
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 400) {
        return false;
      }
      throw e;
    }
  }
}
