/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

/** The three FinSpace operations the emulator serves, by their wire (model) names. */
public enum Operation {
  CREATE_KX_CHANGESET("CreateKxChangeset"),
  GET_KX_CHANGESET("GetKxChangeset"),
  LIST_KX_CHANGESETS("ListKxChangesets");

  private final String wireName;

  Operation(String wireName) {
    this.wireName = wireName;
  }

  /** The operation's name in the service model, e.g. {@code CreateKxChangeset}. */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a model name ({@code CreateKxChangeset}) or a constant name ({@code
   * CREATE_KX_CHANGESET}).
   */
  public static Operation parse(String name) {
    for (Operation op : values()) {
      if (op.wireName.equalsIgnoreCase(name) || op.name().equalsIgnoreCase(name)) {
        return op;
      }
    }
    throw new IllegalArgumentException(
        "unknown operation '" + name + "' (CreateKxChangeset, GetKxChangeset, ListKxChangesets)");
  }

  @Override
  public String toString() {
    return wireName;
  }
}
