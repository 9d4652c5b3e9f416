/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.testing.Resources.DB;
import static io.kxops.operator.testing.Resources.ENV;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.testing.FakeCluster;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;

/**
 * The stage of the hand-written create-intent scenarios (the issue 12 reviews): one API server, one
 * FinSpace on the true clock, and operator processes ({@link Proc}) that each have their own clock,
 * watch and {@link ChangesetLogic}, and meet the faults a test arms. A process's FinSpace client
 * checks the send deadline on the process's clock when the attempt leaves, as SdkFinSpace's
 * interceptor does; FinSpace honours a client token for 10 minutes from its first use.
 */
abstract class ProtocolScenario {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef US = new DatabaseRef("us-east-1", ENV, DB);

  /** True time; FinSpace's clock. */
  MutableClock time;

  FakeFinSpace finspace;
  FakeCluster cluster;
  int limit = 1;

  /** AWS_REGION of the processes built from now on. */
  String defaultRegion = "us-east-1";

  /** ADOPT_AFTER of the processes built from now on. */
  Duration adoptAfter = Duration.ofMinutes(7);

  @BeforeEach
  void setUpStage() {
    time = new MutableClock(T0);
    finspace = new FakeFinSpace(time);
    finspace.registerDatabase(US);
    cluster = new FakeCluster(time);
  }

  /** A process died at this point: the reconciliation stops here, its memory is gone. */
  static final class Crash extends RuntimeException {
    Crash(String where) {
      super("process killed " + where);
    }
  }

  /** One operator process: its clock, its watch, its logic, and the faults it meets. */
  final class Proc implements StatusStore {
    final Clock clock;
    final FakeCluster.Process watch;
    final ChangesetLogic logic;

    /** The process dies right after it wrote a create intent, before it confirmed it. */
    boolean crashBeforeConfirm;

    /** The process dies right before it writes a changeset id (the create's answer is lost). */
    boolean crashBeforeRecord;

    /** The API server answers 500 to the status write that withdraws a create intent. */
    boolean withdrawFails;

    /** Runs once a status write of this process returned (a slow answer, a pause after it). */
    Consumer<KxChangesetStatus> afterWrite = s -> {};

    /** Runs before a create attempt's send deadline is checked (a throttled SDK attempt). */
    Runnable beforeSend = () -> {};

    /** Runs after the attempt left (its deadline checked), before it reaches FinSpace. */
    Runnable inTransit = () -> {};

    /** Runs before each GetKxChangeset reaches FinSpace (once; a slow call, a pause before it). */
    Runnable beforeGet = () -> {};

    Proc(Clock clock) {
      this.clock = clock;
      ChangesetLogic[] self = new ChangesetLogic[1];
      this.watch = cluster.process(r -> self[0].targetOf(r).key());
      this.logic =
          self[0] =
              new ChangesetLogic(
                  new FinSpace() {
                    @Override
                    public Changeset create(
                        DatabaseRef db, List<ChangeRequest> requests, String token, Instant by) {
                      beforeSend.run();
                      if (clock.instant().isAfter(by)) {
                        throw FinSpaceErrors.notSent(Operation.CREATE, "SendWindowClosed");
                      }
                      inTransit.run();
                      return finspace.create(db, requests, token, by);
                    }

                    @Override
                    public Changeset get(DatabaseRef db, String changesetId) {
                      Runnable before = beforeGet;
                      beforeGet = () -> {};
                      before.run();
                      return finspace.get(db, changesetId);
                    }

                    @Override
                    public List<ChangesetSummary> list(DatabaseRef db) {
                      return finspace.list(db);
                    }
                  },
                  new ClusterView() {
                    @Override
                    public List<KxChangeset> onDatabase(String databaseKey) {
                      return watch.onDatabase(databaseKey);
                    }

                    @Override
                    public List<KxChangeset> finalOn(DatabaseRef db) {
                      return watch.finalOn(db);
                    }

                    @Override
                    public List<KxChangeset> claiming(DatabaseRef db, String changesetId) {
                      return watch.claiming(db, changesetId);
                    }

                    @Override
                    public java.util.Optional<KxChangeset> named(String namespace, String name) {
                      return watch.named(namespace, name);
                    }

                    @Override
                    public boolean awaitSeen(KxChangeset written, Duration timeout) {
                      if (crashBeforeConfirm) {
                        throw new Crash("after writing its create intent, before confirming it");
                      }
                      return watch.awaitSeen(written, timeout);
                    }
                  },
                  clock,
                  new ChangesetLogic.Settings(
                      defaultRegion,
                      limit,
                      adoptAfter,
                      Duration.ofMinutes(10),
                      ChangesetLogic.CONFIRM_TIMEOUT),
                  new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5));
    }

    @Override
    public KxChangeset write(KxChangeset r, KxChangesetStatus next) {
      if (crashBeforeRecord && next != null && next.getChangesetId() != null) {
        throw new Crash("before the status write of the changeset id");
      }
      if (withdrawFails
          && next != null
          && next.getCreateIntent() == null
          && r.getStatus() != null
          && r.getStatus().getCreateIntent() != null) {
        throw new Crash("by a failed status write (500) of the withdrawal; JOSDK retries");
      }
      KxChangeset written = watch.write(r, next);
      Consumer<KxChangesetStatus> after = afterWrite;
      afterWrite = s -> {};
      after.accept(next);
      return written;
    }

    /** One reconciliation of the resource as this process's cache holds it now. */
    Outcome reconcile(KxChangeset r) {
      KxChangeset current = watch.cached(r.getMetadata().getUid());
      try {
        try {
          return logic.reconcile(current, this);
        } catch (ReconcileFailure e) {
          return logic.failed(e.latest(), e.failure(), this);
        }
      } catch (Crash | StaleResourceException e) {
        return null; // JOSDK retries with the resource as its cache holds it then
      }
    }
  }

  KxChangeset add(String name, Instant created, ChangeRequest... requests) {
    return cluster.create(Resources.changeset(name, created, requests));
  }

  KxChangeset now(KxChangeset r) {
    return cluster.get(r.getMetadata().getUid());
  }

  /** The changesets FinSpace runs on the database now for resources that exist. */
  List<String> inFlightOfLiveResources() {
    List<String> live = cluster.all().stream().map(r -> r.getMetadata().getUid()).toList();
    return finspace.inFlightByDatabase().getOrDefault(US.key(), List.of()).stream()
        .filter(c -> live.contains(finspace.tokenOf(c.id())))
        .map(c -> c.id() + " (token " + finspace.tokenOf(c.id()) + ")")
        .toList();
  }
}
