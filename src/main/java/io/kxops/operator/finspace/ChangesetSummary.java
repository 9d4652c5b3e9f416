/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.time.Instant;

/** One entry of ListKxChangesets: no change requests, so matching one needs a Get. */
public record ChangesetSummary(String id, String status, Instant createdTimestamp) {}
