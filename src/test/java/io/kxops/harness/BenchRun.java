/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kxops.emulator.ChangesetView;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.emulator.RequestLog;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.config.ConfigLoader;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.status.StatusMapper;
import io.kxops.testkit.OperatorProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The performance harness: the operator process (java -jar, the chart's JVM flags) on a real API
 * server against the FinSpace emulator, side by side with {@link Baseline} on the same emulator
 * settings. Scenarios: start-up; end to end (a burst of KxChangesets to all COMPLETED) and the
 * baseline, at the default per-database limit and with it raised; a throttled FinSpace; memory with
 * many completed KxChangesets. Writes {@code <out>/results.json} and {@code results.txt}. Goals are
 * reported, not asserted; the run fails (exit 1) only if it is incorrect: a changeset lost or
 * duplicated, or a resource not COMPLETED. Run by hack/bench.sh; a small version runs in CI as
 * BenchRunIT.
 *
 * <p>Longer than 400 lines on purpose: each scenario is a short method on the one rig the run
 * builds (API server, emulator, operator processes, report), read top to bottom; what stands alone
 * lives beside it ({@link Baseline}, {@link Workload}, {@link Tracker}, {@link Report}, {@link
 * CpuMeter}).
 */
public final class BenchRun {

  /** Run parameters; the defaults are the full run. */
  static final class Options extends Args.Common {
    int memoryResources = 10_000;

    /** Of {@link #memoryResources}, how many are not final (-1: 1 %, at least one). */
    int memoryInFlight = -1;

    int throttledResources = 1000;
    int startupRuns = 3;
    int repeat = 3;

    /**
     * Changesets of an unmeasured burst before each measured one (0: the measured one is cold; -1:
     * two per database).
     */
    int warmup = -1;

    Duration processing = Duration.ofSeconds(3);
    Duration poll = Duration.ofSeconds(1);
    Duration maxPoll = Duration.ofSeconds(10);
    double rateLimit = 200;
    double throttledFinSpaceRate = 20;

    /** RECONCILE_THREADS; null: the operator's default for the FinSpace rate limit. */
    Integer reconcileThreads;

    String operatorLogLevel = "warn";
    List<String> operatorJvm = Harness.chartJvmOptions();
    Set<String> scenarios = Set.of("startup", "e2e", "raised", "throttled", "memory");

    Options() {
      super(1000, 100, Duration.ofMinutes(20), Path.of("target", "bench"));
    }

    static Options parse(String... args) {
      Options o = new Options();
      Args.parse(
          args,
          o.with(
              Map.ofEntries(
                  Map.entry("--memory-resources", v -> o.memoryResources = Integer.parseInt(v)),
                  Map.entry("--memory-in-flight", v -> o.memoryInFlight = Integer.parseInt(v)),
                  Map.entry(
                      "--throttled-resources", v -> o.throttledResources = Integer.parseInt(v)),
                  Map.entry("--startup-runs", v -> o.startupRuns = Integer.parseInt(v)),
                  Map.entry("--repeat", v -> o.repeat = Integer.parseInt(v)),
                  Map.entry("--warmup", v -> o.warmup = Integer.parseInt(v)),
                  Map.entry("--rate-limit", v -> o.rateLimit = Double.parseDouble(v)),
                  Map.entry("--operator-log-level", v -> o.operatorLogLevel = v),
                  Map.entry("--operator-jvm", v -> o.operatorJvm = List.of(v.trim().split("\\s+"))),
                  // Added to the chart's flags, e.g. a flight recording of the operator.
                  Map.entry(
                      "--operator-jvm-add",
                      v ->
                          o.operatorJvm =
                              Stream.concat(
                                      o.operatorJvm.stream(), Stream.of(v.trim().split("\\s+")))
                                  .toList()),
                  Map.entry("--reconcile-threads", v -> o.reconcileThreads = Integer.parseInt(v)),
                  Map.entry("--scenarios", v -> o.scenarios = Set.of(v.split(","))))));
      o.check();
      if (o.warmup < 0) {
        o.warmup = 2 * o.databases;
      }
      if (o.memoryInFlight < 0) {
        o.memoryInFlight = Math.max(1, o.memoryResources / 100);
      }
      if (o.throttledResources < o.databases
          || o.memoryResources < 1
          || o.memoryInFlight > o.memoryResources
          || o.startupRuns < 1
          || o.repeat < 1) {
        throw new IllegalArgumentException(
            "need --throttled-resources >= --databases; --memory-resources, --startup-runs and"
                + " --repeat >= 1; --memory-in-flight <= --memory-resources");
      }
      return o;
    }
  }

  static final String USAGE =
      """
      Usage: hack/bench.sh [--resources 1000] [--databases 100] [--memory-resources 10000]
                           [--memory-in-flight 1% of them]
                           [--throttled-resources 1000] [--startup-runs 3] [--repeat 3]
                           [--warmup 2 per database]
                           [--rate-limit 200]
                           [--scenarios startup,e2e,raised,throttled,memory]
                           [--operator-log-level warn] [--operator-jvm "FLAGS"]
                           [--operator-jvm-add "FLAGS"]
                           [--reconcile-threads N] [--timeout MINUTES] [--out target/bench]
      """;

  private final Options o;
  private final long t0 = System.nanoTime();
  private boolean correct = true;
  private final List<String> problems = new ArrayList<>();
  private final Set<String> slowHandOffs = new java.util.TreeSet<>();

  BenchRun(Options o) {
    this.o = o;
  }

  public static void main(String[] args) {
    Args.main(USAGE, () -> new BenchRun(Options.parse(args))::run);
  }

  ObjectNode run() {
    FinSpaceEmulator.Builder emu =
        Workload.emulator(o.databases)
            .pending(Duration.ZERO)
            .processing(o.processing)
            // Enough for one scenario's calls: the timeline below reads it.
            .requestLogCapacity(4 * o.resources + 10 * o.databases + 1_000);
    ObjectNode r = Report.JSON.createObjectNode();
    r.set("machine", Report.machine());
    ObjectNode settings = r.putObject("settings");
    settings.put("resources", o.resources);
    settings.put("databases", o.databases);
    settings.put("emulatorProcessing", o.processing.toString());
    settings.put("pollInterval", o.poll.toString());
    settings.put("maxPollInterval", o.maxPoll.toString());
    settings.put("finspaceRateLimit", o.rateLimit);
    settings.put("reconcileThreads", threads(o.rateLimit));
    settings.put("warmupChangesets", o.warmup);
    settings.put("operatorJvm", String.join(" ", o.operatorJvm));
    try (Harness h = Harness.start(o.out.resolve("work"), emu, this::say)) {
      if (o.scenarios.contains("startup")) {
        r.set("startup", startup(h));
      }
      if (o.scenarios.contains("e2e")) {
        pair(h, r, "", 1);
      }
      if (o.scenarios.contains("raised")) {
        pair(h, r, "RaisedLimit", Math.max(1, o.resources / o.databases));
      }
      if (o.scenarios.contains("throttled")) {
        r.set("throttled", throttled(h));
      }
      if (o.scenarios.contains("memory")) {
        r.set("memory", memory(h));
      }
    }
    r.put("correct", correct);
    r.set("problems", Report.JSON.valueToTree(problems));
    // Hand-offs after the first wave that took more than 2 s (the first 50; not counting the
    // throttled scenario): each one is worth a look.
    r.set("slowHandOffs", Report.JSON.valueToTree(slowHandOffs));
    Report.write(o.out, r, text(r));
    System.out.print(text(r));
    say("written to " + o.out.resolve("results.json"));
    Plots.write(o.out, Plots.bench(List.of(r)));
    return r;
  }

  // --------------------------------------------------------------------------- scenarios

  /** Process start → /readyz, and → the first CreateKxChangeset at the emulator. */
  private ObjectNode startup(Harness h) {
    List<Double> ready = new ArrayList<>();
    List<Double> firstCreate = new ArrayList<>();
    for (int run = 0; run < o.startupRuns; run++) {
      String ns = "bench-startup-" + run;
      h.namespace(ns);
      h.emulator().reset();
      Workload.apply(h.client(), ns, Workload.items("cs", o.databases, o.databases), 8);
      AtomicLong first = new AtomicLong();
      h.emulator().onCreate(c -> first.compareAndSet(0, System.nanoTime()));
      OperatorProcess p = h.operator("startup-" + run, env(h, ns, 1, o.rateLimit), o.operatorJvm);
      p.start();
      ready.add(p.awaitReady(Duration.ofMinutes(2)).toNanos() / 1e9);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (first.get() == 0 && System.nanoTime() < deadline) {
        Harness.sleep(10);
      }
      if (first.get() == 0) {
        fail("startup run " + run + ": no CreateKxChangeset within 2 minutes");
      } else {
        firstCreate.add((first.get() - p.startedNanos()) / 1e9);
      }
      h.emulator().onCreate(null);
      p.stop(20);
      say(
          "startup %d: ready %.2fs, first create %.2fs"
              .formatted(
                  run,
                  ready.get(run),
                  firstCreate.isEmpty() ? Double.NaN : firstCreate.get(firstCreate.size() - 1)));
    }
    ObjectNode s = Report.JSON.createObjectNode();
    s.put("runs", o.startupRuns);
    s.put("resourcesWaiting", o.databases);
    s.set("secondsToReady", Report.distribution(ready));
    s.set("secondsToFirstCreate", Report.distribution(firstCreate));
    return s;
  }

  /**
   * The operator and the baseline on the same work, {@code repeat} times in turn (the machine is
   * shared and noisy); the pair with the median ratio is reported in full, every pair's totals
   * under repeats.
   */
  private void pair(Harness h, ObjectNode r, String suffix, int perDatabase) {
    List<ObjectNode[]> runs = new ArrayList<>();
    var repeats = Report.JSON.createArrayNode();
    for (int i = 0; i < o.repeat; i++) {
      String tag = (suffix.isEmpty() ? "" : "-raised") + (o.repeat > 1 ? "-" + i : "");
      ObjectNode op = endToEnd(h, "e2e" + tag, perDatabase);
      ObjectNode base = baseline(h, "baseline" + tag, perDatabase);
      runs.add(new ObjectNode[] {op, base});
      ObjectNode x = repeats.addObject();
      x.put("operatorSeconds", op.path("totalSeconds").asDouble());
      x.put("baselineSeconds", base.path("totalSeconds").asDouble());
      x.put("ratio", ratio(op, base));
    }
    runs.sort(Comparator.comparingDouble(x -> ratio(x[0], x[1])));
    ObjectNode[] median = runs.get(runs.size() / 2);
    r.set("endToEnd" + suffix, median[0]);
    r.set("baseline" + suffix, median[1]);
    r.put("ratioOperatorToBaseline" + suffix, ratio(median[0], median[1]));
    r.set("repeats" + suffix, repeats);
  }

  /** A burst of KxChangesets, the operator taking them to COMPLETED. */
  private ObjectNode endToEnd(Harness h, String name, int perDatabase) {
    h.emulator().reset();
    return operatorRun(h, name, o.resources, perDatabase, o.rateLimit, o.warmup);
  }

  /**
   * An unmeasured burst of {@code count} changesets on the warm-up databases, taken to final by the
   * operator just started, so that the measured burst meets a JVM that has compiled its code and
   * opened its connections, as the burst of an operator that has been running would (the bare loop
   * gets the same); then its resources are deleted and the emulator's counters cleared.
   */
  private void warmUp(Harness h, String ns, int count) {
    List<Workload.Item> items = Workload.warmUpItems(count, o.databases);
    try (Tracker t = Tracker.finalOnly(h.client(), ns)) {
      Workload.apply(h.client(), ns, items, 8);
      if (!t.awaitFinal(count, o.timeout, n -> {})) {
        fail(ns + " warm-up: only " + t.finalCount() + "/" + count + " final after " + o.timeout);
      }
    }
    h.client().resources(KxChangeset.class).inNamespace(ns).delete();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!h.client().resources(KxChangeset.class).inNamespace(ns).list().getItems().isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(ns + " warm-up: resources not deleted after 2 minutes");
      }
      Harness.sleep(100);
    }
    forgetWarmUp(h.emulator());
  }

  private void forgetWarmUp(FinSpaceEmulator emu) {
    for (int d = 0; d < o.databases; d++) {
      emu.forgetChangesets(Harness.ENVIRONMENT, Workload.warmUpDatabase(d));
    }
    emu.clearCounters();
  }

  private ObjectNode throttled(Harness h) {
    h.emulator().reset();
    h.emulator().faults().rateLimit(o.throttledFinSpaceRate);
    // A user facing a FinSpace that allows 20 requests/s sets the operator's limit to match.
    ObjectNode t = operatorRun(h, "throttled", o.throttledResources, 1, o.throttledFinSpaceRate, 0);
    h.emulator().faults().clear();
    long calls = t.path("finspaceCalls").path("total").asLong();
    long throttled = t.path("finspaceCalls").path("throttled").asLong();
    long needed = calls - throttled;
    double floor = needed / o.throttledFinSpaceRate;
    // Below that, the per-database queue itself bounds the run: each database's changesets run
    // one after the other, so no schedule can finish before (per database) x processing.
    double serial =
        Math.ceil(o.throttledResources / (double) o.databases) * o.processing.toMillis() / 1000.0;
    t.put("finspaceRequestsPerSecond", o.throttledFinSpaceRate);
    t.put("callsNeeded", needed);
    t.put("floorSeconds", Report.round2(floor));
    t.put("serialBoundSeconds", Report.round2(serial));
    t.put("rateBound", floor >= serial);
    t.put("ratioToFloor", Report.round2(t.path("totalSeconds").asDouble() / floor));
    t.put("throttledShare", Report.round3(calls == 0 ? 0 : throttled / (double) calls));
    return t;
  }

  private ObjectNode operatorRun(
      Harness h, String name, int count, int perDatabase, double rateLimit, int warmup) {
    String ns = "bench-" + name;
    h.namespace(ns);
    FinSpaceEmulator emu = h.emulator();
    OperatorProcess p = h.operator(name, env(h, ns, perDatabase, rateLimit), o.operatorJvm);
    p.start();
    p.awaitReady(Duration.ofMinutes(2));
    if (warmup > 0) {
      warmUp(h, ns, warmup);
    }
    List<Workload.Item> items = Workload.items("cs", count, o.databases);
    ObjectNode r = Report.JSON.createObjectNode();
    try (Tracker tracker = Tracker.finalOnly(h.client(), ns)) {
      say(
          name
              + ": applying "
              + count
              + " KxChangesets, "
              + perDatabase
              + " in flight per database");
      Map<String, Double> kubeBefore = KubeCost.apiServer(h.client());
      String operatorBefore = p.metrics().orElse("");
      CpuMeter cpu = cpuMeter(h).add("operator", p::pid).start();
      long start = System.nanoTime();
      Instant startWall = Instant.now();
      Map<String, Workload.Applied> applied = Workload.apply(h.client(), ns, items, 8);
      double applySeconds = (System.nanoTime() - start) / 1e9;
      boolean done = tracker.awaitFinal(count, o.timeout, n -> {});
      if (!done) {
        fail(name + ": only " + tracker.finalCount() + "/" + count + " final after " + o.timeout);
      }
      long last = tracker.lastFinalNanos(start);
      r.put("resources", count);
      r.put("perDatabaseLimit", perDatabase);
      r.put("finspaceRateLimit", rateLimit);
      r.put("applySeconds", Report.round2(applySeconds));
      r.put("totalSeconds", Report.round2((last - start) / 1e9));
      r.set("cpuSeconds", cpu.stop((System.nanoTime() - start) / 1e9));
      // Events are sent off the reconcile threads: how long after the last COMPLETED status the
      // last of them (ChangesetCreated + ChangesetCompleted per changeset) reached the API.
      r.put("eventsExpected", 2 * count);
      r.put("secondsEventsBehindStatus", Report.round2(eventsCaughtUp(h, ns, 2 * count, last)));
      // Counted once the events are in: what the run cost the API server, per changeset.
      r.set(
          "kube",
          KubeCost.of(
              kubeBefore,
              KubeCost.apiServer(h.client()),
              count,
              tracker.events(),
              operatorBefore,
              p.metrics().orElse(null),
              r.path("cpuSeconds")));
      r.set("finspaceCalls", calls(emu, count));
      Workload.Verification v = Workload.verify(h.client(), ns, emu);
      check(name, v);
      r.put("exactlyOneChangesetEach", v.exactlyOne() == count);
      // Resource creation (its create returning) → the create arriving at FinSpace.
      Map<String, ChangesetView> byToken = Workload.changesetsByToken(emu, o.databases);
      List<Double> toCreate = new ArrayList<>();
      for (Workload.Applied a : applied.values()) {
        ChangesetView c = byToken.get(a.uid());
        if (c != null) {
          long ackWallMillis = startWall.toEpochMilli() + (a.ackNanos() - start) / 1_000_000;
          toCreate.add((c.createdTimestamp().toEpochMilli() - ackWallMillis) / 1000.0);
        }
      }
      r.set("secondsResourceToCreate", Report.distribution(toCreate));
      // The burst's start → each resource seen final by the harness's watch (the user's view of
      // apply → COMPLETED; comparable to the bare loop's start → each changeset final).
      r.set("secondsStartToFinal", secondsSince(start, tracker.finalNanos().values()));
      // Under a FinSpace rate limit every hand-off waits its turn for a request: not "slow".
      handOffs(r, emu, name, rateLimit >= o.rateLimit);
    } finally {
      p.stop(20);
    }
    say(name + ": " + r.path("totalSeconds").asText() + "s");
    return r;
  }

  private ObjectNode baseline(Harness h, String name, int perDatabase) {
    FinSpaceEmulator emu = h.emulator();
    emu.reset();
    List<Workload.Item> items = Workload.items("cs", o.resources, o.databases);
    say(name + ": " + o.resources + " changesets, " + perDatabase + " in flight per database");
    Baseline b = new Baseline(emu.endpoint(), o.poll, o.maxPoll, o.rateLimit, threads(o.rateLimit));
    ObjectNode r = Report.JSON.createObjectNode();
    try {
      if (o.warmup > 0) {
        b.run(Workload.warmUpItems(o.warmup, o.databases), perDatabase, o.timeout);
        forgetWarmUp(emu);
      }
      long errorsBefore = b.errors();
      long wallStart = System.currentTimeMillis();
      CpuMeter cpu = cpuMeter(h).start();
      Baseline.Result res = b.run(items, perDatabase, o.timeout);
      r.set("cpuSeconds", cpu.stop(res.totalSeconds()));
      r.put("resources", o.resources);
      r.put("perDatabaseLimit", perDatabase);
      r.put("finspaceRateLimit", o.rateLimit);
      r.put("totalSeconds", Report.round2(res.totalSeconds()));
      r.set("finspaceCalls", calls(emu, o.resources));
      r.put("failedCallsRetried", b.errors() - errorsBefore);
      long completed = res.finalStatus().values().stream().filter("COMPLETED"::equals).count();
      if (completed != o.resources || emu.changesetCount() != o.resources) {
        fail(
            name
                + ": "
                + completed
                + " COMPLETED, "
                + emu.changesetCount()
                + " changesets for "
                + o.resources);
      }
      List<Double> toCreate = new ArrayList<>();
      for (ChangesetView c : Workload.changesetsByToken(emu, o.databases).values()) {
        toCreate.add((c.createdTimestamp().toEpochMilli() - wallStart) / 1000.0);
      }
      r.set("secondsStartToCreate", Report.distribution(toCreate));
      r.set("secondsStartToFinal", secondsSince(res.startNanos(), res.finalAt().values()));
      handOffs(r, emu, name, true);
    } finally {
      b.close();
    }
    say(name + ": " + r.path("totalSeconds").asText() + "s");
    return r;
  }

  /**
   * History and work in flight: many KxChangesets in the cluster, all but {@code
   * --memory-in-flight} of them COMPLETED (their changesets in the emulator, their status as the
   * operator writes it), the others new, on an emulator that keeps their changesets PROCESSING for
   * an hour (so the first of each database stays in flight and the rest queue). Then the operator
   * is started with the chart's JVM flags: its start-up time with that history, and its RSS and
   * heap after GC once it has reconciled what it caches and created the changesets it may.
   */
  private ObjectNode memory(Harness h) {
    String ns = "bench-memory";
    h.namespace(ns);
    FinSpaceEmulator emu = h.emulator();
    emu.reset();
    int done = o.memoryResources - o.memoryInFlight;
    say("memory: creating %d COMPLETED and %d new KxChangesets".formatted(done, o.memoryInFlight));
    long s = System.nanoTime();
    List<Workload.Item> items = Workload.items("done", done, o.databases);
    Map<String, Workload.Applied> applied = Workload.apply(h.client(), ns, items, 8);
    emu.lifecycle().processing(Duration.ZERO); // every changeset below is COMPLETED at once
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Workload.Applied a : applied.values()) {
        futures.add(pool.submit(() -> complete(h, a)));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (Exception e) {
      throw new IllegalStateException("preparing the memory scenario failed", e);
    } finally {
      pool.shutdownNow();
    }
    emu.lifecycle().processing(Duration.ofHours(1));
    // Requests of their own (partitions after history's): REFUSE_REPEATED_HISTORY refuses a new
    // resource that repeats a changeset made before it.
    List<Workload.Item> active = new ArrayList<>();
    for (int i = 0; i < o.memoryInFlight; i++) {
      active.add(
          new Workload.Item(
              "active-%05d".formatted(i), Workload.database(i % o.databases), done + i));
    }
    Workload.apply(h.client(), ns, active, 8);
    long createsBefore = sum(emu.counters(), "CreateKxChangeset/");
    long callsBefore = emu.counters().values().stream().mapToLong(Long::longValue).sum();
    double prepare = (System.nanoTime() - s) / 1e9;
    say("memory: prepared in %.0fs; starting the operator".formatted(prepare));
    OperatorProcess p = h.operator("memory", env(h, ns, 1, o.rateLimit), o.operatorJvm);
    p.start();
    ObjectNode r = Report.JSON.createObjectNode();
    int creates = Math.min(o.memoryInFlight, o.databases);
    try {
      double ready = p.awaitReady(Duration.ofMinutes(5)).toNanos() / 1e9;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      double cached = 0;
      double reconciled = 0;
      long created = 0;
      while (System.nanoTime() < deadline) {
        // Once ready, the informer holds what it caches: every one of them reconciled at least
        // once, and one changeset created per database, is the operator at rest.
        cached = gauge(p, "kxchangeset_changesets", "");
        reconciled = gauge(p, RECONCILED, "");
        created = sum(emu.counters(), "CreateKxChangeset/") - createsBefore;
        if (cached > 0 && reconciled >= cached && created >= creates) {
          break;
        }
        Harness.sleep(500);
      }
      double allSeen = (System.nanoTime() - p.startedNanos()) / 1e9;
      Harness.sleep(10_000); // settle: what is left are the polls of the changesets in flight
      long rssBeforeGc = p.rssKiB();
      jcmd(p.pid(), "GC.run");
      Harness.sleep(2_000);
      r.put("resources", o.memoryResources);
      r.put("final", done);
      r.put("inFlightOrQueued", o.memoryInFlight);
      r.put("cachedByOperator", (long) gauge(p, "kxchangeset_changesets", ""));
      r.put("jvmOptions", String.join(" ", o.operatorJvm));
      r.put("secondsToReady", Report.round2(ready));
      r.put("secondsToAllReconciled", Report.round2(allSeen));
      r.put("reconciliations", (long) reconciled);
      r.put("changesetsCreated", created);
      r.put("rssMiBBeforeGc", Report.round2(rssBeforeGc / 1024.0));
      r.put("rssMiBAfterGc", Report.round2(p.rssKiB() / 1024.0));
      r.put("rssMiBPeak", Report.round2(p.peakRssKiB() / 1024.0));
      r.put(
          "heapUsedMiBAfterGc",
          Report.round2(gauge(p, "jvm_memory_used_bytes", "area=\"heap\"") / 1048576.0));
      r.put(
          "heapCommittedMiB",
          Report.round2(gauge(p, "jvm_memory_committed_bytes", "area=\"heap\"") / 1048576.0));
      r.put(
          "nonHeapUsedMiB",
          Report.round2(gauge(p, "jvm_memory_used_bytes", "area=\"nonheap\"") / 1048576.0));
      r.put(
          "finspaceCallsAfterStart",
          emu.counters().values().stream().mapToLong(Long::longValue).sum() - callsBefore);
      if (cached <= 0 || reconciled < cached || created < creates) {
        fail(
            "memory: the operator cached %d, reconciled %d times and created %d of %d changesets"
                .formatted((long) cached, (long) reconciled, created, creates));
      }
      if (created > creates) {
        fail("memory: %d changesets created, at most %d may be".formatted(created, creates));
      }
      if (o.memoryInFlight >= 2 * creates) {
        r.set("nextRound", nextRound(emu, creates));
      }
    } finally {
      p.stop(20);
    }
    say(
        "memory: RSS %s MiB after GC, heap %s MiB, %s cached"
            .formatted(
                r.path("rssMiBAfterGc").asText(),
                r.path("heapUsedMiBAfterGc").asText(),
                r.path("cachedByOperator").asText()));
    return r;
  }

  /**
   * The memory scenario's next round, as a daily load on every database is: FinSpace's clock moves
   * past the changesets in flight (COMPLETED at the operator's next poll), and the next of each
   * database is created. Its repeat check reads again what the operator did not keep of the history
   * the first round read: the FinSpace calls until every database's next is created.
   */
  private ObjectNode nextRound(FinSpaceEmulator emu, int creates) {
    Map<String, Long> before = emu.counters();
    long s = System.nanoTime();
    emu.clock().advance(Duration.ofMinutes(61));
    long deadline = s + TimeUnit.MINUTES.toNanos(10);
    long created = 0;
    while (System.nanoTime() < deadline && created < creates) {
      Harness.sleep(200);
      created = sum(emu.counters(), "CreateKxChangeset/") - sum(before, "CreateKxChangeset/");
    }
    Map<String, Long> after = emu.counters();
    ObjectNode n = Report.JSON.createObjectNode();
    n.put("changesetsCreated", created);
    n.put("seconds", Report.round2((System.nanoTime() - s) / 1e9));
    n.put("gets", sum(after, "GetKxChangeset/") - sum(before, "GetKxChangeset/"));
    n.put("lists", sum(after, "ListKxChangesets/") - sum(before, "ListKxChangesets/"));
    say(
        "memory: next round: %d created in %s s, %d Gets, %d Lists"
            .formatted(
                created,
                n.path("seconds").asText(),
                n.path("gets").asLong(),
                n.path("lists").asLong()));
    if (created < creates) {
      fail("memory: next round created %d of %d changesets".formatted(created, creates));
    }
    return n;
  }

  /** JOSDK's count of successful reconciliations. */
  static final String RECONCILED = "operator_sdk_reconciliations_success_total";

  /** Writes the status the operator would have written for a COMPLETED changeset. */
  private static void complete(Harness h, Workload.Applied a) {
    KxChangeset r = a.resource();
    ChangesetView c =
        h.emulator()
            .createChangeset(
                Harness.ENVIRONMENT,
                r.getSpec().getDatabaseName(),
                r.getSpec().getChangeRequests().stream()
                    .map(
                        q ->
                            new ChangesetView.Request(
                                q.getChangeType().name(), q.getS3Path(), q.getDbPath()))
                    .toList(),
                a.uid());
    if (!c.isFinal()) {
      throw new IllegalStateException("changeset " + c.changesetId() + " is " + c.status());
    }
    Changeset cs =
        new Changeset(
            c.changesetId(),
            c.status(),
            null,
            null,
            r.getSpec().getChangeRequests(),
            c.createdTimestamp(),
            c.lastModifiedTimestamp(),
            c.activeFromTimestamp());
    r.setStatus(StatusMapper.mirror(r, Harness.REGION, cs, Instant.now()));
    h.client().resource(r).updateStatus();
  }

  // ----------------------------------------------------------------------------- helpers

  private java.util.Map<String, String> env(Harness h, String ns, int perDatabase, double rate) {
    java.util.Map<String, String> env = h.operatorEnv(ns);
    env.put("POLL_INTERVAL", o.poll.toMillis() + "ms");
    env.put("MAX_POLL_INTERVAL", o.maxPoll.toMillis() + "ms");
    env.put("FINSPACE_RATE_LIMIT", Double.toString(rate));
    env.put("MAX_IN_FLIGHT_PER_DATABASE", Integer.toString(perDatabase));
    if (o.reconcileThreads != null) {
      env.put("RECONCILE_THREADS", Integer.toString(o.reconcileThreads));
    }
    env.put("LOG_LEVEL", o.operatorLogLevel);
    return env;
  }

  /** The operator's reconcile threads at {@code rate}; the bare loop gets as many. */
  private int threads(double rate) {
    return o.reconcileThreads != null
        ? o.reconcileThreads
        : ConfigLoader.defaultReconcileThreads(rate);
  }

  /** Seconds from {@code sinceNanos} until {@code expected} events exist (NaN after 2 min). */
  private static double eventsCaughtUp(Harness h, String ns, int expected, long sinceNanos) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      int n = h.client().v1().events().inNamespace(ns).list().getItems().size();
      if (n >= expected) {
        return Math.max(0, (System.nanoTime() - sinceNanos) / 1e9);
      }
      Harness.sleep(250);
    }
    return Double.NaN;
  }

  /** CPU time of the API server, etcd and this JVM (emulator, watches, baseline loop). */
  private static CpuMeter cpuMeter(Harness h) {
    return new CpuMeter()
        .add("kubeApiserver", h.cluster()::apiServerPid)
        .add("etcd", h.cluster()::etcdPid)
        .add("harnessJvm", () -> ProcessHandle.current().pid());
  }

  /**
   * For each database, its next changeset's creation minus the previous one's completion: the
   * distribution, the same by position in the database's queue (1 = the second changeset: shows
   * whether the slow ones are the first wave, while the burst is still being admitted), and with
   * {@code listSlow}, each later hand-off over 2 s (the first 50 of the run) named.
   */
  private void handOffs(ObjectNode r, FinSpaceEmulator emu, String scenario, boolean listSlow) {
    Map<Integer, List<Double>> byPosition = new java.util.TreeMap<>();
    for (int d = 0; d < o.databases; d++) {
      List<ChangesetView> cs =
          new ArrayList<>(emu.changesets(Harness.ENVIRONMENT, Workload.database(d)));
      cs.sort(Comparator.comparing(ChangesetView::createdTimestamp));
      for (int i = 1; i < cs.size(); i++) {
        Instant prevDone = cs.get(i - 1).activeFromTimestamp();
        if (prevDone == null || cs.get(i).createdTimestamp().isBefore(prevDone)) {
          continue;
        }
        double gap =
            (cs.get(i).createdTimestamp().toEpochMilli() - prevDone.toEpochMilli()) / 1000.0;
        byPosition.computeIfAbsent(i, k -> new ArrayList<>()).add(gap);
        if (listSlow && gap > 2 && i > 1 && slowHandOffs.size() < 50) {
          slowHandOffs.add(
              "%s: %s #%d %.3fs after %s completed at %s (next %s)"
                  .formatted(
                      scenario,
                      Workload.database(d),
                      i,
                      gap,
                      cs.get(i - 1).changesetId(),
                      prevDone,
                      cs.get(i).changesetId()));
        }
      }
    }
    List<Double> all = new ArrayList<>();
    ObjectNode summary = Report.JSON.createObjectNode();
    byPosition.forEach(
        (pos, v) -> {
          all.addAll(v);
          summary.put(
              Integer.toString(pos),
              "p50 %.3f max %.3f".formatted(Report.percentile(v, 50), Report.percentile(v, 100)));
        });
    r.set("secondsHandOff", Report.distribution(all));
    r.set("secondsHandOffByPosition", summary);
  }

  private static ObjectNode calls(FinSpaceEmulator emu, int changesets) {
    Map<String, Long> counters = emu.counters();
    ObjectNode c = Report.JSON.createObjectNode();
    long total = counters.values().stream().mapToLong(Long::longValue).sum();
    long creates = sum(counters, "CreateKxChangeset/");
    long gets = sum(counters, "GetKxChangeset/");
    long lists = sum(counters, "ListKxChangesets/");
    long throttled =
        counters.entrySet().stream()
            .filter(e -> e.getKey().endsWith("/ThrottlingException"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    c.put("total", total);
    c.put("creates", creates);
    c.put("gets", gets);
    c.put("lists", lists);
    c.put("throttled", throttled);
    c.put("createsPerChangeset", Report.round2(creates / (double) changesets));
    c.put("getsPerChangeset", Report.round2(gets / (double) changesets));
    c.put("listsPerChangeset", Report.round2(lists / (double) changesets));
    c.set("byOutcome", Report.JSON.valueToTree(counters));
    c.set("perHalfSecond", timeline(emu.requestLog()));
    return c;
  }

  /**
   * FinSpace calls per half second from the first, by operation ("C" creates, "G" gets, "L" lists):
   * where a run leaves its rate limit unused (a gap is time the run could have gone faster).
   */
  static ObjectNode timeline(List<RequestLog.Entry> log) {
    ObjectNode out = Report.JSON.createObjectNode();
    if (log.isEmpty()) {
      return out;
    }
    Instant first = log.get(0).time();
    java.util.TreeMap<Long, int[]> buckets = new java.util.TreeMap<>();
    for (RequestLog.Entry e : log) {
      long b = Duration.between(first, e.time()).toMillis() / 500;
      int[] n = buckets.computeIfAbsent(b, k -> new int[3]);
      switch (e.operation()) {
        case "CreateKxChangeset" -> n[0]++;
        case "GetKxChangeset" -> n[1]++;
        case "ListKxChangesets" -> n[2]++;
        default -> {}
      }
    }
    long last = buckets.lastKey();
    for (long b = 0; b <= last; b++) {
      int[] n = buckets.getOrDefault(b, new int[3]);
      out.put("%.1f".formatted(b / 2.0), "C%d G%d L%d".formatted(n[0], n[1], n[2]));
    }
    return out;
  }

  private static long sum(Map<String, Long> counters, String prefix) {
    return counters.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static double ratio(ObjectNode op, ObjectNode base) {
    return Report.round3(op.path("totalSeconds").asDouble() / base.path("totalSeconds").asDouble());
  }

  private void check(String name, Workload.Verification v) {
    if (!v.correct("COMPLETED")) {
      fail(
          name
              + ": "
              + v.byStatus()
              + ", duplicates "
              + v.duplicates()
              + ", lost "
              + v.lost()
              + ", orphans "
              + v.orphans());
    }
  }

  private void fail(String problem) {
    correct = false;
    problems.add(problem);
    say("INCORRECT: " + problem);
  }

  /** The sum of a Prometheus series' samples whose labels contain {@code label}. */
  static double gauge(OperatorProcess p, String metric, String label) {
    String page = p.metrics().orElse("");
    double sum = 0;
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)\\} ([0-9.eE+-]+)$")
            .matcher(page);
    while (m.find()) {
      if (m.group(1).contains(label)) {
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }

  private static void jcmd(long pid, String command) {
    try {
      Process j =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  Long.toString(pid),
                  command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      j.waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String text(ObjectNode r) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "scenario",
          "total s",
          "creates/cs",
          "gets/cs",
          "lists/cs",
          "to create p50 s",
          "p99 s",
          "hand-off p50 s",
          "p99 s",
          "cpu s op/api/etcd/jvm"
        });
    for (String k :
        List.of(
            "endToEnd", "baseline", "endToEndRaisedLimit", "baselineRaisedLimit", "throttled")) {
      ObjectNode s = (ObjectNode) r.get(k);
      if (s == null) {
        continue;
      }
      var toCreate =
          s.has("secondsResourceToCreate")
              ? s.path("secondsResourceToCreate")
              : s.path("secondsStartToCreate");
      rows.add(
          new String[] {
            k + " (limit " + s.path("perDatabaseLimit").asText() + ")",
            s.path("totalSeconds").asText(),
            s.path("finspaceCalls").path("createsPerChangeset").asText(),
            s.path("finspaceCalls").path("getsPerChangeset").asText(),
            s.path("finspaceCalls").path("listsPerChangeset").asText(),
            toCreate.path("p50").asText("-"),
            toCreate.path("p99").asText("-"),
            s.path("secondsHandOff").path("p50").asText("-"),
            s.path("secondsHandOff").path("p99").asText("-"),
            cpu(s.path("cpuSeconds"))
          });
    }
    StringBuilder sb = new StringBuilder(Report.table(rows));
    for (String k : List.of("endToEnd", "endToEndRaisedLimit", "throttled")) {
      JsonNode per = r.path(k).path("kube").path("perChangeset");
      if (!per.isMissingNode()) {
        sb.append(
            "%s per changeset: %s status writes, %s events, %s watch events to the operator, %s reconciliations; CPU ms operator %s, API server %s%n"
                .formatted(
                    k,
                    per.path("statusWrites").asText(),
                    per.path("eventsCreated").asText(),
                    per.path("watchEventsToOperator").asText(),
                    per.path("reconciliations").asText(),
                    per.path("operatorCpuMs").asText(),
                    per.path("apiServerCpuMs").asText()));
      }
    }
    for (String suffix : List.of("", "RaisedLimit")) {
      if (r.has("ratioOperatorToBaseline" + suffix)) {
        List<String> each = new ArrayList<>();
        r.path("repeats" + suffix).forEach(x -> each.add(x.path("ratio").asText()));
        sb.append(
            "operator / baseline%s: %s (goal <= 1.1, issue 17), the median of %s%n"
                .formatted(
                    suffix.isEmpty() ? "" : " with the per-database limit raised",
                    r.path("ratioOperatorToBaseline" + suffix).asText(),
                    each));
      }
    }
    ObjectNode t = (ObjectNode) r.get("throttled");
    if (t != null) {
      sb.append(
          "throttled: %s s against a floor of %s s (%s calls / %s per s): %sx (goal <= 1.2), %s of calls throttled (goal < 0.05)%s%n"
              .formatted(
                  t.path("totalSeconds").asText(),
                  t.path("floorSeconds").asText(),
                  t.path("callsNeeded").asText(),
                  t.path("finspaceRequestsPerSecond").asText(),
                  t.path("ratioToFloor").asText(),
                  t.path("throttledShare").asText(),
                  t.path("rateBound").asBoolean()
                      ? ""
                      : "; not rate-bound: the queue's own bound is "
                          + t.path("serialBoundSeconds").asText()
                          + " s"));
    }
    ObjectNode m = (ObjectNode) r.get("memory");
    if (m != null) {
      sb.append(
          "memory: %s KxChangesets (%s final), %s in the operator's cache: RSS %s MiB after GC (peak %s, goal <= 256), heap used %s MiB after GC, ready after %s s%n"
              .formatted(
                  m.path("resources").asText(),
                  m.path("final").asText(),
                  m.path("cachedByOperator").asText(),
                  m.path("rssMiBAfterGc").asText(),
                  m.path("rssMiBPeak").asText(),
                  m.path("heapUsedMiBAfterGc").asText(),
                  m.path("secondsToReady").asText()));
      JsonNode next = m.path("nextRound");
      if (!next.isMissingNode()) {
        sb.append(
            "memory, next round (FinSpace's clock past the changesets in flight): %s created in %s s, %s Gets, %s Lists%n"
                .formatted(
                    next.path("changesetsCreated").asText(),
                    next.path("seconds").asText(),
                    next.path("gets").asText(),
                    next.path("lists").asText()));
      }
    }
    ObjectNode s = (ObjectNode) r.get("startup");
    if (s != null) {
      sb.append(
          "start-up: ready p50 %s s, first create p50 %s s (%s runs)%n"
              .formatted(
                  s.path("secondsToReady").path("p50").asText(),
                  s.path("secondsToFirstCreate").path("p50").asText(),
                  s.path("runs").asText()));
    }
    sb.append("correct: ").append(r.path("correct").asText()).append('\n');
    return sb.toString();
  }

  private static String cpu(JsonNode c) {
    return "%s/%s/%s/%s"
        .formatted(
            c.path("operator").asText("-"),
            c.path("kubeApiserver").asText("-"),
            c.path("etcd").asText("-"),
            c.path("harnessJvm").asText("-"));
  }

  private void say(String line) {
    System.out.printf("[%7.1fs] %s%n", (System.nanoTime() - t0) / 1e9, line);
    System.out.flush();
  }

  /** The distribution of seconds from {@code startNanos} to each of {@code nanos}. */
  static JsonNode secondsSince(long startNanos, java.util.Collection<Long> nanos) {
    return Report.distribution(nanos.stream().map(t -> (t - startNanos) / 1e9).toList());
  }
}
