/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator's side of its leader Lease: exit when it is lost, give it up on a clean stop. */
final class LeaderLease {

  private static final Logger LOG = LoggerFactory.getLogger(LeaderLease.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final String identity;
  private final Runnable exit;
  private final Clock clock;
  private final AtomicBoolean stopping = new AtomicBoolean();

  /**
   * @param exit what to do when the Lease is lost while running: end the process (it runs in a
   *     thread of its own, see {@link #lost()})
   */
  LeaderLease(
      KubernetesClient client,
      String namespace,
      String name,
      String identity,
      Runnable exit,
      Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.identity = identity;
    this.exit = exit;
    this.clock = clock;
  }

  /**
   * The callbacks for JOSDK's elector. JOSDK 5.3.2 builds its configuration with {@code
   * exitOnStopLeading=false}, so on its own a leader that lost the Lease keeps reconciling.
   */
  LeaderCallbacks callbacks() {
    return new LeaderCallbacks(() -> {}, this::lost, leader -> {});
  }

  /** Called before the operator stops: the elector's own stop then is no loss of the Lease. */
  void stopping() {
    stopping.set(true);
  }

  private void lost() {
    if (stopping.get()) {
      return;
    }
    LOG.error(
        "lost the Lease {}/{} (not renewed in time, or taken by another holder): exiting, so that"
            + " no two leaders reconcile at once",
        namespace,
        name);
    // Not in this thread: fabric8 calls back while holding its elector's lock, which the shutdown
    // hook's Operator.stop() takes too.
    Thread t = new Thread(exit, "lost-lease-exit");
    t.setDaemon(false);
    t.start();
  }

  /**
   * Clears the Lease's holder if this process still holds it, so that a standby acquires it at its
   * next try instead of after the Lease's duration. Call only once no reconciliation runs and the
   * elector has stopped renewing. The update carries the resourceVersion read, so a Lease that
   * someone else wrote meanwhile is left alone.
   *
   * @return whether the Lease was released
   */
  boolean release() {
    try {
      Lease lease = client.leases().inNamespace(namespace).withName(name).get();
      if (lease == null
          || lease.getSpec() == null
          || !identity.equals(lease.getSpec().getHolderIdentity())) {
        LOG.info("not releasing the Lease {}/{}: this process does not hold it", namespace, name);
        return false;
      }
      ZonedDateTime now = ZonedDateTime.now(clock);
      client
          .resource(
              new LeaseBuilder(lease)
                  .editSpec()
                  .withHolderIdentity(null)
                  .withLeaseDurationSeconds(1)
                  .withAcquireTime(now)
                  .withRenewTime(now)
                  .endSpec()
                  .build())
          .update();
      LOG.info("released the Lease {}/{}", namespace, name);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        LOG.info("not releasing the Lease {}/{}: it changed meanwhile", namespace, name);
      } else {
        LOG.warn(
            "cannot release the Lease {}/{} ({}): the standby takes over when it expires",
            namespace,
            name,
            e.getMessage());
      }
      return false;
    }
  }
}
