/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.time.Instant;
import java.util.List;

/**
 * The most changesets of one database that were ever in flight at once — created and not yet
 * COMPLETED or FAILED, by the emulator clock — with the instant it was first reached and those
 * changesets. Counted at each create (the only moment the number can rise while the clock moves
 * forward), whatever the concurrency policy: under {@code REJECT} it stays at most 1, under {@code
 * CONCURRENT} or {@code QUEUE} it shows how many a client started side by side (a queued changeset
 * is PENDING, so it is in flight).
 *
 * @param max 0 for a database without changesets
 * @param at null when {@code max} is 0
 * @param changesetIds the changesets in flight at {@code at}, in creation order
 */
public record InFlightPeak(
    String environmentId, String databaseName, int max, Instant at, List<String> changesetIds) {

  public InFlightPeak {
    changesetIds = List.copyOf(changesetIds);
  }
}
