/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gauge kxchangeset_leader: 1 while this process reconciles (it holds the Lease, or runs
 * without leader election), 0 while it stands by. Summed over the replicas it says whether anyone
 * leads, which the shipped PrometheusRule alerts on.
 */
final class Leadership {

  static final String METER = "kxchangeset.leader";

  private final AtomicInteger leading = new AtomicInteger();

  Leadership(MeterRegistry registry) {
    Gauge.builder(METER, leading, AtomicInteger::get)
        .description("1 while this operator process reconciles (leads), 0 while it stands by")
        // Micrometer holds a gauge's object weakly; nothing else keeps this one alive.
        .strongReference(true)
        .register(registry);
  }

  /** Without leader election: leading once the operator has started. */
  void started() {
    leading.set(1);
  }

  /** {@code inner}'s callbacks, with the gauge following the Lease first. */
  LeaderCallbacks around(LeaderCallbacks inner) {
    return new LeaderCallbacks(
        () -> {
          leading.set(1);
          inner.onStartLeading();
        },
        () -> {
          leading.set(0);
          inner.onStopLeading();
        },
        inner::onNewLeader);
  }
}
