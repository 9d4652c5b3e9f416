/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.status;

import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Redaction;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Edits a condition list with metav1 semantics: {@code lastTransitionTime} moves only when a
 * condition's status flips, and every condition carries the generation it was computed from.
 */
public final class Conditions {

  /**
   * The longest condition message, in characters (metav1 allows 32 KiB; a person reads the start):
   * a SpecMismatch listing two sets of 32 requests of 2 KiB each would otherwise reach 140 KB.
   */
  public static final int MAX_MESSAGE = 2048;

  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";

  public static final String TRUE = "True";
  public static final String FALSE = "False";

  private final List<Condition> list;
  private final long generation;
  private final String now;

  private Conditions(List<Condition> existing, long generation, Instant now) {
    this.list = new ArrayList<>();
    if (existing != null) {
      existing.forEach(c -> list.add(c.copy()));
    }
    this.generation = generation;
    this.now = now.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Starts from a copy of {@code existing} (which is never modified). */
  public static Conditions from(List<Condition> existing, long generation, Instant now) {
    return new Conditions(existing, generation, now);
  }

  /** Sets a condition; keeps its lastTransitionTime unless the status changes. */
  public Conditions set(String type, String status, String reason, String message) {
    Condition old = find(list, type);
    String transition =
        old != null && status.equals(old.getStatus()) && old.getLastTransitionTime() != null
            ? old.getLastTransitionTime()
            : now;
    Condition c =
        new Condition(
            type, status, reason, Redaction.cap(message, MAX_MESSAGE), generation, transition);
    if (old == null) {
      list.add(c);
    } else {
      list.set(list.indexOf(old), c);
    }
    return this;
  }

  /** Not ready and still being worked on: Ready=False, Reconciling=True, no Stalled. */
  public Conditions progressing(String reason, String message) {
    return set(READY, FALSE, reason, message)
        .set(RECONCILING, TRUE, reason, message)
        .remove(STALLED);
  }

  /** Not ready and nothing more happens without a change: Ready=False, Stalled=True. */
  public Conditions stalled(String reason, String message) {
    return set(READY, FALSE, reason, message)
        .set(STALLED, TRUE, reason, message)
        .remove(RECONCILING);
  }

  /** Removes a condition (kstatus reads an absent Reconciling or Stalled as False). */
  public Conditions remove(String type) {
    list.removeIf(c -> type.equals(c.getType()));
    return this;
  }

  /** Refreshes observedGeneration on conditions left as they were. */
  public List<Condition> build() {
    List<Condition> out = new ArrayList<>();
    for (String type : List.of(READY, RECONCILING, STALLED)) {
      Condition c = find(list, type);
      if (c != null) {
        c.setObservedGeneration(generation);
        out.add(c);
      }
    }
    list.stream().filter(c -> !isKnown(c.getType())).forEach(out::add);
    return out;
  }

  /** The condition of {@code type}, or null. */
  public static Condition find(List<Condition> list, String type) {
    if (list == null) {
      return null;
    }
    return list.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /**
   * The Stalled condition of {@code r} when it is True with reason {@code reason}, or null: a
   * refusal already recorded (its Warning already sent).
   */
  public static Condition stalledWith(KxChangeset r, String reason) {
    Condition c = r.getStatus() == null ? null : find(r.getStatus().getConditions(), STALLED);
    return c != null && TRUE.equals(c.getStatus()) && reason.equals(c.getReason()) ? c : null;
  }

  private static boolean isKnown(String type) {
    return READY.equals(type) || RECONCILING.equals(type) || STALLED.equals(type);
  }
}
