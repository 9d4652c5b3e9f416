/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The table of src/test/resources/access-policy/cases.yaml: what a KxAccessPolicy admits, shared by
 * the admission IT and the operator's own re-check, so that both answer the same.
 */
public record AccessPolicyCases(
    Settings settings,
    Map<String, String> users,
    Map<String, KxAccessPolicySpec> policies,
    List<Case> cases) {

  public static final String RESOURCE = "/access-policy/cases.yaml";

  /** The operator settings every case assumes. */
  public record Settings(String operatorRegion, List<String> allowedRegions) {}

  /** Who denies: the namespace's KxAccessPolicy, or the operator-wide region allow-list. */
  public enum By {
    policy,
    operator
  }

  /** One KxChangeset spec in one namespace, and the expected answer. */
  public record Case(
      String name, String namespace, KxChangesetSpec spec, boolean allowed, String field, By by) {

    /** The namespace's policy, if it has one. */
    public Optional<KxAccessPolicySpec> policy(AccessPolicyCases table) {
      return Optional.ofNullable(table.policies().get(namespace));
    }

    @Override
    public String toString() {
      return namespace + ": " + name;
    }
  }

  /** Reads the table from the test class path. */
  public static AccessPolicyCases load() {
    ObjectMapper yaml =
        new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    try (InputStream in = AccessPolicyCases.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the test class path");
      }
      return yaml.readValue(in, AccessPolicyCases.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
