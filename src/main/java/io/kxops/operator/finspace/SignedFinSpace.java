/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import java.time.Instant;
import java.util.List;

/** {@link SdkFinSpace}'s API with every call signed with one caller's role session. */
final class SignedFinSpace implements FinSpace {

  private final SdkFinSpace sdk;
  private final Caller caller;

  SignedFinSpace(SdkFinSpace sdk, Caller caller) {
    this.sdk = sdk;
    this.caller = caller;
  }

  @Override
  public Changeset create(
      DatabaseRef db, List<ChangeRequest> requests, String token, Instant sendBy) {
    return sdk.create(caller, db, requests, token, sendBy);
  }

  @Override
  public Changeset get(DatabaseRef db, String changesetId) {
    return sdk.get(caller, db, changesetId);
  }

  @Override
  public List<ChangesetSummary> list(DatabaseRef db) {
    return sdk.list(caller, db);
  }

  @Override
  public FinSpace as(Caller other) {
    return sdk.as(other);
  }
}
