/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.testing.FinSpaceErrors;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Final KxChangesets (COMPLETED, FAILED) leave the operator's cache (issue 17): the queue does not
 * need them, and adoption still sees the changesets they record.
 */
class FinalResourcesTest extends ProtocolScenario {

  /**
   * a's create never reached FinSpace; b, with the same requests, is created and COMPLETED, and
   * leaves the process's view. When a is resumed past ADOPT_AFTER, FinSpace lists b's changeset
   * (after a's intent, a's requests): a must see that b records it and create its own.
   */
  @Test
  void adoptionSeesTheChangesetOfAFinalResourceThatLeftTheCache() {
    limit = 2;
    KxChangeset a = add("a", T0);
    Proc p = new Proc(time);
    finspace.failNext(Operation.CREATE, FinSpaceErrors.of(Operation.CREATE, "NetworkError", 0));
    p.reconcile(a); // a's intent; its create never reached FinSpace
    KxChangeset b =
        add("b", T0.plusSeconds(1), a.getSpec().getChangeRequests().toArray(new ChangeRequest[0]));
    p.watch.catchUp();
    p.reconcile(b);
    String bs = now(b).getStatus().getChangesetId();
    assertThat(bs).isNotNull();
    finspace.setStatus(bs, Changeset.COMPLETED);
    p.watch.catchUp();
    p.reconcile(b); // b COMPLETED: the watch drops it from the view
    p.watch.catchUp();
    assertThat(now(b).getStatus().getStatus()).isEqualTo(Changeset.COMPLETED);
    assertThat(p.watch.onDatabase(US.key()))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("a");

    time.advance(Duration.ofMinutes(9).plusSeconds(30));
    p.reconcile(a);

    String as = now(a).getStatus().getChangesetId();
    assertThat(as).as("a's own changeset, not the one b records").isNotNull().isNotEqualTo(bs);
    assertThat(finspace.createdWith(a.getMetadata().getUid())).isEqualTo(1);
  }

  /** A final resource that left the view holds no slot: the next one is admitted at limit 1. */
  @Test
  void theQueueMovesOnWithoutTheFinalResources() {
    KxChangeset a = add("a", T0);
    KxChangeset b = add("b", T0.plusSeconds(1));
    Proc p = new Proc(time);
    p.reconcile(a);
    p.watch.catchUp();
    p.reconcile(b);
    assertThat(now(b).getStatus().getChangesetId()).as("b waits behind a").isNull();
    finspace.setStatus(now(a).getStatus().getChangesetId(), Changeset.COMPLETED);
    p.reconcile(a);
    p.watch.catchUp();
    assertThat(p.watch.onDatabase(US.key()))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("b");

    p.reconcile(b);

    assertThat(now(b).getStatus().getChangesetId()).isNotNull();
    assertThat(inFlightOfLiveResources()).hasSize(1);
  }
}
