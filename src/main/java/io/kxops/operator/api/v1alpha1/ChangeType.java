/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

/** What a change request does, as FinSpace's ChangeType enum spells it. */
public enum ChangeType {
  /** Add or replace files at dbPath from s3Path. */
  PUT,
  /** Remove dbPath from the database. */
  DELETE
}
