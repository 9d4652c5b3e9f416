/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.reconcile.ChangesetLogic;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a KxChangeset start a reconciliation: a new generation and a deletion, as
 * JOSDK's generation-aware filter has it, and also a change of an annotation a person sets to let a
 * Stalled resource go on (a metadata change, which moves no generation). The operator's own status
 * writes start none.
 */
public final class ReconcileTriggers {

  /** The annotations a person sets to unblock a resource. */
  static final List<String> ANNOTATIONS =
      List.of(ChangesetLogic.ADOPT_ANNOTATION, ChangesetLogic.RERUN_ANNOTATION);

  private ReconcileTriggers() {}

  /** JOSDK's OnUpdateFilter, with generation awareness turned off in the controller. */
  public static boolean accept(KxChangeset updated, KxChangeset old) {
    Long now = updated.getMetadata().getGeneration();
    Long before = old.getMetadata().getGeneration();
    if (now == null || before == null || now > before) {
      return true;
    }
    if (updated.isMarkedForDeletion() && !old.isMarkedForDeletion()) {
      return true;
    }
    for (String key : ANNOTATIONS) {
      if (!Objects.equals(annotation(updated, key), annotation(old, key))) {
        return true;
      }
    }
    return false;
  }

  private static String annotation(KxChangeset r, String key) {
    Map<String, String> a = r.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
