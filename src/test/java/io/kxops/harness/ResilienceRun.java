/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Event;
import io.kxops.emulator.ConcurrencyPolicy;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.emulator.InFlightPeak;
import io.kxops.emulator.Operation;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The resilience harness: many KxChangesets on a FinSpace that throttles, fails and drops
 * connections, operators (two replicas with leader election) SIGKILLed at random moments, the API
 * server restarted, and one token-expiry window — then the check that every resource has exactly
 * one changeset. Writes {@code <out>/results.json} and {@code results.txt}; exits 1 when the run is
 * incorrect (a duplicate, a lost changeset, or a resource not COMPLETED). Run by
 * hack/resilience.sh; a small version runs in CI as ResilienceRunIT.
 *
 * <p>Longer than 400 lines on purpose: the disruptions and the final verification share the run
 * (processes, emulator, tracker) and are read as one plan; the races live in {@link Races}.
 */
public final class ResilienceRun {

  static final String NAMESPACE = "resilience";

  /** Longer than JOSDK's Lease duration (15 s): a leader kept down this long is replaced. */
  static final Duration LEASE_TAKEOVER = Duration.ofSeconds(25);

  /** The database of the token-expiry resource; registered only once the window opens. */
  static final String EXPIRY_DATABASE = "expiry-db";

  /** Run parameters; the defaults are the full run. */
  static final class Options extends Args.Common {
    int kills = 3;
    int replicas = 2;
    int apiServerRestarts = 1;
    boolean tokenExpiry = true;
    double throttleRate = 0.20;
    double internalErrorRate = 0.05;
    double dropRate = 0.02;
    Duration pending = Duration.ofMillis(500);
    Duration processing = Duration.ofSeconds(2);
    long seed = 20261201L;
    String adoptAfter = "1s";
    int raceRounds = 2;
    int burst = 5;
    long raceHoldMillis = 1500;
    int raisedLimit = 2;
    String target = "process";
    boolean rebuild;

    Options() {
      super(500, 25, Duration.ofMinutes(30), Path.of("target", "resilience"));
    }

    static Options parse(String... args) {
      Options o = new Options();
      Args.parse(
          args,
          o.with(
              Map.ofEntries(
                  Map.entry("--kills", v -> o.kills = Integer.parseInt(v)),
                  Map.entry("--replicas", v -> o.replicas = Integer.parseInt(v)),
                  Map.entry(
                      "--api-server-restarts", v -> o.apiServerRestarts = Integer.parseInt(v)),
                  Map.entry("--token-expiry", v -> o.tokenExpiry = Boolean.parseBoolean(v)),
                  Map.entry("--seed", v -> o.seed = Long.parseLong(v)),
                  Map.entry("--adopt-after", v -> o.adoptAfter = v),
                  Map.entry("--race-rounds", v -> o.raceRounds = Integer.parseInt(v)),
                  Map.entry("--burst", v -> o.burst = Integer.parseInt(v)),
                  Map.entry("--race-hold-ms", v -> o.raceHoldMillis = Long.parseLong(v)),
                  Map.entry("--raised-limit", v -> o.raisedLimit = Integer.parseInt(v)),
                  Map.entry("--target", v -> o.target = v),
                  Map.entry("--rebuild", v -> o.rebuild = Boolean.parseBoolean(v)))));
      o.check();
      if (!o.target.equals("process") && !o.target.equals("node")) {
        throw new IllegalArgumentException("--target is process or node, not " + o.target);
      }
      if (o.target.equals("node") && o.out.equals(Path.of("target", "resilience"))) {
        o.out = Path.of("target", "resilience-node");
      }
      if (o.replicas < 1 || o.kills < 0 || o.apiServerRestarts < 0) {
        throw new IllegalArgumentException(
            "need --replicas >= 1 and --kills, --api-server-restarts >= 0");
      }
      if (o.raceRounds < 0 || o.burst < 2 || o.burst > 9 || o.raceHoldMillis < 0) {
        throw new IllegalArgumentException(
            "need --race-rounds >= 0, 2 <= --burst <= 9 (it must fit in one second),"
                + " --race-hold-ms >= 0");
      }
      if (o.rebuild && o.tokenExpiry) {
        // The window moves FinSpace's clock 11 minutes on for good: changesets made after it look
        // created after the manifests applied again, far past the 60 s skew the check allows for.
        throw new IllegalArgumentException(
            "--rebuild true needs --token-expiry false (the token-expiry window moves FinSpace's"
                + " clock 11 minutes ahead of the cluster's)");
      }
      if (o.raisedLimit != 0 && (o.raisedLimit < 2 || o.raisedLimit >= o.burst)) {
        throw new IllegalArgumentException(
            "--raised-limit is 0 (no raised part) or from 2 to --burst - 1");
      }
      return o;
    }

    Races.Plan plan() {
      return new Races.Plan(
          raceRounds, burst, Duration.ofMillis(raceHoldMillis), raisedLimit, FINSPACE_ATTEMPTS);
    }
  }

  /** FINSPACE_MAX_ATTEMPTS of the operators: the edit race drops the answer of each attempt. */
  static final int FINSPACE_ATTEMPTS = 3;

  static final String USAGE =
      """
      Usage: hack/resilience.sh [--resources 500] [--databases 25] [--kills 3] [--replicas 2]
                                [--api-server-restarts 1] [--token-expiry true] [--seed N]
                                [--adopt-after 1s] [--race-rounds 2] [--burst 5]
                                [--race-hold-ms 1500] [--raised-limit 2]
                                [--target process|node] [--rebuild false]
                                [--timeout MINUTES] [--out target/resilience]
      --race-rounds 0 plays none of the races of issue 12; --raised-limit 0 runs no operator
      with the per-database limit raised (and so no identical-requests race).
      --target node: the operators are pods of the Helm chart on our own single-node cluster
      (root; default --out target/resilience-node); leader kills are pod deletions.
      --rebuild true (with --token-expiry false): after the run, delete every KxChangeset of the
      main namespace and apply the manifests again (half with spec.changesetId): 0 new changesets
      expected; then one allow-rerun-of annotation: exactly 1.
      """;

  private final Options o;
  private final long t0 = System.nanoTime();
  private final List<ObjectNode> disruptions = new CopyOnWriteArrayList<>();

  ResilienceRun(Options o) {
    this.o = o;
  }

  public static void main(String[] args) {
    Args.main(USAGE, () -> new ResilienceRun(Options.parse(args))::run);
  }

  /** Runs once; returns what results.json holds. */
  ObjectNode run() {
    FinSpaceEmulator.Builder emu =
        Workload.emulator(o.databases)
            .pending(o.pending)
            .processing(o.processing)
            // Changesets of a database run side by side, so that one started over the operator's
            // per-database limit is created and counted (FinSpaceEmulator.maxInFlight) rather than
            // refused with a 409 the operator would retry, which would hide it.
            .concurrency(ConcurrencyPolicy.CONCURRENT);
    Races.register(emu, o.plan());
    say(
        "resilience run: %d KxChangesets over %d databases, %d replica(s), %d kill(s), %d API server restart(s), token expiry %s, %d round(s) of races (burst %d, raised limit %d)"
            .formatted(
                o.resources,
                o.databases,
                o.replicas,
                o.kills,
                o.apiServerRestarts,
                o.tokenExpiry ? "on" : "off",
                o.raceRounds,
                o.burst,
                o.raisedLimit));
    Path work = o.out.resolve("work");
    try (Target h =
        o.target.equals("node")
            ? new NodeTarget(work, emu, this::say)
            : new ProcessTarget(work, emu, this::say)) {
      return run(h);
    }
  }

  private ObjectNode run(Target h) {
    FinSpaceEmulator emulator = h.emulator();
    h.namespace(NAMESPACE);
    Random random = new Random(o.seed);
    emulator
        .faults()
        .seed(o.seed)
        .failureRate("ThrottlingException", o.throttleRate)
        .failureRate("InternalServerException", o.internalErrorRate)
        // Half the drops lose the request, half lose the response of a call that took effect.
        .dropRate(o.dropRate / 2)
        .responseDropRate(o.dropRate / 2);

    Map<String, String> env = new java.util.LinkedHashMap<>();
    env.put("WATCH_NAMESPACES", NAMESPACE);
    env.put("POLL_INTERVAL", "500ms");
    env.put("MAX_POLL_INTERVAL", "2s");
    env.put("RETRY_INITIAL_INTERVAL", "500ms");
    env.put("RETRY_MAX_INTERVAL", "5s");
    env.put("FINSPACE_RATE_LIMIT", "50");
    // The harness moves FinSpace's clock 11 minutes ahead while real time stands still, so any
    // client token may expire at any moment; in real time that takes 10 minutes, by which time
    // every affected create intent is older than the default ADOPT_AFTER (7m). 1s keeps the two
    // consistent: every retried create first asks FinSpace whether the earlier attempt took effect.
    // (--adopt-after 7m shows what the harness catches: the expired token then creates a
    // duplicate and the run fails.)
    env.put("ADOPT_AFTER", o.adoptAfter);
    env.put("FINSPACE_MAX_ATTEMPTS", Integer.toString(FINSPACE_ATTEMPTS));
    env.put("MAX_IN_FLIGHT_PER_DATABASE", "1");
    h.startOperators(env, o.replicas);
    Races.Plan plan = o.plan();
    List<String> namespaces = new ArrayList<>(List.of(NAMESPACE));
    if (plan.raised() && plan.rounds() > 0) {
      // A part of the run with the per-database limit raised: one more operator (no leader
      // election, its own namespace), for the races that need two changesets of a database
      // admitted at once.
      h.namespace(Races.RAISED_NAMESPACE);
      namespaces.add(Races.RAISED_NAMESPACE);
      Map<String, String> raised = new java.util.LinkedHashMap<>(env);
      raised.put("WATCH_NAMESPACES", Races.RAISED_NAMESPACE);
      raised.put("MAX_IN_FLIGHT_PER_DATABASE", Integer.toString(plan.raisedLimit()));
      // Its identical-requests race is about adoption: the second resource, created while the
      // first's changeset exists, would otherwise be refused as a repeat of history.
      raised.put("REFUSE_REPEATED_HISTORY", "false");
      h.startRaised(raised);
    }
    say("leader: " + h.awaitLeader(Duration.ofMinutes(3)));
    Races races = new Races(plan, NAMESPACE, h.client(), emulator, this::say);

    // The token-expiry window: the leader is killed inside the create of this resource's
    // changeset (after FinSpace stored it, before the operator can write its id to status), and
    // FinSpace's clock is moved past the token's 10 minutes before anyone retries.
    AtomicBoolean expiryFired = new AtomicBoolean();
    AtomicReference<String> expiryChangeset = new AtomicReference<>();
    emulator.onCreate(
        c -> {
          races.created(c);
          if (!EXPIRY_DATABASE.equals(c.databaseName())
              || !expiryFired.compareAndSet(false, true)) {
            return;
          }
          expiryChangeset.set(c.changesetId());
          List<String> victims = h.killLeader(true, true, Duration.ZERO);
          emulator.clock().advance(Duration.ofMinutes(11));
          disruption(
              "token-expiry",
              "killed "
                  + victims
                  + " inside the create of "
                  + c.changesetId()
                  + "; FinSpace clock +11 min");
        });

    // The races add resources as they go (a missed burst is tried again with new names).
    int base = o.resources + (o.tokenExpiry ? 1 : 0);
    java.util.function.IntSupplier total = () -> base + races.created();
    try (Tracker mainTracker = new Tracker(h.client(), NAMESPACE);
        Tracker raisedTracker =
            namespaces.size() > 1 ? new Tracker(h.client(), Races.RAISED_NAMESPACE) : null) {
      java.util.function.IntSupplier finalCount =
          () -> mainTracker.finalCount() + (raisedTracker == null ? 0 : raisedTracker.finalCount());
      if (o.tokenExpiry) {
        Workload.apply(
            h.client(),
            NAMESPACE,
            List.of(new Workload.Item("expiry-00000", EXPIRY_DATABASE, 0)),
            1);
      }
      long applyStart = System.nanoTime();
      Map<String, Workload.Applied> applied =
          Workload.apply(h.client(), NAMESPACE, Workload.items("cs", o.resources, o.databases), 8);
      say(
          "applied %d KxChangesets in %.1fs"
              .formatted(applied.size(), (System.nanoTime() - applyStart) / 1e9));
      List<String> raceFailures = new CopyOnWriteArrayList<>();
      Thread raceDriver =
          new Thread(
              () -> {
                try {
                  for (int r = 0; r < plan.rounds(); r++) {
                    races.round(r);
                    Harness.sleep(3_000);
                  }
                } catch (RuntimeException e) {
                  raceFailures.add("the races stopped: " + e);
                  say("the races stopped: " + e);
                }
              },
              "harness-races");
      raceDriver.setDaemon(true);
      raceDriver.start();

      List<Double> killAt = thresholds(random, o.kills, 0.10, 0.90);
      List<Double> restartAt = thresholds(random, o.apiServerRestarts, 0.20, 0.80);
      double expiryAt = o.tokenExpiry ? 0.30 + 0.40 * random.nextDouble() : 2;
      boolean expiryOpen = false;
      int kills = 0;
      int restarts = 0;
      Long failover = null;
      int lastReported = -1;
      long deadline = System.nanoTime() + o.timeout.toNanos();
      while ((raceDriver.isAlive() || finalCount.getAsInt() < total.getAsInt())
          && System.nanoTime() < deadline) {
        double progress = finalCount.getAsInt() / (double) total.getAsInt();
        if (!killAt.isEmpty() && progress >= killAt.get(0) && failover == null) {
          // Processes: the first kill keeps the leader down past its Lease, so the standby must
          // take over (a lost node); the others restart at once and the same process
          // re-acquires. Pods: the first is a graceful deletion (the leader hands its Lease over),
          // the others crashes (deleted with grace period 0); the Deployment replaces each.
          boolean holdDown = kills == 0 && o.replicas > 1;
          List<String> victims =
              h.killLeader(false, kills > 0, holdDown ? LEASE_TAKEOVER : Duration.ZERO);
          if (!victims.isEmpty()) {
            disruption(
                "kill",
                victims
                    + " at "
                    + pct(progress)
                    + " done"
                    + (holdDown && h instanceof ProcessTarget
                        ? ", kept down " + LEASE_TAKEOVER.toSeconds() + "s"
                        : ""));
            killAt.remove(0);
            kills++;
            failover = System.nanoTime();
          }
        }
        if (failover != null) {
          Optional<String> l = h.leader();
          if (l.isPresent()) {
            disruption(
                "leader",
                "%s leads, %.1fs after the kill"
                    .formatted(l.get(), (System.nanoTime() - failover) / 1e9));
            failover = null;
          }
        }
        if (!restartAt.isEmpty() && progress >= restartAt.get(0)) {
          long s = System.nanoTime();
          h.restartApiServer();
          disruption(
              "api-server-restart",
              "kube-apiserver restarted at %s done, down %.1fs"
                  .formatted(pct(progress), (System.nanoTime() - s) / 1e9));
          restartAt.remove(0);
          restarts++;
        }
        if (!expiryOpen && progress >= expiryAt) {
          emulator.registerDatabase(Harness.ENVIRONMENT, EXPIRY_DATABASE);
          expiryOpen = true;
          disruption(
              "token-expiry-armed",
              "database " + EXPIRY_DATABASE + " registered at " + pct(progress) + " done");
        }
        int pctNow = (int) (progress * 10);
        if (pctNow != lastReported) {
          lastReported = pctNow;
          say("%d/%d final".formatted(finalCount.getAsInt(), total.getAsInt()));
        }
        Harness.sleep(200);
      }
      double convergeSeconds = (System.nanoTime() - applyStart) / 1e9;
      boolean converged = finalCount.getAsInt() >= total.getAsInt();
      say(
          converged
              ? "all %d final after %.1fs".formatted(total.getAsInt(), convergeSeconds)
              : "TIMEOUT: %d/%d final".formatted(finalCount.getAsInt(), total.getAsInt()));
      try {
        raceDriver.join(Duration.ofMinutes(2).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      h.stopSupervising();

      Workload.Verification v = Workload.verify(h.client(), namespaces, emulator);
      boolean adopted = o.tokenExpiry && adoptedEvent(h, "expiry-00000");
      // A run that did not do what it was asked proves nothing: each shortfall is a problem.
      List<String> problems = problems(v);
      List<KxChangeset> live = new ArrayList<>();
      for (String ns : namespaces) {
        live.addAll(h.client().resources(KxChangeset.class).inNamespace(ns).list().getItems());
      }
      Map<String, Integer> limits = limits(plan);
      List<String> overLimit = overLimit(emulator, limits, live);
      problems.addAll(overLimit);
      problems.addAll(raceFailures);
      problems.addAll(races.check(live));
      if (races.burstsPlayed() < plan.rounds() * (plan.raised() ? 2 : 1)
          || races.editsPlayed() < plan.rounds() * 2
          || races.identicalPlayed() < (plan.raised() ? plan.rounds() : 0)) {
        problems.add(
            "not every race was played: bursts %d, edits %d, identical %d of %d round(s)"
                .formatted(
                    races.burstsPlayed(),
                    races.editsPlayed(),
                    races.identicalPlayed(),
                    plan.rounds()));
      }
      if (kills < o.kills) {
        problems.add("only " + kills + " of " + o.kills + " kills happened before the end");
      }
      if (restarts < o.apiServerRestarts) {
        problems.add(
            "only " + restarts + " of " + o.apiServerRestarts + " API server restarts happened");
      }
      if (o.tokenExpiry && !expiryFired.get()) {
        problems.add("the token-expiry window never opened");
      } else if (o.tokenExpiry && !adopted) {
        problems.add("the changeset created before the token expired was not adopted");
      }
      ObjectNode rebuilt = Report.JSON.createObjectNode();
      if (o.rebuild && converged) {
        new Rebuild(h.client(), emulator, this::say).run(NAMESPACE, o.timeout, rebuilt, problems);
      }
      boolean correct = converged && v.correct("COMPLETED") && problems.isEmpty();
      ObjectNode result =
          result(
              h,
              v,
              converged,
              convergeSeconds,
              expiryFired.get(),
              expiryChangeset.get(),
              adopted,
              correct,
              problems);
      ObjectNode outcome = (ObjectNode) result.get("outcome");
      outcome.put("killsDone", kills);
      outcome.put("apiServerRestartsDone", restarts);
      outcome.put("overLimit", overLimit.size());
      if (rebuilt.has("rebuild")) {
        result.set("rebuild", rebuilt.get("rebuild"));
      }
      ObjectNode played = outcome.putObject("racesPlayed");
      played.put("bursts", races.burstsPlayed());
      played.put("edits", races.editsPlayed());
      played.put("identical", races.identicalPlayed());
      ObjectNode max = result.putObject("maxInFlight");
      for (InFlightPeak p : emulator.maxInFlight()) {
        if (p.max() > 0) {
          max.putObject(p.databaseName())
              .put("max", p.max())
              .put("limit", limits.getOrDefault(p.databaseName(), 1));
        }
      }
      result.set("races", races.report());
      Report.write(o.out, result, text(result));
      System.out.print(text(result));
      say("written to " + o.out.resolve("results.json"));
      Plots.write(o.out, Plots.resilience(result));
      return result;
    }
  }

  /** The operator's per-database limit for each database whose limit is not 1. */
  private static Map<String, Integer> limits(Races.Plan plan) {
    Map<String, Integer> out = new java.util.HashMap<>();
    for (String db : Races.databases(plan, true)) {
      out.put(db, plan.raisedLimit());
    }
    return out;
  }

  /**
   * One line per database on which FinSpace (the emulator's own count) ever had more changesets in
   * flight at once than its operator's MAX_IN_FLIGHT_PER_DATABASE, naming them and their resources.
   */
  static List<String> overLimit(
      FinSpaceEmulator emulator, Map<String, Integer> limits, List<KxChangeset> live) {
    Map<String, String> resourceOfToken = new java.util.HashMap<>();
    live.forEach(
        r ->
            resourceOfToken.put(
                r.getMetadata().getUid(),
                r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()));
    Map<String, String> resourceOfId = new java.util.HashMap<>();
    emulator
        .changesetsByClientToken()
        .forEach(
            (token, ids) ->
                ids.forEach(
                    id ->
                        resourceOfId.put(
                            id, resourceOfToken.getOrDefault(token, "token " + token))));
    List<String> out = new ArrayList<>();
    for (InFlightPeak p : emulator.maxInFlight()) {
      int limit = limits.getOrDefault(p.databaseName(), 1);
      if (p.max() > limit) {
        List<String> who = new ArrayList<>();
        p.changesetIds().forEach(id -> who.add(id + " (" + resourceOfId.get(id) + ")"));
        out.add(
            "over limit: database %s had %d changesets in flight at once (limit %d) at %s: %s"
                .formatted(p.databaseName(), p.max(), limit, p.at(), who));
      }
    }
    return out;
  }

  private boolean adoptedEvent(Target h, String name) {
    List<Event> events =
        h.client()
            .v1()
            .events()
            .inNamespace(NAMESPACE)
            .withField("involvedObject.name", name)
            .list()
            .getItems();
    return events.stream().anyMatch(e -> "ChangesetAdopted".equals(e.getReason()));
  }

  /** {@code n} sorted random fractions in [from, to). */
  private static List<Double> thresholds(Random random, int n, double from, double to) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(from + (to - from) * random.nextDouble());
    }
    out.sort(null);
    return out;
  }

  private ObjectNode result(
      Target h,
      Workload.Verification v,
      boolean converged,
      double convergeSeconds,
      boolean expiryFired,
      String expiryChangeset,
      boolean adopted,
      boolean correct,
      List<String> problems) {
    ObjectNode r = Report.JSON.createObjectNode();
    r.put("correct", correct);
    r.set("machine", Report.machine());
    ObjectNode params = r.putObject("parameters");
    params.put("resources", o.resources);
    params.put("databases", o.databases);
    params.put("target", h.name());
    params.put("replicas", o.replicas);
    params.put("kills", o.kills);
    params.put("apiServerRestarts", o.apiServerRestarts);
    params.put("tokenExpiry", o.tokenExpiry);
    params.put("throttleRate", o.throttleRate);
    params.put("internalErrorRate", o.internalErrorRate);
    params.put("dropRate", o.dropRate);
    params.put("pending", o.pending.toString());
    params.put("processing", o.processing.toString());
    params.put("seed", o.seed);
    params.put("adoptAfter", o.adoptAfter);
    params.put("emulatorConcurrency", "CONCURRENT");
    params.put("raceRounds", o.raceRounds);
    params.put("burst", o.burst);
    params.put("raceHoldMillis", o.raceHoldMillis);
    params.put("raisedLimit", o.raisedLimit);
    ObjectNode outcome = r.putObject("outcome");
    outcome.put("converged", converged);
    outcome.put("secondsToConverge", Report.round2(convergeSeconds));
    outcome.put("resources", v.resources());
    outcome.set("resourcesByStatus", Report.JSON.valueToTree(v.byStatus()));
    outcome.put("resourcesWithExactlyOneChangeset", v.exactlyOne());
    outcome.put("duplicates", v.duplicates().size());
    outcome.put("lost", v.lost().size());
    outcome.put("orphanChangesets", v.orphans().size());
    outcome.put("statusIdMismatches", v.mismatched().size());
    outcome.put("claimedTwice", v.claimedTwice().size());
    outcome.put("changesetsInEmulator", v.changesetsInEmulator());
    outcome.set(
        "problems",
        Report.JSON.valueToTree(problems.size() > 50 ? problems.subList(0, 50) : problems));
    ObjectNode expiry = r.putObject("tokenExpiry");
    expiry.put("windowOpened", expiryFired);
    expiry.put("changesetId", expiryChangeset);
    expiry.put("adopted", adopted);
    r.set("finspaceCalls", Report.JSON.valueToTree(h.emulator().counters()));
    // Under CONCURRENT, a 409 on create is a client token reused with another body.
    r.put(
        "createConflicts",
        h.emulator().counter(Operation.CREATE_KX_CHANGESET, "ConflictException"));
    ArrayNode d = r.putArray("disruptions");
    disruptions.forEach(d::add);
    r.set("supervisorRestarts", Report.JSON.valueToTree(h.restarts()));
    return r;
  }

  private static List<String> problems(Workload.Verification v) {
    List<String> p = new ArrayList<>();
    v.duplicates().forEach(x -> p.add("duplicate " + x));
    v.lost().forEach(x -> p.add("lost " + x));
    v.orphans().forEach(x -> p.add("orphan " + x));
    v.mismatched().forEach(x -> p.add("mismatch " + x));
    v.claimedTwice().forEach(x -> p.add("claimed twice: " + x));
    return p;
  }

  static String text(ObjectNode r) {
    ObjectNode out = (ObjectNode) r.get("outcome");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"resilience", "value"});
    rows.add(new String[] {"correct", r.path("correct").asText()});
    rows.add(new String[] {"resources", out.path("resources").asText()});
    rows.add(new String[] {"by status", out.path("resourcesByStatus").toString()});
    rows.add(
        new String[] {
          "exactly one changeset", out.path("resourcesWithExactlyOneChangeset").asText()
        });
    rows.add(new String[] {"duplicates", out.path("duplicates").asText()});
    rows.add(new String[] {"lost", out.path("lost").asText()});
    rows.add(new String[] {"orphan changesets", out.path("orphanChangesets").asText()});
    rows.add(new String[] {"seconds to converge", out.path("secondsToConverge").asText()});
    rows.add(
        new String[] {
          "token expiry adopted",
          r.path("tokenExpiry").path("windowOpened").asBoolean()
              ? r.path("tokenExpiry").path("adopted").asText()
              : "n/a"
        });
    rows.add(new String[] {"claimed by two resources", out.path("claimedTwice").asText()});
    rows.add(new String[] {"databases over their limit", out.path("overLimit").asText()});
    if (r.has("rebuild")) {
      var b = r.path("rebuild");
      rows.add(
          new String[] {
            "rebuild: re-applied (with id / without)",
            b.path("resources").asText()
                + " ("
                + b.path("withChangesetId").asText()
                + " / "
                + b.path("withoutChangesetId").asText()
                + ")"
          });
      rows.add(
          new String[] {
            "rebuild: imported / refused", b.path("imported") + " / " + b.path("refused")
          });
      rows.add(new String[] {"rebuild: new changesets", b.path("newChangesets").asText()});
      rows.add(
          new String[] {
            "rebuild: Create / List / Get calls",
            b.path("createCalls") + " / " + b.path("listCalls") + " / " + b.path("getCalls")
          });
      rows.add(new String[] {"rebuild: seconds to settle", b.path("secondsToSettle").asText()});
      rows.add(
          new String[] {
            "rebuild: annotated re-run, new changesets", b.path("rerunNewChangesets").asText()
          });
    }
    r.path("maxInFlight")
        .fields()
        .forEachRemaining(
            e -> {
              // Every race database, and any other that had more than one at once.
              if (e.getValue().path("max").asInt() > 1 || !e.getKey().startsWith("db-")) {
                rows.add(
                    new String[] {
                      "max in flight " + e.getKey(),
                      e.getValue().path("max").asText()
                          + " (limit "
                          + e.getValue().path("limit").asText()
                          + ")"
                    });
              }
            });
    rows.add(
        new String[] {
          "races played (bursts/edits/identical)",
          out.path("racesPlayed").path("bursts").asText()
              + "/"
              + out.path("racesPlayed").path("edits").asText()
              + "/"
              + out.path("racesPlayed").path("identical").asText()
        });
    r.path("races")
        .path("edits")
        .forEach(
            e ->
                rows.add(
                    new String[] {
                      "edit " + e.path("resource").asText(),
                      e.path("editAccepted").asBoolean()
                          ? "accepted"
                          : "rejected: " + e.path("rejection").asText()
                    }));
    rows.add(
        new String[] {"409 conflicts (token, other body)", r.path("createConflicts").asText()});
    r.path("finspaceCalls")
        .fields()
        .forEachRemaining(
            e -> rows.add(new String[] {"calls " + e.getKey(), e.getValue().asText()}));
    StringBuilder sb = new StringBuilder(Report.table(rows));
    if (!out.path("problems").isEmpty()) {
      sb.append("problems:\n");
      out.path("problems").forEach(p -> sb.append("  ").append(p.asText()).append('\n'));
    }
    sb.append("disruptions:\n");
    r.path("disruptions")
        .forEach(
            d ->
                sb.append(
                    "  %7.1fs  %-20s %s%n"
                        .formatted(
                            d.path("atSeconds").asDouble(),
                            d.path("kind").asText(),
                            d.path("what").asText())));
    r.path("supervisorRestarts").forEach(s -> sb.append("  ").append(s.asText()).append('\n'));
    return sb.toString();
  }

  private void disruption(String kind, String what) {
    ObjectNode d = Report.JSON.createObjectNode();
    d.put("atSeconds", Report.round2((System.nanoTime() - t0) / 1e9));
    d.put("kind", kind);
    d.put("what", what);
    disruptions.add(d);
    say(kind + ": " + what);
  }

  private static String pct(double p) {
    return "%.0f%%".formatted(p * 100);
  }

  private void say(String line) {
    System.out.printf("[%7.1fs] %s%n", (System.nanoTime() - t0) / 1e9, line);
    System.out.flush();
  }
}
