/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.StatusMapper;
import io.kxops.operator.testing.FakeCluster;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A seeded, deterministic search of the interleavings of the reconcile logic: several operator
 * processes (each one reconcile at a time, like a JOSDK worker holding the database's admission
 * lock) run against one in-memory API server and one in-memory FinSpace. Every call a
 * reconciliation makes to them is a point where the schedule may switch to another process, where
 * the call may fail before or after it took effect, or where the process may crash. Watches lag,
 * status writes fail, users create, edit, delete and re-create resources with identical requests,
 * and FinSpace's clock jumps past the client token's lifetime.
 *
 * <p>After every step: no resource has more than one FinSpace changeset; no database runs more than
 * the limit of changesets of live resources; no changeset is recorded by two resources; a recorded
 * changeset is the one the resource's own token made. At every admission (a fresh create intent),
 * on the view the process decided on: fewer than the limit were in flight, every resource holding
 * an intent among them; and no waiter that could still create was passed — a waiter is passed only
 * once it has been unable to create for QUEUE_YIELD_AFTER (some resources' creates are refused with
 * a 404 while the faults last, {@code -Dsim.refusals=P} percent of them). At the end, with the
 * faults off, every resource is COMPLETED, FAILED or Stalled with a reason. A failing schedule
 * prints its seed; replay it with {@code -Dsim.seed=N}. More schedules: {@code -Dsim.schedules=N}.
 */
class ReconcileSimulationTest {

  static final int SCHEDULES = Integer.getInteger("sim.schedules", 200);
  static final int STEPS = Integer.getInteger("sim.steps", 400);

  /** Added to every schedule's seed: {@code -Dsim.seedBase=N} sweeps schedules CI never runs. */
  static final long SEED_BASE = Long.getLong("sim.seedBase", 0L);

  /** {@code -Dsim.keepGoing=true}: run every schedule and list all that broke a promise. */
  static final boolean KEEP_GOING = Boolean.getBoolean("sim.keepGoing");

  /**
   * {@code -Dsim.clockSkew=S}: each operator process's clock is off by up to S seconds either way
   * (FinSpace's by up to 30 s). Off by default: the schedules CI runs stay as they are.
   */
  static final int CLOCK_SKEW_S = Integer.getInteger("sim.clockSkew", 0);

  /** How far FinSpace's clock is off, at most, either way. */
  static final int FINSPACE_SKEW_S = 30;

  static {
    // The protocol assumes an operator's and FinSpace's clocks differ by at most CLOCK_SKEW: a
    // schedule beyond it breaks what no implementation can keep, so it is refused, not run.
    long allowed = ChangesetLogic.CLOCK_SKEW.toSeconds() - FINSPACE_SKEW_S;
    if (CLOCK_SKEW_S < 0 || CLOCK_SKEW_S > allowed) {
      throw new IllegalArgumentException(
          "-Dsim.clockSkew="
              + CLOCK_SKEW_S
              + ": with FinSpace's clock off by up to "
              + FINSPACE_SKEW_S
              + " s, two clocks may differ by more than the "
              + ChangesetLogic.CLOCK_SKEW.toSeconds()
              + " s the protocol assumes (CLOCK_SKEW); at most "
              + allowed);
    }
  }

  /**
   * {@code -Dsim.sendDelay=S}: a CreateKxChangeset may reach FinSpace up to S seconds after the
   * logic called it (throttled SDK attempts inside its 60 s call timeout, a pause). Off by default.
   */
  static final int SEND_DELAY_S = Integer.getInteger("sim.sendDelay", 0);

  /**
   * {@code -Dsim.lostAnswerForgotten=true}: a status write whose answer is lost is not laid over
   * the process's view (as in CacheClusterView, which remembers only answers it received). Off by
   * default: CI's schedules stay as they are.
   */
  static final boolean LOST_ANSWER_NOT_REMEMBERED = Boolean.getBoolean("sim.lostAnswerForgotten");

  /**
   * {@code -Dsim.nearDeadline=true}: now and then time jumps, even while reconciliations are paused
   * mid-way (a frozen process), to within seconds of a create intent's fresh window, its send
   * deadline, or the point where another intent may go ahead of it; or by 11 minutes. Off by
   * default: CI's schedules stay as they are.
   */
  static final boolean NEAR_DEADLINE = Boolean.getBoolean("sim.nearDeadline");

  /**
   * {@code -Dsim.transit=S}: a create attempt that left before its send deadline may take up to S
   * seconds to reach FinSpace, and other processes act meanwhile. Off by default.
   */
  static final int TRANSIT_S = Integer.getInteger("sim.transit", 0);

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

  /** QUEUE_YIELD_AFTER of every process ({@code -Dsim.yieldAfter=S} seconds). */
  static final Duration YIELD_AFTER = Duration.ofSeconds(Integer.getInteger("sim.yieldAfter", 60));

  /**
   * Percent of resources whose creates FinSpace refuses (404, nothing made) while the faults last
   * ({@code -Dsim.refusals=P}): they cannot create, so the queue must pass them after the bound.
   */
  static final int REFUSALS = Integer.getInteger("sim.refusals", 15);

  /** ADOPT_AFTER of every process ({@code -Dsim.adoptAfter=S} seconds; 9 min by default). */
  static final Duration ADOPT_AFTER = Duration.ofSeconds(Integer.getInteger("sim.adoptAfter", 540));

  /**
   * Percent of new resources that name others in spec.dependsOn ({@code -Dsim.dependsOn=P}): one or
   * two live resources, mostly of the same database; in a burst, each one names the one applied
   * after it (a chain applied in reverse). Drawn apart from the schedule's own choices.
   */
  static final int DEPENDS_ON = Integer.getInteger("sim.dependsOn", 30);

  /**
   * Percent of user actions that apply an import ({@code spec.changesetId}) of a changeset FinSpace
   * holds — another client's, a deleted resource's orphan, or one a live resource's create made
   * whose answer may not be recorded yet ({@code -Dsim.imports=P}). Off in the main sweep (CI's
   * schedules stay as they are); {@link #importsNeverShareAChangeset} runs it on.
   */
  static final int IMPORTS = Integer.getInteger("sim.imports", 0);

  /**
   * {@code -Dsim.splitWatches=true}: the schedules of the main sweep also run as {@link
   * #importsNeverShareAChangeset} does, with two namespaces each on a watch of its own (see {@link
   * Sim#split}). Off by default: CI's schedules stay as they are.
   */
  static final boolean SPLIT_WATCHES = Boolean.getBoolean("sim.splitWatches");

  static final String ENV = Resources.ENV;
  static final List<List<ChangeRequest>> REQUEST_POOL =
      List.of(
          List.of(ChangeRequest.put("s3://bucket/db/sym", "/")),
          List.of(ChangeRequest.put("s3://bucket/db/2020.01.02/", "/2020.01.02/")),
          List.of(
              ChangeRequest.delete("/2020.01.01/"),
              ChangeRequest.put("s3://bucket/db/2020.01.01/", "/2020.01.01/")));

  /**
   * Schedules a wider sweep ({@code -Dsim.schedules=3000 -Dsim.seedBase=5000000000}) found breaking
   * a promise, replayed on every run. 5082000263 (limit 2): a process whose watch lags adopts the
   * changeset a live rival with the same requests just created and recorded (see
   * Issue12ReviewTest#adoptionNeverTakesTheChangesetOfARivalThisProcessHasNotSeenYet).
   */
  @Test
  void schedulesFoundByTheReviewSweep() {
    for (long seed : new long[] {5_082_000_263L, 5_330_001_007L, 5_333_001_016L}) {
      Sim sim = new Sim(seed, 0, 0); // as they were found: no refused creates, no dependsOn
      runSchedule(sim, seed, "", "", null);
    }
  }

  @Test
  void noScheduleBreaksEitherPromise() {
    Long only = Long.getLong("sim.seed");
    List<String> broken = new ArrayList<>();
    long steps = 0;
    long orphans = 0;
    long admissions = 0;
    long passed = 0;
    long dependants = 0;
    long dependantAdmissions = 0;
    for (int i = 0; i < (only == null ? SCHEDULES : 1); i++) {
      long seed = only == null ? SEED_BASE + 1_000_003L * i + 17 : only;
      Sim sim = new Sim(seed, REFUSALS, DEPENDS_ON);
      sim.splitWatches(SPLIT_WATCHES);
      String replay = " (replay: mvn test -Dtest=ReconcileSimulationTest -Dsim.seed=" + seed + ")";
      if (runSchedule(sim, seed, "", replay, KEEP_GOING ? broken : null)) {
        steps += sim.step;
        orphans += sim.orphansAdopted.size();
        admissions += sim.admissions;
        passed += sim.passedStuck;
        dependants += sim.dependants;
        dependantAdmissions += sim.dependantAdmissions;
      }
    }
    System.out.printf(
        "simulation: %d schedules (seed base %d), %d steps, %d orphans of deleted resources"
            + " adopted, %d admissions, %d of them past a waiter stuck for the bound, %d resources"
            + " with dependsOn (%d admitted)%n",
        only == null ? SCHEDULES : 1,
        SEED_BASE,
        steps,
        orphans,
        admissions,
        passed,
        dependants,
        dependantAdmissions);
    assertThat(broken).as("schedules that broke a promise").isEmpty();
    assertThat(steps).isPositive();
    if (only == null && DEPENDS_ON > 0 && SCHEDULES >= 50) {
      assertThat(dependantAdmissions)
          .as("dependants admitted once their dependencies COMPLETED: the rule was exercised")
          .isPositive();
    }
    if (only == null && REFUSALS > 0 && SCHEDULES >= 50) {
      assertThat(passed)
          .as("admissions that passed a stuck waiter: the rule was exercised")
          .isPositive();
    }
  }

  /**
   * The same schedules with REFUSE_REPEATED_HISTORY on in every process: both promises hold, a
   * refused resource holds no turn (the admission oracle leaves it out of the waiters), every
   * resource still ends, and no create is sent for requests a changeset made before the resource
   * holds ({@code Sim#checkNoRepeat}).
   */
  @Test
  void repeatsOfHistoryAreNeverCreated() {
    int schedules = Integer.getInteger("sim.repeatSchedules", 40);
    long steps = 0;
    long refusedRepeats = 0;
    for (int i = 0; i < schedules; i++) {
      long seed = SEED_BASE + 7_000_009L * i + 3;
      Sim sim = new Sim(seed, REFUSALS, 0, true);
      runSchedule(sim, seed, " (REFUSE_REPEATED_HISTORY on)", "", null);
      steps += sim.step;
      refusedRepeats += sim.cluster.all().stream().filter(Sim::refusedRepeat).count();
    }
    System.out.printf(
        "simulation with repeats refused: %d schedules, %d steps, %d resources refused%n",
        schedules, steps, refusedRepeats);
    assertThat(refusedRepeats)
        .as("resources refused as repeats: the rule was exercised")
        .isPositive();
  }

  /**
   * The same schedules with users also importing changesets FinSpace holds (spec.changesetId),
   * among them ones a live resource's create made whose answer is not recorded yet: both promises
   * hold, no changeset is recorded by two resources, and no import records a changeset a live
   * resource's create made (the checks of {@code Sim#check}). {@code -Dsim.importSchedules=N}.
   */
  @Test
  void importsNeverShareAChangeset() {
    int schedules = Integer.getInteger("sim.importSchedules", 40);
    long steps = 0;
    long imports = 0;
    long recorded = 0;
    long writeBacks = 0;
    long otherNamespace = 0;
    for (int i = 0; i < schedules; i++) {
      long seed = SEED_BASE + 5_000_011L * i + 11;
      Sim sim = new Sim(seed, REFUSALS, 0);
      sim.importPercent = IMPORTS > 0 ? IMPORTS : 30;
      sim.splitWatches(!"false".equals(System.getProperty("sim.importSplit")));
      String replay = " (replay: -Dsim.importSchedules=1 -Dsim.seedBase=" + (seed - 11) + ")";
      runSchedule(sim, seed, " (imports)", replay, null);
      steps += sim.step;
      imports += sim.imports;
      writeBacks += sim.writeBacks;
      otherNamespace +=
          sim.cluster.all().stream()
              .filter(r -> "team-b".equals(r.getMetadata().getNamespace()))
              .filter(r -> r.getStatus() != null && r.getStatus().getChangesetId() != null)
              .count();
      recorded +=
          sim.cluster.all().stream()
              .filter(r -> r.getSpec() != null && r.getSpec().getChangesetId() != null)
              .filter(r -> r.getStatus() != null && r.getStatus().getChangesetId() != null)
              .count();
    }
    System.out.printf(
        "simulation with imports: %d schedules (seed base %d), %d steps, %d imports applied, %d"
            + " recorded (%d in team-b at the end), %d write-backs of status.changesetId%n",
        schedules, SEED_BASE, steps, imports, recorded, otherNamespace, writeBacks);
    if (schedules >= 20) {
      assertThat(recorded).as("imports recorded: the path was exercised").isPositive();
    }
  }

  /**
   * Runs one schedule of a sweep to its end, then stops its processes. A broken promise fails the
   * sweep with the seed, the step, {@code variant} (which sweep), {@code replay} (how to run it
   * again) and the trace's last {@code -Dsim.trace} steps; or, where {@code broken} is given
   * ({@code -Dsim.keepGoing}), is listed there and the sweep goes on. Whether the schedule held.
   * The caller tallies after the stop: on a schedule that held every worker has ended, so the stop
   * only forgets the processes' memory and changes none of the counts.
   */
  static boolean runSchedule(
      Sim sim, long seed, String variant, String replay, List<String> broken) {
    try {
      sim.run();
      return true;
    } catch (AssertionError | RuntimeException e) {
      if (broken == null) {
        int tail = Integer.getInteger("sim.trace", 40);
        throw new AssertionError(
            "schedule with seed "
                + seed
                + variant
                + " broke a promise at step "
                + sim.step
                + replay
                + "\n"
                + String.join(
                    "\n",
                    sim.trace.subList(Math.max(0, sim.trace.size() - tail), sim.trace.size())),
            e);
      }
      String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      broken.add(seed + " (step " + sim.step + "): " + first);
      System.out.println("sweep: seed " + seed + " broke a promise: " + first);
      return false;
    } finally {
      sim.stop();
    }
  }

  /** A process died at a yield point: its worker unwinds and its memory is gone. */
  static final class Crash extends RuntimeException {
    Crash() {
      super(null, null, false, false);
    }
  }

  static final class Sim {
    final Random rnd;
    final MutableClock clock = new MutableClock(T0);
    final MutableClock finspaceClock = new MutableClock(T0);
    final FakeFinSpace finspace = new FakeFinSpace(finspaceClock);
    final Random uidSource;
    final FakeCluster cluster;
    final int limit;
    final List<DatabaseRef> databases =
        List.of(
            new DatabaseRef("us-east-1", ENV, "trades"),
            new DatabaseRef("us-east-1", ENV, "quotes"),
            new DatabaseRef("eu-west-1", ENV, "trades"));
    final List<Proc> procs = new ArrayList<>();
    final Set<String> everCreatedUids = new HashSet<>();
    final List<String> trace = new ArrayList<>();
    boolean faults = true;
    final Set<String> orphansAdopted = new HashSet<>();
    int step;
    int names;

    /** Uids whose creates FinSpace refuses while the faults last; drawn apart from {@link #rnd}. */
    final Set<String> refused = new HashSet<>();

    final Random refusals;
    final int refusalPercent;
    long admissions;
    long passedStuck;

    /**
     * REFUSE_REPEATED_HISTORY of every process. Off in the main sweep: its subject is the create
     * protocol under races, and its resources draw their requests from a pool of three on purpose,
     * which the check would mostly refuse. {@link #repeatsOfHistoryAreNeverCreated} runs it on.
     */
    final boolean refuseRepeats;

    /** Draws the dependsOn of new resources, apart from {@link #rnd}. */
    final Random dependsOn;

    final int dependsOnPercent;

    /** namespace/name of every resource seen COMPLETED so far (a dependant may then create). */
    final Set<String> completedNames = new HashSet<>();

    long dependants;
    long dependantAdmissions;

    Sim(long seed, int refusalPercent, int dependsOnPercent) {
      this(seed, refusalPercent, dependsOnPercent, false);
    }

    /** Percent of user actions that apply an import (see {@link #IMPORTS}). */
    int importPercent = IMPORTS;

    long imports;

    /**
     * Two namespaces, each on a watch of its own in every process (as JOSDK runs them with several
     * watched namespaces): imports go to kdb or team-b, and a watch may deliver one namespace while
     * the other lags. Also, per schedule: an API server without the CEL freeze (a quarter), or
     * without the selectable fields, final resources then staying in the cache and claims read from
     * the view (a third); imports re-applied under the same name after a delete, changesetId edits,
     * and the GitOps write-back of status.changesetId. Drawn apart from {@link #rnd}.
     */
    boolean split;

    Random splitRandom;

    long writeBacks;

    void splitWatches(boolean on) {
      split = on;
      if (on) {
        splitRandom = new Random(seed * 13 + 5);
        cluster.freezeSpec = splitRandom.nextInt(4) != 0;
        cluster.finalLeaveCache = splitRandom.nextInt(3) != 0;
        trace.add(
            "split watches; CEL freeze "
                + cluster.freezeSpec
                + ", selectable fields "
                + cluster.finalLeaveCache);
      }
    }

    final long seed;

    Sim(long seed, int refusalPercent, int dependsOnPercent, boolean refuseRepeats) {
      this.seed = seed;
      this.refuseRepeats = refuseRepeats;
      this.refusalPercent = refusalPercent;
      this.dependsOnPercent = dependsOnPercent;
      dependsOn = new Random(seed * 17 + 3);
      refusals = new Random(seed * 31 + 7);
      rnd = new Random(seed);
      // FinSpace's clock is off by up to 30 s either way: inside the stated 60 s skew.
      finspaceClock.advance(
          Duration.ofSeconds(FINSPACE_SKEW_S - new Random(seed).nextInt(2 * FINSPACE_SKEW_S + 1)));
      uidSource = new Random(~seed);
      cluster =
          new FakeCluster(
              clock,
              () -> new java.util.UUID(uidSource.nextLong(), uidSource.nextLong()).toString());
      limit = 1 + rnd.nextInt(2);
      databases.forEach(finspace::registerDatabase);
      int n = 1 + rnd.nextInt(3);
      for (int i = 0; i < n; i++) {
        procs.add(new Proc(i));
      }
    }

    long run() {
      int users = 3 + rnd.nextInt(5);
      for (int i = 0; i < users; i++) {
        createResource();
      }
      for (step = 0; step < STEPS; step++) {
        act();
        check();
      }
      // Quiesce: no faults, watches deliver, FinSpace finishes; every resource must end.
      faults = false;
      procs.forEach(p -> p.view.watchDelivers = true);
      // Each queue drains one changeset at a time (several steps apiece): the budget grows with the
      // resources, and only a schedule that stops making progress exhausts it.
      int budget = 4000 + 400 * cluster.all().size();
      for (int i = 0; i < budget && !settled(); i++) {
        step++;
        procs.forEach(p -> p.view.catchUp());
        if (!resumeSomeWorker() && !startSomeReconcile()) {
          finishSomeChangeset();
          advance(Duration.ofSeconds(20));
        }
        check();
      }
      StringBuilder all = new StringBuilder();
      cluster
          .all()
          .forEach(r -> all.append("\n  ").append(name(r)).append(": ").append(describe(r)));
      for (KxChangeset r : cluster.all()) {
        assertThat(ended(r))
            .as("%s ends COMPLETED, FAILED or Stalled with a reason; all:%s", name(r), all)
            .isTrue();
      }
      return step;
    }

    void act() {
      if (NEAR_DEADLINE && rnd.nextInt(100) < 6) {
        jumpNearADeadline();
        return;
      }
      int a = rnd.nextInt(100);
      if (a < 40) {
        if (!resumeSomeWorker()) {
          startSomeReconcile();
        }
      } else if (a < 60) {
        startSomeReconcile();
      } else if (a < 70) {
        finishSomeChangeset();
      } else if (a < 76) {
        Duration d = Duration.ofSeconds(1 + rnd.nextInt(90));
        advance(d);
      } else if (a < 84) {
        Proc p = procs.get(rnd.nextInt(procs.size()));
        int k = rnd.nextInt(6);
        if (split && splitRandom.nextBoolean()) {
          String ns = splitRandom.nextBoolean() ? "kdb" : "team-b";
          p.view.catchUpTo(ns, p.view.seenIn(ns) + k);
        } else {
          p.view.catchUpTo(p.view.seen() + k);
        }
      } else if (a < 91) {
        userAction();
      } else if (a < 95) {
        crash(procs.get(rnd.nextInt(procs.size())));
      } else if (a < 96 && procs.stream().allMatch(p -> p.worker == null)) {
        // The operator is away longer than the token lives (a long outage, a slow leader
        // hand-over): every client token expires. Only between reconciliations: a process frozen
        // for ten minutes between deciding to resend and sending is outside what any client
        // token protects (the documented residual risk).
        advance(Duration.ofMinutes(11));
        trace.add(step + ": 11 minutes pass: every client token expires");
      } else {
        Proc p = procs.get(rnd.nextInt(procs.size()));
        p.view.watchDelivers = rnd.nextInt(4) != 0;
      }
    }

    /** When each create now in transit must reach FinSpace (see {@link #TRANSIT_S}), by process. */
    final Map<Integer, Instant> arriveBy = new HashMap<>();

    /**
     * Lets {@code d} pass on every clock, but never past the arrival bound of a create in transit:
     * a request handed to the network reaches FinSpace within TRANSIT_S (the README's assumption).
     */
    Duration advance(Duration d) {
      for (Instant by : arriveBy.values()) {
        Duration left = Duration.between(clock.instant(), by);
        if (left.compareTo(d) < 0) {
          d = left.isNegative() ? Duration.ZERO : left;
        }
      }
      clock.advance(d);
      finspaceClock.advance(d);
      return d;
    }

    /** See {@link #NEAR_DEADLINE}. */
    void jumpNearADeadline() {
      List<Instant> intents =
          cluster.all().stream()
              .filter(r -> r.getStatus() != null && r.getStatus().getCreateIntent() != null)
              .map(r -> Instant.parse(r.getStatus().getCreateIntent().getAttemptedAt()))
              .toList();
      Duration d = Duration.ofMinutes(11);
      if (!intents.isEmpty() && rnd.nextInt(4) != 0) {
        Instant at = intents.get(rnd.nextInt(intents.size()));
        List<Duration> marks =
            List.of(
                ADOPT_AFTER,
                ChangesetLogic.SEND_WINDOW,
                ChangesetLogic.SEND_WINDOW
                    .plus(ChangesetLogic.CLOCK_SKEW.multipliedBy(2))
                    .plusSeconds(10));
        Instant target =
            at.plus(marks.get(rnd.nextInt(marks.size())))
                .plusSeconds(rnd.nextInt(2 * CLOCK_SKEW_S + 11) - CLOCK_SKEW_S - 5);
        d = Duration.between(clock.instant(), target);
      }
      if (d.isNegative() || d.isZero()) {
        return;
      }
      d = advance(d);
      trace.add(
          step
              + ": "
              + d.toSeconds()
              + " s pass"
              + (procs.stream().anyMatch(p -> p.worker != null) ? " (mid-reconciliation)" : ""));
    }

    void userAction() {
      List<KxChangeset> all = cluster.all();
      if (importPercent > 0 && rnd.nextInt(100) < importPercent && importSome()) {
        return;
      }
      int a = rnd.nextInt(10);
      if (a < 2) {
        burst();
        return;
      }
      if (a < 4 || all.isEmpty()) {
        createResource();
        return;
      }
      if (refuseRepeats && a == 9 && rnd.nextInt(3) == 0) {
        // Another client (a script, another cluster) creates a changeset on a database: history
        // the repeat check must see in its Lists, not in what a process remembers.
        DatabaseRef db = databases.get(rnd.nextInt(databases.size()));
        Changeset cs =
            finspace.inject(
                db, REQUEST_POOL.get(rnd.nextInt(REQUEST_POOL.size())), finspaceClock.instant());
        trace.add(step + ": another client creates " + cs.id() + " on " + db);
        return;
      }
      KxChangeset r = all.get(rnd.nextInt(all.size()));
      String uid = r.getMetadata().getUid();
      if (split && a < 7 && splitRandom.nextInt(3) == 0 && splitEdit(r)) {
        return;
      }
      if (a < 7) {
        boolean region = rnd.nextBoolean();
        boolean accepted =
            cluster.editSpec(
                uid,
                s -> {
                  if (region) {
                    DatabaseRef db = databases.get(rnd.nextInt(databases.size()));
                    s.setRegion(db.region());
                    s.setDatabaseName(db.databaseName());
                  } else {
                    s.setChangeRequests(REQUEST_POOL.get(rnd.nextInt(REQUEST_POOL.size())));
                  }
                  return s;
                });
        trace.add(
            step + ": edit " + name(r) + (region ? " target" : " requests") + " -> " + accepted);
        if (accepted) {
          procs.forEach(p -> p.due.put(uid, clock.instant()));
        }
      } else {
        cluster.delete(uid);
        trace.add(step + ": delete " + name(r));
        if (rnd.nextBoolean()) {
          String id = r.getSpec() == null ? null : r.getSpec().getChangesetId();
          if (split && id != null && splitRandom.nextBoolean()) {
            reimport(r); // the same manifest applied again: same namespace, name and id
          } else {
            createResource(r.getMetadata().getName());
          }
        }
      }
    }

    void createResource() {
      createResource("cs-" + (char) ('a' + rnd.nextInt(26)) + (names++));
    }

    /**
     * A user imports a changeset FinSpace holds (its id and requests, as the console shows them),
     * seen by every process as a new resource; false when FinSpace holds none yet.
     */
    boolean importSome() {
      List<DatabaseRef> withChangesets =
          databases.stream().filter(db -> !finspace.changesets(db).isEmpty()).toList();
      if (withChangesets.isEmpty()) {
        return false;
      }
      DatabaseRef db = withChangesets.get(rnd.nextInt(withChangesets.size()));
      List<Changeset> held = finspace.changesets(db);
      Changeset cs = held.get(rnd.nextInt(held.size()));
      String name = "im-" + (names++);
      KxChangeset r =
          Resources.changeset(
              name, clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      if (split && splitRandom.nextBoolean()) {
        r.getMetadata().setNamespace("team-b");
      }
      r.setSpec(
          new KxChangesetSpec(
              ENV,
              db.databaseName(),
              rnd.nextBoolean() && db.region().equals("us-east-1") ? null : db.region(),
              cs.changeRequests()));
      r.getSpec().setChangesetId(cs.id());
      KxChangeset created = cluster.create(r);
      everCreatedUids.add(created.getMetadata().getUid());
      procs.forEach(p -> p.due.put(created.getMetadata().getUid(), clock.instant()));
      imports++;
      String token = finspace.tokenOf(cs.id());
      trace.add(
          step
              + ": import "
              + r.getMetadata().getNamespace()
              + "/"
              + name
              + " of "
              + cs.id()
              + " on "
              + db
              + " (made by "
              + (token == null ? "another client" : token.substring(0, 4))
              + ")");
      return true;
    }

    /**
     * With split watches, an edit a person or a GitOps tool makes to an import or a recorded
     * resource: spec.changesetId changed to another changeset of the database (with its requests),
     * which the CRD refuses once set; or status.changesetId written back into spec.changesetId (the
     * documented GitOps layout). False when {@code r} is neither.
     */
    boolean splitEdit(KxChangeset r) {
      String uid = r.getMetadata().getUid();
      String importing = r.getSpec() == null ? null : r.getSpec().getChangesetId();
      String recorded = r.getStatus() == null ? null : r.getStatus().getChangesetId();
      if (importing != null) {
        DatabaseRef db = logicTarget(r);
        List<Changeset> held = db == null ? List.of() : finspace.changesets(db);
        if (held.isEmpty()) {
          return false;
        }
        Changeset other = held.get(splitRandom.nextInt(held.size()));
        boolean accepted =
            cluster.editSpec(
                uid,
                s -> {
                  s.setChangesetId(other.id());
                  s.setChangeRequests(other.changeRequests());
                  return s;
                });
        trace.add(step + ": edit " + name(r) + " changesetId -> " + other.id() + ": " + accepted);
        if (accepted) {
          procs.forEach(p -> p.due.put(uid, clock.instant()));
        }
        return true;
      }
      if (recorded != null) {
        boolean accepted = cluster.writeBack(uid);
        trace.add(step + ": write back " + recorded + " into " + name(r) + ": " + accepted);
        if (accepted) {
          writeBacks++;
          procs.forEach(p -> p.due.put(uid, clock.instant()));
        }
        return true;
      }
      return false;
    }

    /** The database an import's spec names, or null. */
    DatabaseRef logicTarget(KxChangeset r) {
      String region = r.getSpec().getRegion() == null ? "us-east-1" : r.getSpec().getRegion();
      return databases.stream()
          .filter(d -> d.region().equals(region))
          .filter(d -> d.databaseName().equals(r.getSpec().getDatabaseName()))
          .findFirst()
          .orElse(null);
    }

    /** {@code gone}'s manifest applied again after its delete: a new uid, the same import. */
    void reimport(KxChangeset gone) {
      KxChangeset r =
          Resources.changeset(
              gone.getMetadata().getName(),
              clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      r.getMetadata().setNamespace(gone.getMetadata().getNamespace());
      r.setSpec(FakeCluster.copy(gone).getSpec());
      KxChangeset created = cluster.create(r);
      everCreatedUids.add(created.getMetadata().getUid());
      procs.forEach(p -> p.due.put(created.getMetadata().getUid(), clock.instant()));
      imports++;
      trace.add(step + ": re-import " + name(created) + " of " + r.getSpec().getChangesetId());
    }

    /**
     * Two or three resources on one database in one second, arriving in the opposite order of their
     * names, each seen by a random process at once: processes whose views differ by one resource
     * each think theirs is first in the queue (a `kubectl create` loop during a lease hand-over).
     */
    void burst() {
      DatabaseRef db = databases.get(rnd.nextInt(databases.size()));
      int n = 2 + rnd.nextInt(2);
      List<String> uids = new ArrayList<>();
      boolean chain = dependsOnPercent > 0 && dependsOn.nextInt(100) < 2 * dependsOnPercent;
      int first = names;
      names += n;
      for (int k = n; k > 0; k--) {
        // As a chain, each one names the one applied after it: bd -> bc -> bb, applied bd first.
        String name = "b" + (char) ('a' + k) + (first + n - k);
        String next = k > 1 ? "b" + (char) ('a' + k - 1) + (first + n - k + 1) : null;
        uids.add(createResource(name, db, chain && next != null ? List.of(next) : List.of()));
        procs.get(rnd.nextInt(procs.size())).view.catchUp();
      }
      // Every idle process takes up one of them at once, each on the view it has.
      for (Proc p : procs) {
        List<String> seen = uids.stream().filter(u -> p.view.cached(u) != null).toList();
        if (p.worker == null && !seen.isEmpty()) {
          String uid = seen.get(rnd.nextInt(seen.size()));
          p.due.remove(uid);
          p.start(uid);
        }
      }
    }

    void createResource(String name) {
      createResource(name, databases.get(rnd.nextInt(databases.size())));
    }

    String createResource(String name, DatabaseRef db) {
      List<String> deps = new ArrayList<>();
      if (dependsOnPercent > 0 && dependsOn.nextInt(100) < dependsOnPercent) {
        List<KxChangeset> live = cluster.all();
        for (int k = 1 + dependsOn.nextInt(2); k > 0 && !live.isEmpty(); k--) {
          KxChangeset o = live.get(dependsOn.nextInt(live.size()));
          boolean sameDb =
              o.getSpec() != null && db.databaseName().equals(o.getSpec().getDatabaseName());
          String n = o.getMetadata().getName();
          if ((sameDb || dependsOn.nextInt(5) == 0) && !deps.contains(n) && !n.equals(name)) {
            deps.add(n);
          }
        }
      }
      return createResource(name, db, deps);
    }

    String createResource(String name, DatabaseRef db, List<String> deps) {
      KxChangeset r =
          Resources.changeset(
              name, clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      // Same-second bursts whose names sort against their arrival.
      r.getMetadata()
          .setCreationTimestamp(
              clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
      r.setSpec(
          new KxChangesetSpec(
              ENV,
              db.databaseName(),
              rnd.nextBoolean() && db.region().equals("us-east-1") ? null : db.region(),
              REQUEST_POOL.get(rnd.nextInt(REQUEST_POOL.size()))));
      if (!deps.isEmpty()) {
        r.getSpec()
            .setDependsOn(
                deps.stream().map(io.kxops.operator.api.v1alpha1.Dependency::on).toList());
        dependants++;
      }
      KxChangeset created = cluster.create(r);
      everCreatedUids.add(created.getMetadata().getUid());
      if (refusals.nextInt(100) < refusalPercent) {
        refused.add(created.getMetadata().getUid());
        trace.add(step + ": " + name + "'s creates are refused while the faults last");
      }
      procs.forEach(p -> p.due.put(created.getMetadata().getUid(), clock.instant()));
      trace.add(step + ": create " + name + " on " + db + (deps.isEmpty() ? "" : " after " + deps));
      return created.getMetadata().getUid();
    }

    boolean resumeSomeWorker() {
      List<Proc> paused = procs.stream().filter(p -> p.worker != null).toList();
      if (paused.isEmpty()) {
        return false;
      }
      paused.get(rnd.nextInt(paused.size())).resume();
      return true;
    }

    boolean startSomeReconcile() {
      List<Proc> idle = procs.stream().filter(p -> p.worker == null).toList();
      if (idle.isEmpty()) {
        return false;
      }
      Proc p = idle.get(rnd.nextInt(idle.size()));
      Instant now = clock.instant();
      List<String> due =
          p.due.entrySet().stream()
              .filter(e -> !e.getValue().isAfter(now))
              .map(Map.Entry::getKey)
              .filter(uid -> p.view.cached(uid) != null)
              .sorted()
              .toList();
      if (due.isEmpty()) {
        return false;
      }
      String uid = due.get(rnd.nextInt(due.size()));
      p.due.remove(uid);
      p.start(uid);
      return true;
    }

    void finishSomeChangeset() {
      List<Changeset> open = finspace.all().stream().filter(c -> !c.isFinal()).toList();
      if (open.isEmpty()) {
        return;
      }
      Changeset c = open.get(rnd.nextInt(open.size()));
      String next =
          "PENDING".equals(c.status())
              ? "IN_PROGRESS"
              : (rnd.nextInt(5) == 0 ? Changeset.FAILED : Changeset.COMPLETED);
      finspace.setStatus(c.id(), next, next.equals("FAILED") ? "Cancelled" : null, null);
    }

    void crash(Proc p) {
      trace.add(step + ": crash process " + p.id);
      p.crash();
    }

    /**
     * The queue's rule, restated independently of DatabaseQueue, checked at every admission of
     * {@code r} against the view its process decided on (at {@code at}, that process's clock): the
     * resources in flight — every one holding a create intent among them — and the waiters ahead of
     * {@code r} are fewer than the limit, where a waiter is ahead when it was created before {@code
     * r}, unless it has been unable to create for the bound and {@code r} has not; a stuck {@code
     * r} has every waiter that is not stuck ahead of it.
     */
    void checkAdmission(KxChangeset r, List<KxChangeset> decidedOn, Instant at) {
      admissions++;
      noteCompleted();
      if (!Dependencies.names(r).isEmpty()) {
        dependantAdmissions++;
      }
      for (String dep : Dependencies.names(r)) {
        assertThat(completedNames)
            .as(
                "admitting %s, whose spec.dependsOn names %s: that one COMPLETED first",
                name(r), dep)
            .contains(r.getMetadata().getNamespace() + "/" + dep);
      }
      String uid = r.getMetadata().getUid();
      List<KxChangeset> others =
          decidedOn.stream().filter(o -> !o.getMetadata().getUid().equals(uid)).toList();
      List<String> inFlight = others.stream().filter(Sim::holdsSlot).map(Sim::name).toList();
      boolean meStuck = stuckAt(r, at);
      List<String> ahead = new ArrayList<>();
      boolean passedAStuckOne = false;
      for (KxChangeset o : others) {
        if (!oracleWaiting(o)) {
          continue;
        }
        if (!Dependencies.names(o).isEmpty()) {
          // A waiter with dependsOn is passed while they are not done (DependsOnTest covers the
          // rule itself): creation order amended by dependsOn.
          continue;
        }
        boolean oStuck = stuckAt(o, at);
        boolean earlier = createdBefore(o, r);
        if (oStuck == meStuck ? earlier : !oStuck) {
          ahead.add(name(o) + (oStuck ? " (stuck)" : ""));
        } else if (earlier) {
          passedAStuckOne = true;
        }
      }
      assertThat(inFlight.size() + ahead.size())
          .as(
              "admitting %s%s with %s in flight and %s waiting ahead (limit %d, bound %s)",
              name(r),
              meStuck ? " (stuck since " + unableSince(r) + ")" : "",
              inFlight,
              ahead,
              limit,
              YIELD_AFTER)
          .isLessThan(limit);
      if (passedAStuckOne) {
        passedStuck++;
        trace.add(step + ": " + name(r) + " admitted past a stuck waiter");
      }
    }

    /** A create may have reached FinSpace and the changeset is not final, nor given up. */
    static boolean holdsSlot(KxChangeset o) {
      KxChangesetStatus s = o.getStatus();
      if (s == null) {
        return false;
      }
      var stalled = Conditions.find(s.getConditions(), Conditions.STALLED);
      String stall =
          stalled != null && Conditions.TRUE.equals(stalled.getStatus()) ? stalled.getReason() : "";
      if (s.getChangesetId() != null) {
        return !Changeset.isFinal(s.getStatus()) && !stall.equals("ChangesetNotFound");
      }
      return s.getCreateIntent() != null
          && !stall.equals("ClientTokenConflict")
          && !stall.equals("AdoptionAmbiguousFinal");
    }

    /** No intent, no changeset: it waits for its turn (the simulation rejects no spec). */
    static boolean oracleWaiting(KxChangeset o) {
      KxChangesetStatus s = o.getStatus();
      return o.getSpec() != null
          && o.getSpec().getChangesetId() == null // an import never takes a turn
          && (s == null || (s.getChangesetId() == null && s.getCreateIntent() == null))
          && !refusedRepeat(o);
    }

    /**
     * Refused as a repeat of history for its current spec (the simulation never sets the annotation
     * that lets one go): it holds no turn.
     */
    static boolean refusedRepeat(KxChangeset o) {
      KxChangesetStatus s = o.getStatus();
      var stalled = s == null ? null : Conditions.find(s.getConditions(), Conditions.STALLED);
      return stalled != null
          && Conditions.TRUE.equals(stalled.getStatus())
          && "RepeatsHistory".equals(stalled.getReason())
          && o.getMetadata().getGeneration().equals(stalled.getObservedGeneration());
    }

    /**
     * With the check on, no create is sent for a resource whose requests a changeset created before
     * it holds, unless that one FAILED: the check saw it (it existed when the resource did). Before
     * by FinSpace's clock (what the check compares) and, in true time, by more than {@link
     * RepeatCheck#APPLIED_TOGETHER}: one made while the resource was applied may be missed when
     * another process made it after the List in use.
     */
    void checkNoRepeat(DatabaseRef db, List<ChangeRequest> requests, String token) {
      if (!refuseRepeats) {
        return;
      }
      KxChangeset r =
          cluster.all().stream()
              .filter(x -> token.equals(x.getMetadata().getUid()))
              .findFirst()
              .orElse(null);
      if (r == null) {
        return; // deleted meanwhile: its check ran while it existed, and is checked there
      }
      Instant created = Instant.parse(r.getMetadata().getCreationTimestamp());
      List<String> repeated =
          finspace.changesets(db).stream()
              .filter(c -> c.createdTimestamp().isBefore(created))
              .filter(
                  c ->
                      c.createdTimestamp()
                          .minus(Duration.between(clock.instant(), finspaceClock.instant()))
                          .isBefore(created.minus(RepeatCheck.APPLIED_TOGETHER)))
              .filter(c -> !Changeset.FAILED.equals(c.status()))
              .filter(c -> c.changeRequests().equals(requests))
              .filter(c -> !token.equals(finspace.tokenOf(c.id())))
              .map(c -> c.id() + " " + c.status() + " at " + c.createdTimestamp())
              .toList();
      assertThat(repeated)
          .as("changesets created before %s (at %s) with its requests", name(r), created)
          .isEmpty();
    }

    /** Since when {@code o} has been failing to create or Stalled; null if neither. */
    static Instant unableSince(KxChangeset o) {
      KxChangesetStatus s = o.getStatus();
      if (s == null) {
        return null;
      }
      Instant since = s.getFailure() == null ? null : Instant.parse(s.getFailure().getSince());
      var stalled = Conditions.find(s.getConditions(), Conditions.STALLED);
      // A refusal as a repeat of history is a person's call, not an inability to create: once the
      // resource is let go (a spec edit, the annotation), it waits in creation order like any
      // other.
      if (stalled != null
          && Conditions.TRUE.equals(stalled.getStatus())
          && !"RepeatsHistory".equals(stalled.getReason())) {
        Instant t = Instant.parse(stalled.getLastTransitionTime());
        since = since == null || t.isBefore(since) ? t : since;
      }
      return since;
    }

    static boolean stuckAt(KxChangeset o, Instant at) {
      Instant since = unableSince(o);
      return oracleWaiting(o) && since != null && !at.isBefore(since.plus(YIELD_AFTER));
    }

    /** The queue's order: creationTimestamp, then name, then namespace. */
    static boolean createdBefore(KxChangeset a, KxChangeset b) {
      int c =
          Instant.parse(a.getMetadata().getCreationTimestamp())
              .compareTo(Instant.parse(b.getMetadata().getCreationTimestamp()));
      if (c == 0) {
        c = a.getMetadata().getName().compareTo(b.getMetadata().getName());
      }
      if (c == 0) {
        c = a.getMetadata().getNamespace().compareTo(b.getMetadata().getNamespace());
      }
      return c < 0;
    }

    void noteCompleted() {
      for (KxChangeset r : cluster.all()) {
        if (Dependencies.completed(r)) {
          completedNames.add(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName());
        }
      }
    }

    /** The promises, checked after every step. */
    void check() {
      noteCompleted();
      for (String uid : everCreatedUids) {
        assertThat(finspace.createdWith(uid))
            .as("changesets created for %s", uid)
            .isLessThanOrEqualTo(1);
      }
      Map<String, String> live = new HashMap<>();
      Map<String, String> recordedBy = new HashMap<>();
      for (KxChangeset r : cluster.all()) {
        live.put(r.getMetadata().getUid(), name(r));
        String id = r.getStatus() == null ? null : r.getStatus().getChangesetId();
        if (id != null) {
          String before = recordedBy.put(id, name(r));
          assertThat(before).as("changeset %s recorded by two resources", id).isNull();
          String token = finspace.tokenOf(id);
          if (!r.getMetadata().getUid().equals(token)) {
            // Only the documented limit: the orphan of a deleted resource with the same requests,
            // made inside this resource's intent window (no finalizer: nobody records it).
            assertThat(liveUids())
                .as("%s records changeset %s, which a live resource's create made", name(r), id)
                .doesNotContain(token);
            orphansAdopted.add(id);
          }
        }
      }
      finspace
          .inFlightByDatabase()
          .forEach(
              (db, open) -> {
                long ofLive =
                    open.stream().filter(c -> live.containsKey(finspace.tokenOf(c.id()))).count();
                assertThat(ofLive)
                    .as("changesets in flight on %s: %s (limit %d)", db, open, limit)
                    .isLessThanOrEqualTo(limit);
              });
    }

    Set<String> liveUids() {
      Set<String> out = new HashSet<>();
      cluster.all().forEach(r -> out.add(r.getMetadata().getUid()));
      return out;
    }

    boolean settled() {
      if (procs.stream().anyMatch(p -> p.worker != null)) {
        return false;
      }
      return cluster.all().stream().allMatch(this::ended)
          && finspace.all().stream().allMatch(Changeset::isFinal);
    }

    boolean ended(KxChangeset r) {
      KxChangesetStatus s = r.getStatus();
      if (StatusMapper.isFinal(s) || StatusMapper.isRejected(r)) {
        return true;
      }
      if (waitsForAMissingOne(r, new HashSet<>()) || waitsForAStalledCreate(r)) {
        return true;
      }
      if (!cluster.freezeSpec && queuedBehindASpecChange(r)) {
        return true;
      }
      var stalled = s == null ? null : Conditions.find(s.getConditions(), Conditions.STALLED);
      return stalled != null
          && Conditions.TRUE.equals(stalled.getStatus())
          && stalled.getReason() != null;
    }

    /**
     * An import that waits, rightly, for a create that may have made its changeset and whose
     * resource is Stalled for a person (AdoptionAmbiguous): no end comes without that person.
     */
    boolean waitsForAStalledCreate(KxChangeset r) {
      KxChangesetStatus s = r.getStatus();
      var ready = s == null ? null : Conditions.find(s.getConditions(), Conditions.READY);
      if (ready == null || !"ImportWaiting".equals(ready.getReason())) {
        return false;
      }
      return cluster.all().stream()
          .filter(o -> o.getStatus() != null && o.getStatus().getCreateIntent() != null)
          .filter(o -> o.getStatus().getChangesetId() == null)
          .map(o -> Conditions.find(o.getStatus().getConditions(), Conditions.STALLED))
          .anyMatch(c -> c != null && Conditions.TRUE.equals(c.getStatus()));
    }

    /**
     * Without the CEL freeze only: queued on a database where a resource whose spec was edited
     * under its create intent is Stalled with SpecChanged. That one keeps its intent, and with it
     * the slot, until a person restores its spec or deletes it (its create may have been sent).
     */
    boolean queuedBehindASpecChange(KxChangeset r) {
      KxChangesetStatus s = r.getStatus();
      var ready = s == null ? null : Conditions.find(s.getConditions(), Conditions.READY);
      if (ready == null || !"Queued".equals(ready.getReason())) {
        return false;
      }
      return cluster.all().stream()
          .filter(o -> o.getStatus() != null && o.getStatus().getCreateIntent() != null)
          .filter(o -> o.getStatus().getChangesetId() == null)
          .map(o -> Conditions.find(o.getStatus().getConditions(), Conditions.STALLED))
          .anyMatch(c -> c != null && "SpecChanged".equals(c.getReason()));
    }

    /**
     * Waits, rightly, for a dependency that no longer exists (deleted by the user), or for one that
     * itself waits so: no end comes without a person.
     */
    boolean waitsForAMissingOne(KxChangeset r, Set<String> seen) {
      KxChangesetStatus s = r.getStatus();
      var ready = s == null ? null : Conditions.find(s.getConditions(), Conditions.READY);
      if (ready == null || !seen.add(r.getMetadata().getUid())) {
        return false;
      }
      String ns = r.getMetadata().getNamespace();
      for (String n : Dependencies.names(r)) {
        KxChangeset d =
            cluster.all().stream()
                .filter(o -> o.getMetadata().getName().equals(n))
                .filter(o -> o.getMetadata().getNamespace().equals(ns))
                .findFirst()
                .orElse(null);
        if ("DependencyNotFound".equals(ready.getReason()) && d == null) {
          return true;
        }
        if ("DependencyPending".equals(ready.getReason())
            && d != null
            && waitsForAMissingOne(d, seen)) {
          return true;
        }
      }
      return false;
    }

    static String name(KxChangeset r) {
      return r.getMetadata().getName() + "(" + r.getMetadata().getUid().substring(0, 4) + ")";
    }

    static String describe(KxChangeset r) {
      KxChangesetStatus s = r.getStatus();
      if (s == null) {
        return "none";
      }
      var ready = Conditions.find(s.getConditions(), Conditions.READY);
      return "changeset="
          + s.getChangesetId()
          + " status="
          + s.getStatus()
          + " intent="
          + (s.getCreateIntent() != null)
          + " ready="
          + (ready == null ? null : ready.getReason() + ": " + ready.getMessage());
    }

    void stop() {
      procs.forEach(Proc::crash);
    }

    /** One operator process: its watch, its memory, and one worker at a time. */
    final class Proc {
      final int id;
      FakeCluster.Process view;
      ChangesetLogic logic;
      final Map<String, Instant> due = new HashMap<>();
      Worker worker;

      /** How far this process's clock is off (see {@link #CLOCK_SKEW_S}). */
      final Duration skew;

      Proc(int id) {
        this.id = id;
        this.skew =
            CLOCK_SKEW_S == 0
                ? Duration.ZERO
                : Duration.ofSeconds(rnd.nextInt(2 * CLOCK_SKEW_S + 1) - CLOCK_SKEW_S);
        boot();
      }

      void boot() {
        ChangesetLogic[] self = new ChangesetLogic[1];
        view = cluster.process(r -> self[0].targetOf(r).key());
        logic =
            new ChangesetLogic(
                new Flaky(),
                new YieldingView(),
                java.time.Clock.offset(clock, skew),
                new ChangesetLogic.Settings(
                    "us-east-1",
                    limit,
                    ADOPT_AFTER,
                    Duration.ofMinutes(10),
                    ChangesetLogic.CONFIRM_TIMEOUT,
                    YIELD_AFTER,
                    refuseRepeats),
                new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), rnd::nextDouble));
        self[0] = logic;
        // A new process lists everything and reconciles every resource.
        cluster.all().forEach(r -> due.put(r.getMetadata().getUid(), clock.instant()));
      }

      void start(String uid) {
        KxChangeset r = view.cached(uid);
        worker = new Worker(this, r);
        worker.thread.start();
        worker.awaitPause();
        if (worker.done) {
          worker = null;
        }
      }

      void resume() {
        worker.go.release();
        worker.awaitPause();
        if (worker.done) {
          worker = null;
        }
      }

      void crash() {
        if (worker != null) {
          // A worker that already ended (a promise it checked broke) has nothing to unwind.
          if (!worker.done) {
            worker.crash = true;
            worker.go.release();
            worker.awaitPause();
          }
          worker = null;
        }
        due.clear();
        boot();
      }

      /** Runs one reconciliation as the JOSDK adapter does, and schedules the next. */
      void reconcile(KxChangeset r) {
        String uid = r.getMetadata().getUid();
        Instant now = clock.instant();
        // JOSDK hands the logic the cached object itself (OperatorApp's cloner copies nothing):
        // no reconciliation may change it.
        String given = Serialization.asJson(r);
        try {
          reconcileOnce(r, uid, now);
        } finally {
          assertThat(Serialization.asJson(r))
              .as("the resource a reconciliation was given, afterwards")
              .isEqualTo(given);
        }
      }

      private void reconcileOnce(KxChangeset r, String uid, Instant now) {
        Outcome o;
        try {
          try {
            o = logic.reconcile(r, new YieldingStore());
          } catch (ReconcileFailure f) {
            o = logic.failed(f.latest(), f.failure(), new YieldingStore());
            if (o.retry()) {
              due.put(uid, now.plusSeconds(2 + rnd.nextInt(30)));
            }
          }
          o.requeueAfter().ifPresent(d -> due.put(uid, now.plus(d)));
          if (r.getStatus() == null) {
            for (KxChangeset w : logic.dependantsOf(r)) {
              due.put(w.getMetadata().getUid(), now);
            }
          }
          if (o.wakeDatabase()) {
            KxChangeset fresh = view.cached(uid);
            for (KxChangeset w : logic.toWake(fresh == null ? r : fresh)) {
              due.put(w.getMetadata().getUid(), now);
            }
          }
        } catch (StaleResourceException e) {
          due.put(uid, now.plusSeconds(1));
        } catch (Crash e) {
          throw e;
        } catch (RuntimeException e) {
          if (e.getMessage() == null || !e.getMessage().startsWith("apiserver")) {
            throw e;
          }
          due.put(uid, now.plusSeconds(2)); // an API server error: JOSDK retries
        }
      }

      /** Every call a reconciliation makes is a point where the schedule may switch. */
      void yieldPoint() {
        Worker w = worker;
        if (w != null && Thread.currentThread() == w.thread) {
          w.paused.release();
          w.go.acquireUninterruptibly();
          if (w.crash) {
            throw new Crash();
          }
        }
      }

      boolean fault(int percent) {
        return faults && rnd.nextInt(100) < percent;
      }

      final class Flaky implements FinSpace {
        <T> T call(Operation op, Supplier<T> body) {
          // A request takes effect when it is sent (the schedule switched at the caller's previous
          // step); its answer may come back late, or not at all.
          if (fault(8)) {
            yieldPoint();
            throw FinSpaceErrors.of(op, "ThrottlingException", 429);
          }
          T result = body.get();
          yieldPoint();
          if (fault(8)) {
            trace.add(step + ": p" + id + " " + op + " answer lost");
            throw FinSpaceErrors.of(op, "NetworkError", 0);
          }
          return result;
        }

        @Override
        public Changeset create(
            DatabaseRef db, List<ChangeRequest> requests, String token, Instant sendBy) {
          return call(
              Operation.CREATE,
              () -> {
                if (fault(4)) {
                  // The namespace's role could not be assumed: no attempt left the process.
                  trace.add(step + ": p" + id + " create not sent (role not assumed)");
                  throw FinSpaceErrors.notSent(Operation.CREATE, "RoleNotAssumed");
                }
                if (SEND_DELAY_S > 0 && fault(10)) {
                  Duration d = Duration.ofSeconds(1 + rnd.nextInt(SEND_DELAY_S));
                  d = advance(d);
                  trace.add(
                      step + ": p" + id + " create reaches FinSpace " + d.toSeconds() + " s late");
                }
                // What SdkFinSpace's send deadline does, on this process's clock.
                if (clock.instant().plus(skew).isAfter(sendBy)) {
                  trace.add(step + ": p" + id + " create held back at its send deadline");
                  throw FinSpaceErrors.notSent(Operation.CREATE, "SendWindowClosed");
                }
                if (TRANSIT_S > 0 && fault(30)) {
                  // Left before its deadline; on its way while others act.
                  Duration d = Duration.ofSeconds(rnd.nextInt(TRANSIT_S + 1));
                  d = advance(d);
                  trace.add(step + ": p" + id + " create in transit " + d.toSeconds() + " s");
                  arriveBy.put(id, clock.instant().minus(d).plusSeconds(TRANSIT_S));
                  try {
                    yieldPoint();
                  } finally {
                    arriveBy.remove(id);
                  }
                }
                if (faults && refused.contains(token)) {
                  trace.add(step + ": p" + id + " create " + token.substring(0, 4) + " refused");
                  throw FinSpaceErrors.of(Operation.CREATE, "ResourceNotFoundException", 404);
                }
                if (fault(3)) {
                  // The role may not create here: FinSpace refuses the only attempt unacted.
                  trace.add(step + ": p" + id + " create denied on its only attempt");
                  throw FinSpaceErrors.of(Operation.CREATE, "AccessDeniedException", 403)
                      .sentOnce();
                }
                checkNoRepeat(db, requests, token);
                Changeset c = finspace.create(db, requests, token, sendBy);
                trace.add(step + ": p" + id + " create " + token.substring(0, 4) + " -> " + c.id());
                if (fault(3)) {
                  // Its answer lost, the SDK's retry denied (a permission revoked in between):
                  // the changeset exists though the call ends in AccessDenied.
                  trace.add(step + ": p" + id + " answer lost, the SDK's retry denied");
                  throw FinSpaceErrors.of(Operation.CREATE, "AccessDeniedException", 403);
                }
                return c;
              });
        }

        @Override
        public Changeset get(DatabaseRef db, String changesetId) {
          return call(Operation.GET, () -> finspace.get(db, changesetId));
        }

        @Override
        public List<ChangesetSummary> list(DatabaseRef db) {
          return call(Operation.LIST, () -> finspace.list(db));
        }
      }

      /** The last view of a database a reconciliation read, and when: what it decided on. */
      List<KxChangeset> lastView = List.of();

      Instant lastViewAt;

      final class YieldingView implements ClusterView {
        @Override
        public List<KxChangeset> onDatabase(String databaseKey) {
          yieldPoint();
          lastView = view.onDatabase(databaseKey);
          lastViewAt = clock.instant().plus(skew);
          return lastView;
        }

        @Override
        public List<KxChangeset> finalOn(DatabaseRef db) {
          yieldPoint();
          return view.finalOn(db);
        }

        @Override
        public List<KxChangeset> claiming(DatabaseRef db, String changesetId) {
          yieldPoint();
          return view.claiming(db, changesetId);
        }

        @Override
        public java.util.Optional<KxChangeset> named(String namespace, String name) {
          yieldPoint();
          return view.named(namespace, name);
        }

        @Override
        public boolean awaitSeen(KxChangeset written, Duration timeout) {
          yieldPoint();
          return view.awaitSeen(written, timeout);
        }
      }

      final class YieldingStore implements StatusStore {
        @Override
        public KxChangeset write(KxChangeset r, KxChangesetStatus next) {
          yieldPoint();
          if (fault(5)) {
            throw new IllegalStateException("apiserver: status write failed (500)");
          }
          boolean admission =
              next != null
                  && next.getCreateIntent() != null
                  && (r.getStatus() == null || r.getStatus().getCreateIntent() == null);
          if (admission) {
            checkAdmission(r, lastView, lastViewAt);
          }
          KxChangeset written = view.write(r, next);
          if (written != r) {
            trace.add(
                step
                    + ": p"
                    + id
                    + " status "
                    + name(written)
                    + " rv "
                    + r.getMetadata().getResourceVersion()
                    + "->"
                    + written.getMetadata().getResourceVersion()
                    + " "
                    + describe(written));
          }
          yieldPoint();
          if (fault(5)) {
            if (written != r && LOST_ANSWER_NOT_REMEMBERED) {
              view.answerLost(written); // the real StatusWriter remembers only answers it got
            }
            throw new IllegalStateException("apiserver: answer to the status write lost");
          }
          return written;
        }
      }
    }

    /** A reconciliation on its own thread that runs only while the schedule lets it. */
    final class Worker {
      final Semaphore go = new Semaphore(0);
      final Semaphore paused = new Semaphore(0);
      final Thread thread;
      volatile boolean done;
      volatile boolean crash;
      volatile Throwable error;

      Worker(Proc p, KxChangeset r) {
        thread =
            new Thread(
                () -> {
                  try {
                    p.reconcile(r);
                  } catch (Crash e) {
                    // the process died here
                  } catch (Throwable t) {
                    error = t;
                  } finally {
                    done = true;
                    paused.release();
                  }
                },
                "sim-p" + p.id);
        thread.setDaemon(true);
      }

      void awaitPause() {
        paused.acquireUninterruptibly();
        if (error != null) {
          if (error instanceof AssertionError a) {
            throw a;
          }
          throw new IllegalStateException("reconciliation failed", error);
        }
      }
    }
  }
}
