/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** One entry of spec.dependsOn: a KxChangeset of the same namespace that must complete first. */
@JsonClassDescription(
    "A KxChangeset of the same namespace and database that must be COMPLETED before this one is"
        + " created.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Dependency {

  /** A Kubernetes object name (DNS-1123 subdomain), as metadata.name of a KxChangeset. */
  public static final String NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  @Required
  @Size(min = 1, max = 253)
  @ValidationRule(
      value = "self.matches(r'" + NAME_PATTERN + "')",
      message =
          "name must be the metadata.name of a KxChangeset in this namespace: lower-case letters,"
              + " digits, '-' and '.', starting and ending with a letter or digit, for example"
              + " trades-2020-01-01")
  @JsonPropertyDescription(
      "metadata.name of the KxChangeset (in this namespace, on this database) that must be"
          + " COMPLETED first.")
  private String name;

  public Dependency() {}

  public Dependency(String name) {
    this.name = name;
  }

  public static Dependency on(String name) {
    return new Dependency(name);
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dependency other && Objects.equals(name, other.name);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
