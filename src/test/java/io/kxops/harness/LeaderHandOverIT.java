/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.testkit.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Leader election between two operator JVMs (the jar users run) on a real API server: a leader
 * stopped gracefully (SIGTERM) hands its Lease over at once instead of letting the standby wait out
 * its duration, and a leader whose Lease is taken from it exits instead of reconciling beside the
 * new holder.
 */
class LeaderHandOverIT {

  /** JOSDK's default Lease duration, which the operator keeps. */
  private static final Duration LEASE = Duration.ofSeconds(15);

  private static Harness harness;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Path.of("target", "leader-handover-it").toAbsolutePath();
    Files.createDirectories(dir);
    harness = Harness.start(dir, FinSpaceEmulator.builder().requestLogCapacity(0), line -> {});
    harness.namespace("handover");
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private static OperatorProcess operator(String name) {
    Map<String, String> env = harness.operatorEnv("handover");
    env.put("LEADER_ELECTION", "true");
    OperatorProcess p = harness.operator(name, env, List.of("-Xmx128m"));
    p.start();
    p.awaitReady(Duration.ofSeconds(90));
    return p;
  }

  @Test
  void aLeaderStoppedGracefullyReleasesItsLeaseAndTheStandbyTakesOverAtOnce() throws Exception {
    OperatorProcess a = operator("handover-a");
    OperatorProcess b = operator("handover-b");
    try {
      OperatorProcess leader = harness.awaitLeader(Duration.ofSeconds(60));
      OperatorProcess standby = leader == a ? b : a;

      long t0 = System.nanoTime();
      leader.stop(30); // SIGTERM; SIGKILL only after 30 s
      double exitSeconds = (System.nanoTime() - t0) / 1e9;
      assertThat(leader.exitCode()).as("the leader's exit code after SIGTERM").isPresent();
      // A graceful stop ends in seconds, not by the SIGKILL after 30 s.
      assertThat(exitSeconds).as("seconds from SIGTERM to exit").isLessThan(15);

      OperatorProcess next = harness.awaitLeader(LEASE.multipliedBy(2));
      double takeOverSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "LeaderHandOverIT: SIGTERM to exit %.1f s, to the standby leading %.1f s%n",
          exitSeconds, takeOverSeconds);
      assertThat(next).isSameAs(standby);
      // Without the release the standby waits until the Lease expires (its duration after the
      // last renewal): the hand-over must come well before that.
      assertThat(takeOverSeconds)
          .as("seconds from SIGTERM to the standby holding the Lease")
          .isLessThan(LEASE.toSeconds() - 3);
      assertThat(Files.readString(leader.log())).contains("released the Lease");
    } finally {
      a.stop(5);
      b.stop(5);
      harness.operators().clear();
      harness.client().leases().inNamespace(Harness.LEASE_NAMESPACE).delete();
    }
  }

  @Test
  void aLeaderWhoseLeaseIsTakenExitsRatherThanReconcileBesideTheNewHolder() throws Exception {
    OperatorProcess a = operator("taken-a");
    try {
      assertThat(harness.awaitLeader(Duration.ofSeconds(60))).isSameAs(a);
      // Another holder takes the Lease (as after a partition in which a's renewals failed).
      var leases = harness.client().leases().inNamespace(Harness.LEASE_NAMESPACE);
      Lease lease = leases.withName(Harness.LEASE_NAME).get();
      ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
      leases
          .resource(
              new LeaseBuilder(lease)
                  .editSpec()
                  .withHolderIdentity("intruder")
                  .withLeaseDurationSeconds(3600)
                  .withAcquireTime(now)
                  .withRenewTime(now)
                  .endSpec()
                  .build())
          .update();

      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (a.alive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(a.alive()).as("the operator still runs after losing its Lease").isFalse();
      assertThat(a.exitCode()).isEqualTo(Optional.of(1));
      assertThat(Files.readString(a.log())).contains("lost the Lease");
      // It gave up nothing it did not hold.
      assertThat(leases.withName(Harness.LEASE_NAME).get().getSpec().getHolderIdentity())
          .isEqualTo("intruder");
    } finally {
      a.stop(5);
      harness.operators().clear();
      harness.client().leases().inNamespace(Harness.LEASE_NAMESPACE).delete();
    }
  }
}
