/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.ChangeType;
import io.kxops.operator.api.v1alpha1.KxAccessPolicy;
import io.kxops.operator.api.v1alpha1.KxAccessPolicySpec;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator's own check of a KxChangeset against its namespace's KxAccessPolicy and the
 * operator's ALLOWED_REGIONS, run before every create decision (admission checked the same when the
 * resource was written, but a policy may have been tightened since). Pure: spec, policy and rules
 * in, violations out.
 */
public final class AccessCheck {

  /**
   * The operator's side of the rules.
   *
   * @param policyName the name a namespace's KxAccessPolicy has (ACCESS_POLICY_NAME)
   * @param policyRequired a namespace without a policy may target nothing (ACCESS_POLICY_REQUIRED)
   * @param allowedRegions the regions any resource may target; empty: any (ALLOWED_REGIONS)
   */
  public record Rules(String policyName, boolean policyRequired, Set<String> allowedRegions) {

    /** No policy needed, every region allowed: a single-team install as before issue 19. */
    public static final Rules OPEN = new Rules("finspace-access", false, Set.of());
  }

  /** One broken rule: the field of the KxChangeset, and why (naming the policy or setting). */
  public record Violation(String field, String message) {
    @Override
    public String toString() {
      return field + ": " + message;
    }
  }

  /** How many entries of a policy list a message quotes before it abbreviates. */
  static final int QUOTED = 5;

  private AccessCheck() {}

  /**
   * The violations of {@code spec} (a KxChangeset in {@code namespace}) against {@code policy}
   * (null: the namespace has none) and {@code rules}; empty when the resource may be created.
   *
   * @param defaultRegion the operator's region, which a spec without a region targets
   */
  public static List<Violation> check(
      String namespace,
      KxChangesetSpec spec,
      KxAccessPolicy policy,
      Rules rules,
      String defaultRegion) {
    List<Violation> out = new ArrayList<>();
    boolean regionGiven = spec.getRegion() != null && !spec.getRegion().isBlank();
    String region = regionGiven ? spec.getRegion() : defaultRegion;
    String regionText =
        regionGiven ? "'" + region + "'" : "'" + region + "' (the operator's region: none is set)";
    if (!rules.allowedRegions().isEmpty() && !rules.allowedRegions().contains(region)) {
      out.add(
          new Violation(
              "spec.region",
              "region "
                  + regionText
                  + " is not among the operator's ALLOWED_REGIONS "
                  + quote(List.copyOf(rules.allowedRegions()))));
    }
    if (policy == null) {
      if (rules.policyRequired()) {
        out.add(
            new Violation(
                "metadata.namespace",
                "namespace "
                    + namespace
                    + " has no KxAccessPolicy "
                    + namespace
                    + "/"
                    + rules.policyName()
                    + ", and the operator requires one (ACCESS_POLICY_REQUIRED=true)"));
      }
      return out;
    }
    String name =
        "KxAccessPolicy "
            + policy.getMetadata().getNamespace()
            + "/"
            + policy.getMetadata().getName();
    KxAccessPolicySpec p = policy.getSpec();
    if (p == null) {
      out.add(new Violation("spec", name + " has no spec, so it allows nothing"));
      return out;
    }
    if (p.getRegions() != null && !p.getRegions().contains(region)) {
      out.add(
          new Violation(
              "spec.region",
              "region "
                  + regionText
                  + " is not among the regions "
                  + quote(p.getRegions())
                  + " of "
                  + name));
    }
    List<String> envs = nonNull(p.getEnvironmentIds());
    if (!envs.contains(spec.getEnvironmentId())) {
      out.add(
          new Violation(
              "spec.environmentId",
              "'"
                  + spec.getEnvironmentId()
                  + "' is not among the environmentIds "
                  + quote(envs)
                  + " of "
                  + name));
    }
    List<String> dbs = nonNull(p.getDatabaseNames());
    if (dbs.stream().noneMatch(d -> databaseMatches(d, spec.getDatabaseName()))) {
      out.add(
          new Violation(
              "spec.databaseName",
              "'"
                  + spec.getDatabaseName()
                  + "' matches none of the databaseNames "
                  + quote(dbs)
                  + " of "
                  + name));
    }
    List<String> prefixes = nonNull(p.getS3Prefixes());
    List<ChangeRequest> requests =
        spec.getChangeRequests() == null ? List.of() : spec.getChangeRequests();
    for (int i = 0; i < requests.size(); i++) {
      ChangeRequest c = requests.get(i);
      if (c == null || c.getChangeType() != ChangeType.PUT) {
        continue;
      }
      String field = "spec.changeRequests[" + i + "].s3Path";
      String path = c.getS3Path();
      if (prefixes.isEmpty()) {
        out.add(
            new Violation(field, name + " has no s3Prefixes, so it allows DELETE requests only"));
      } else if (path == null || prefixes.stream().noneMatch(x -> underPrefix(path, x))) {
        out.add(
            new Violation(
                field,
                "'"
                    + path
                    + "' is under none of the s3Prefixes "
                    + quote(prefixes)
                    + " of "
                    + name));
      }
    }
    return out;
  }

  /** One line for a condition message or event: every violation, field first. */
  public static String describe(List<Violation> violations) {
    return violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
  }

  /** An exact name, or a prefix followed by '*' (a lone '*' matches every name). */
  static boolean databaseMatches(String entry, String name) {
    if (entry == null || name == null) {
      return false;
    }
    if (entry.endsWith("*")) {
      return name.startsWith(entry.substring(0, entry.length() - 1));
    }
    return entry.equals(name);
  }

  /**
   * Whether {@code path} lies under {@code prefix}, on a '/' boundary: s3://b/team-a/ admits
   * s3://b/team-a/x but never s3://b/team-ab/x, also when a policy's prefix lacks its trailing '/'
   * (admission requires it; the operator does not rely on that). A path that climbs with a '.' or
   * '..' segment is outside every prefix: S3 keys are literal, but whatever resolves them later
   * must not be handed a way out of the prefix.
   */
  static boolean underPrefix(String path, String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return false;
    }
    String p = prefix.endsWith("/") ? prefix : prefix + "/";
    if (!path.startsWith(p)) {
      return false;
    }
    for (String segment : path.substring(p.length()).split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  private static List<String> nonNull(List<String> list) {
    return list == null ? List.of() : list.stream().filter(x -> x != null).toList();
  }

  /** [a, b, c] or [a, b, c, d, e, ... (12 in all)]. */
  static String quote(List<String> list) {
    if (list.isEmpty()) {
      return "[] (none)";
    }
    List<String> shown = list.stream().sorted().limit(QUOTED).toList();
    return "["
        + String.join(", ", shown)
        + (list.size() > QUOTED ? ", ... (" + list.size() + " in all)" : "")
        + "]";
  }
}
