/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

/** A FinSpace kdb database: the unit FinSpace changesets belong to, and the queue key. */
public record DatabaseRef(String region, String environmentId, String databaseName) {

  /** A stable string form, used as a cache index key and in messages. */
  public String key() {
    return region + "/" + environmentId + "/" + databaseName;
  }

  @Override
  public String toString() {
    return key();
  }
}
