/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.reconcile.Intents.CLOCK_SKEW;

import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.status.StatusMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which FinSpace changeset, if any, an earlier attempt of a resource's create made: the rules
 * adoption follows, as functions of what FinSpace lists and what the cluster records. Only a
 * changeset created after the resource's own create intent (minus {@link Intents#CLOCK_SKEW}),
 * holding the intent's requests, recorded by no other resource, and which no other resource with
 * the same pending requests could own, is the resource's.
 */
final class Adoption {

  /** The answer: a changeset, or an ambiguity a person resolves, or neither (nothing was made). */
  record Lookup(Changeset changeset, String ambiguity, boolean candidatesFinal) {
    static final Lookup NOTHING = new Lookup(null, null, false);
  }

  /**
   * Annotation a person sets on a resource Stalled with AdoptionAmbiguous: the id of the changeset
   * that is this resource's, or {@value #ADOPT_NONE} to create a new one.
   */
  static final String ADOPT_ANNOTATION = "finspace.kxops.io/adopt-changeset";

  static final String ADOPT_NONE = "none";

  private Adoption() {}

  /**
   * @param listed the intent's database as FinSpace lists it
   * @param others the other resources of the database, read after the List (a sibling whose create
   *     returned while the List ran has recorded its changeset by then)
   * @param details GetKxChangeset of one listed changeset
   */
  static Lookup lookup(
      KxChangeset r,
      CreateIntent intent,
      List<ChangesetSummary> listed,
      List<KxChangeset> others,
      Function<String, Changeset> details) {
    Instant notBefore = Instant.parse(intent.getAttemptedAt()).minus(CLOCK_SKEW);
    Set<String> claimed = claimed(others);
    List<Changeset> matches = new ArrayList<>();
    for (ChangesetSummary s : listed) {
      if (claimed.contains(s.id())
          || s.createdTimestamp() != null && s.createdTimestamp().isBefore(notBefore)) {
        continue;
      }
      Changeset cs = details.apply(s.id());
      if (intent.getRequestsDigest().equals(Intents.digest(cs.changeRequests()))) {
        matches.add(cs);
      }
    }
    if (matches.isEmpty()) {
      return Lookup.NOTHING;
    }
    List<KxChangeset> rivals =
        others.stream()
            .filter(o -> StatusMapper.hasIntent(o.getStatus()))
            .filter(o -> !StatusMapper.hasChangeset(o.getStatus()))
            .filter(
                o ->
                    intent
                        .getRequestsDigest()
                        .equals(o.getStatus().getCreateIntent().getRequestsDigest()))
            .filter(o -> matches.stream().anyMatch(cs -> couldOwn(o, cs)))
            .toList();
    if (matches.size() == 1 && rivals.isEmpty()) {
      return new Lookup(matches.get(0), null, false);
    }
    String candidates = matches.stream().map(Changeset::id).collect(Collectors.joining(", "));
    String rivalNames =
        rivals.stream()
            .map(
                o ->
                    Objects.equals(o.getMetadata().getNamespace(), r.getMetadata().getNamespace())
                        ? o.getMetadata().getName()
                        : "a KxChangeset of another namespace")
            .collect(Collectors.joining(", "));
    return new Lookup(
        null,
        "cannot tell which FinSpace changeset this resource's create made: candidates "
            + candidates
            + (rivals.isEmpty()
                ? ""
                : " (also claimable by " + rivalNames + ", which sent the same change requests)")
            + ". Set annotation "
            + ADOPT_ANNOTATION
            + " to the id of this resource's changeset, or to '"
            + ADOPT_NONE
            + "' to create a new one",
        matches.stream().allMatch(Changeset::isFinal));
  }

  /**
   * Why the changeset a person picked cannot be this resource's, or null when it can: it must hold
   * the intent's requests and be recorded or imported by none of {@code others} (the resources that
   * claim it, read by its id).
   */
  static String rejectPick(KxChangeset r, String pick, Changeset picked, List<KxChangeset> others) {
    String digest = r.getStatus().getCreateIntent().getRequestsDigest();
    String which;
    if (others.stream().anyMatch(o -> ClusterView.claims(o, picked.id()))) {
      which = "another KxChangeset already records or imports";
    } else if (!digest.equals(Intents.digest(picked.changeRequests()))) {
      which = "holds other change requests than this resource's create intent";
    } else {
      return null;
    }
    return "annotation "
        + ADOPT_ANNOTATION
        + " names changeset "
        + pick
        + ", which "
        + which
        + "; name another, or '"
        + ADOPT_NONE
        + "' to create a new one";
  }

  /** The value of the adopt annotation, or null. */
  static String pick(KxChangeset r) {
    Map<String, String> a = r.getMetadata().getAnnotations();
    String v = a == null ? null : a.get(ADOPT_ANNOTATION);
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** True when the resource waits for a person to resolve an ambiguous adoption. */
  static boolean isAmbiguous(KxChangeset r) {
    var stalled = Conditions.find(r.getStatus().getConditions(), Conditions.STALLED);
    return stalled != null
        && Conditions.TRUE.equals(stalled.getStatus())
        && (Reasons.ADOPTION_AMBIGUOUS.equals(stalled.getReason())
            || Reasons.ADOPTION_AMBIGUOUS_FINAL.equals(stalled.getReason()));
  }

  private static boolean couldOwn(KxChangeset other, Changeset cs) {
    Instant since =
        Instant.parse(other.getStatus().getCreateIntent().getAttemptedAt()).minus(CLOCK_SKEW);
    return cs.createdTimestamp() == null || !cs.createdTimestamp().isBefore(since);
  }

  private static Set<String> claimed(List<KxChangeset> others) {
    return others.stream()
        .map(o -> o.getStatus() == null ? null : o.getStatus().getChangesetId())
        .filter(Objects::nonNull)
        .collect(Collectors.toSet());
  }
}
