/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

/** What CreateKxChangeset does while another changeset of the same database is still in flight. */
public enum ConcurrencyPolicy {
  /** Changesets of a database run independently of each other (default). */
  CONCURRENT,
  /** A new changeset stays PENDING until the previous in-flight one of its database is final. */
  QUEUE,
  /** CreateKxChangeset fails with 409 ConflictException while one is in flight. */
  REJECT
}
