/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.DatabaseRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the reconcile logic reads of other KxChangesets: those targeting the same database. */
public interface ClusterView {

  /**
   * Every KxChangeset (in any watched namespace) whose target database key is {@code databaseKey},
   * with this process's own latest status writes laid over what the watch delivered. Final ones
   * (COMPLETED, FAILED) may be missing: the operator's cache keeps only the work in flight.
   */
  List<KxChangeset> onDatabase(String databaseKey);

  /**
   * The final KxChangesets of {@code db} that {@link #onDatabase} leaves out, read at least as
   * fresh as any call of it that returned before: whatever left the view before then is here. Only
   * adoption needs them (a changeset one of them records is not another resource's); it is a read
   * of the API server, so it is not for the queue's hot path. A view that keeps final resources
   * itself returns none.
   *
   * @throws RuntimeException when they cannot be read (the caller must not decide without them)
   */
  default List<KxChangeset> finalOn(DatabaseRef db) {
    return List.of();
  }

  /**
   * The KxChangesets of {@code db}, final or not, that record {@code changesetId} in their status
   * or import it with spec.changesetId, read at least as fresh as {@link #finalOn}. An import's
   * duplicate check needs only these: a read by the id, not of the whole database's history.
   */
  default List<KxChangeset> claiming(DatabaseRef db, String changesetId) {
    List<KxChangeset> all = new ArrayList<>(onDatabase(db.key()));
    all.addAll(finalOn(db));
    return all.stream().filter(r -> claims(r, changesetId)).toList();
  }

  /** Whether {@code r} records {@code changesetId} in its status or imports it in its spec. */
  static boolean claims(KxChangeset r, String changesetId) {
    return r.getStatus() != null && changesetId.equals(r.getStatus().getChangesetId())
        || r.getSpec() != null && changesetId.equals(r.getSpec().getChangesetId());
  }

  /**
   * The KxChangeset {@code namespace/name}, final or not, at least as fresh as the view (a read of
   * the API server for one the view leaves out); empty when none exists. For spec.dependsOn, whose
   * dependencies are often final.
   *
   * @throws RuntimeException when it cannot be read (the caller must not decide without it)
   */
  Optional<KxChangeset> named(String namespace, String name);

  /**
   * Waits until this process's watch has delivered {@code written} (that version or a later one):
   * from then on the view holds every status written before it, by any process. False when {@code
   * timeout} passed first.
   */
  boolean awaitSeen(KxChangeset written, Duration timeout);
}
