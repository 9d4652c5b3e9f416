/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.ResolvedControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelectorBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.controller.CacheClusterView.FreshList;
import io.kxops.operator.controller.CacheClusterView.SelectedList;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.status.StatusMapper;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The field selector that keeps final KxChangesets (COMPLETED, FAILED) out of the operator's
 * informer, so that its memory follows the work in flight rather than history; and the selectors of
 * the reads that still need them. The CRD declares {@code .status.status}, {@code
 * .spec.environmentId}, {@code .spec.databaseName} and the create intent's environment and database
 * as selectable fields (Kubernetes 1.31+).
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
   * The final resources that may belong to {@code db}: those whose spec names its environment and
   * database, and those whose create intent does. A resource's database is its intent's target when
   * it has one, and its spec's otherwise (an import, or a resource from before intents); the two
   * differ only where an API server without the CRD's CEL freeze let a spec be edited after its
   * create. The caller keeps those whose database key is {@code db}'s (the selectors cannot name
   * the region); each resource is returned once.
   */
  public static List<KxChangeset> finalCandidates(SelectedList finals, DatabaseRef db) {
    return union(finals, List.of(bySpec(db), byIntent(db))).stream()
        .filter(r -> StatusMapper.isFinal(r.getStatus()))
        .toList();
  }

  /**
   * The resources, final or not, in any database, that record changeset {@code id} in their status
   * or import it in their spec (each once); the caller keeps those of the database.
   */
  public static List<KxChangeset> claimCandidates(SelectedList finals, String id) {
    return union(finals, byChangesetId(id));
  }

  /** The resources that record changeset {@code id} in their status, and those that import it. */
  static List<String> byChangesetId(String id) {
    return List.of("status.changesetId=" + escape(id), "spec.changesetId=" + escape(id));
  }

  /** What any of {@code selectors} selects, each resource once, in the order first read. */
  private static List<KxChangeset> union(SelectedList finals, List<String> selectors) {
    Map<String, KxChangeset> out = new LinkedHashMap<>();
    for (String selector : selectors) {
      for (KxChangeset r : finals.list(selector)) {
        out.putIfAbsent(r.getMetadata().getUid(), r);
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * The resources whose spec names {@code db}'s environment and database (final or not: one read
   * for both final statuses; the few in flight are dropped by the caller).
   */
  static String bySpec(DatabaseRef db) {
    return "spec.environmentId="
        + escape(db.environmentId())
        + ",spec.databaseName="
        + escape(db.databaseName());
  }

  /** The resources whose create intent targets {@code db}'s environment and database. */
  static String byIntent(DatabaseRef db) {
    return "status.createIntent.environmentId="
        + escape(db.environmentId())
        + ",status.createIntent.databaseName="
        + escape(db.databaseName());
  }

  /**
   * Lists what a fieldSelector selects in the watched namespaces ({@code watched} empty: all), page
   * by page.
   */
  public static SelectedList selectedList(KubernetesClient client, List<String> watched) {
    return fieldSelector -> {
      List<KxChangeset> out = new ArrayList<>();
      for (String ns : watched.isEmpty() ? Collections.<String>singletonList(null) : watched) {
        var resources = client.resources(KxChangeset.class);
        Function<ListOptions, KubernetesResourceList<KxChangeset>> scope =
            ns == null ? resources.inAnyNamespace()::list : resources.inNamespace(ns)::list;
        String next = null;
        do {
          KubernetesResourceList<KxChangeset> page =
              scope.apply(
                  new ListOptionsBuilder()
                      .withFieldSelector(fieldSelector)
                      .withLimit(500L)
                      .withContinue(next)
                      .build());
          out.addAll(page.getItems());
          next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
        } while (next != null && !next.isEmpty());
      }
      return out;
    };
  }

  /**
   * Lists the KxChangesets of a namespace at least as fresh as a resourceVersion, those a
   * fieldSelector selects (null: all), and only those not final when {@code finalLeaveCache} (the
   * informer holds no final ones either).
   */
  public static FreshList freshList(KubernetesClient client, boolean finalLeaveCache) {
    return (ns, notOlderThan, fieldSelector) ->
        client
            .resources(KxChangeset.class)
            .inNamespace(ns)
            .list(
                new ListOptionsBuilder()
                    .withResourceVersion(notOlderThan)
                    .withResourceVersionMatch("NotOlderThan")
                    .withFieldSelector(and(finalLeaveCache ? NOT_FINAL_QUERY : null, fieldSelector))
                    .build())
            .getItems();
  }

  /** Both selectors (either may be null: it selects everything). */
  static String and(String a, String b) {
    return a == null ? b : b == null ? a : a + "," + b;
  }

  /**
   * A field selector value with its separators escaped (an environment id may hold any of them).
   */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=");
  }

  /**
   * One selector naming every field the operator's selectors name (on a database and a changeset id
   * no resource has): refused unless the CRD declares each of them selectable. Selecting by status
   * alone while a confirmation's or adoption's selectors are refused made every create with several
   * watched namespaces fail its confirmation, for good.
   */
  static String everySelector() {
    DatabaseRef none = new DatabaseRef("-", "-", "-");
    List<String> all = new ArrayList<>(List.of(NOT_FINAL_QUERY, bySpec(none), byIntent(none)));
    all.addAll(byChangesetId("-"));
    return String.join(",", all);
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
   * Whether the API server selects KxChangesets by every field the operator selects them by: a CRD
   * without those selectable fields (a Kubernetes before 1.31 or with the
   * CustomResourceFieldSelectors feature off, or the CRD of an earlier release, which declared
   * {@code status.status} but not the create intent's fields) answers 400. Any other failure is
   * thrown (start-up fails and says why).
   */
  public static boolean supported(KubernetesClient client, Collection<String> namespaces) {
    var list = new ListOptionsBuilder().withFieldSelector(everySelector()).withLimit(1L).build();
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
