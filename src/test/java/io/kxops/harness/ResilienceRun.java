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
import io.kxops.emulator.Operation;
import io.kxops.testkit.OperatorProcess;
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
    String adoptAfter = "0s";

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
                  Map.entry("--adopt-after", v -> o.adoptAfter = v))));
      o.check();
      if (o.replicas < 1 || o.kills < 0 || o.apiServerRestarts < 0) {
        throw new IllegalArgumentException(
            "need --replicas >= 1 and --kills, --api-server-restarts >= 0");
      }
      return o;
    }
  }

  static final String USAGE =
      """
      Usage: hack/resilience.sh [--resources 500] [--databases 25] [--kills 3] [--replicas 2]
                                [--api-server-restarts 1] [--token-expiry true] [--seed N]
                                [--adopt-after 0s] [--timeout MINUTES] [--out target/resilience]
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
            // A second changeset on a database while one is in flight is refused: the operator's
            // per-database queue must never let that happen, and the 409s would show it.
            .concurrency(ConcurrencyPolicy.REJECT);
    say(
        "resilience run: %d KxChangesets over %d databases, %d replica(s), %d kill(s), %d API server restart(s), token expiry %s"
            .formatted(
                o.resources,
                o.databases,
                o.replicas,
                o.kills,
                o.apiServerRestarts,
                o.tokenExpiry ? "on" : "off"));
    try (Harness h = Harness.start(o.out.resolve("work"), emu, this::say)) {
      return run(h);
    }
  }

  private ObjectNode run(Harness h) {
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

    Map<String, String> env = h.operatorEnv(NAMESPACE);
    env.put("LEADER_ELECTION", "true");
    env.put("POLL_INTERVAL", "500ms");
    env.put("MAX_POLL_INTERVAL", "2s");
    env.put("RETRY_INITIAL_INTERVAL", "500ms");
    env.put("RETRY_MAX_INTERVAL", "5s");
    env.put("FINSPACE_RATE_LIMIT", "50");
    // The harness moves FinSpace's clock 11 minutes ahead while real time stands still, so any
    // client token may expire at any moment; in real time that takes 10 minutes, by which time
    // every affected resource is older than the default ADOPT_AFTER (9m). 0s keeps the two
    // consistent: every create first looks for an earlier attempt's changeset.
    // (--adopt-after 9m shows what the harness catches: the expired token then creates a
    // duplicate and the run fails.)
    env.put("ADOPT_AFTER", o.adoptAfter);
    for (int i = 0; i < o.replicas; i++) {
      h.operator("operator-" + i, env, Harness.chartJvmOptions()).start();
    }
    h.supervise(Duration.ofSeconds(2));
    OperatorProcess first = h.awaitLeader(Duration.ofMinutes(3));
    say("leader: " + first.name());

    // The token-expiry window: the leader is killed inside the create of this resource's
    // changeset (after FinSpace stored it, before the operator can write its id to status), and
    // FinSpace's clock is moved past the token's 10 minutes before anyone retries.
    AtomicBoolean expiryFired = new AtomicBoolean();
    AtomicReference<String> expiryChangeset = new AtomicReference<>();
    emulator.onCreate(
        c -> {
          if (!EXPIRY_DATABASE.equals(c.databaseName())
              || !expiryFired.compareAndSet(false, true)) {
            return;
          }
          expiryChangeset.set(c.changesetId());
          List<String> victims = killLeader(h, true, Duration.ZERO);
          emulator.clock().advance(Duration.ofMinutes(11));
          disruption(
              "token-expiry",
              "killed "
                  + victims
                  + " inside the create of "
                  + c.changesetId()
                  + "; FinSpace clock +11 min");
        });

    int total = o.resources + (o.tokenExpiry ? 1 : 0);
    try (Tracker tracker = new Tracker(h.client(), NAMESPACE)) {
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

      List<Double> killAt = thresholds(random, o.kills, 0.10, 0.90);
      List<Double> restartAt = thresholds(random, o.apiServerRestarts, 0.20, 0.80);
      double expiryAt = o.tokenExpiry ? 0.30 + 0.40 * random.nextDouble() : 2;
      boolean expiryOpen = false;
      int kills = 0;
      int restarts = 0;
      Long failover = null;
      int lastReported = -1;
      long deadline = System.nanoTime() + o.timeout.toNanos();
      while (tracker.finalCount() < total && System.nanoTime() < deadline) {
        double progress = tracker.finalCount() / (double) total;
        if (!killAt.isEmpty() && progress >= killAt.get(0) && failover == null) {
          // The first kill keeps the leader down past its Lease, so the standby must take
          // over (a lost node); the others restart at once and the same pod re-acquires.
          boolean holdDown = kills == 0 && o.replicas > 1;
          List<String> victims = killLeader(h, false, holdDown ? LEASE_TAKEOVER : Duration.ZERO);
          if (!victims.isEmpty()) {
            disruption(
                "kill",
                "SIGKILL "
                    + victims
                    + " at "
                    + pct(progress)
                    + " done"
                    + (holdDown ? ", kept down " + LEASE_TAKEOVER.toSeconds() + "s" : ""));
            killAt.remove(0);
            kills++;
            failover = System.nanoTime();
          }
        }
        if (failover != null) {
          Optional<OperatorProcess> l = h.leader().filter(OperatorProcess::alive);
          if (l.isPresent() && l.get().ready()) {
            disruption(
                "leader",
                "%s leads, %.1fs after the kill"
                    .formatted(l.get().name(), (System.nanoTime() - failover) / 1e9));
            failover = null;
          }
        }
        if (!restartAt.isEmpty() && progress >= restartAt.get(0)) {
          long s = System.nanoTime();
          h.cluster().restartApiServer();
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
          say("%d/%d final".formatted(tracker.finalCount(), total));
        }
        Harness.sleep(200);
      }
      double convergeSeconds = (System.nanoTime() - applyStart) / 1e9;
      boolean converged = tracker.finalCount() >= total;
      say(
          converged
              ? "all %d final after %.1fs".formatted(total, convergeSeconds)
              : "TIMEOUT: %d/%d final".formatted(tracker.finalCount(), total));
      h.stopSupervising();

      Workload.Verification v = Workload.verify(h.client(), NAMESPACE, emulator);
      boolean adopted = o.tokenExpiry && adoptedEvent(h, "expiry-00000");
      // A run that did not do what it was asked proves nothing: each shortfall is a problem.
      List<String> problems = problems(v);
      long conflicts = emulator.counter(Operation.CREATE_KX_CHANGESET, "ConflictException");
      if (conflicts > 0) {
        problems.add(
            conflicts
                + " CreateKxChangeset calls refused with 409: two changesets of one database"
                + " were in flight");
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
      Report.write(o.out, result, text(result));
      System.out.print(text(result));
      say("written to " + o.out.resolve("results.json"));
      return result;
    }
  }

  /**
   * Kills the operator holding the Lease; with {@code orAll}, every running one if none is known.
   */
  private List<String> killLeader(Harness h, boolean orAll, Duration holdDown) {
    Optional<OperatorProcess> leader = h.leader().filter(OperatorProcess::alive);
    List<OperatorProcess> victims = new ArrayList<>();
    if (leader.isPresent()) {
      victims.add(leader.get());
    } else if (orAll) {
      h.operators().stream().filter(OperatorProcess::alive).forEach(victims::add);
    }
    List<String> names = new ArrayList<>();
    for (OperatorProcess p : victims) {
      names.add(p.name() + " (pid " + p.pid() + ")");
      p.killAndHoldDown(holdDown);
    }
    return names;
  }

  private boolean adoptedEvent(Harness h, String name) {
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
      Harness h,
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
    params.put("emulatorConcurrency", "REJECT");
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
    outcome.put("changesetsInEmulator", v.changesetsInEmulator());
    outcome.set(
        "problems",
        Report.JSON.valueToTree(problems.size() > 50 ? problems.subList(0, 50) : problems));
    ObjectNode expiry = r.putObject("tokenExpiry");
    expiry.put("windowOpened", expiryFired);
    expiry.put("changesetId", expiryChangeset);
    expiry.put("adopted", adopted);
    r.set("finspaceCalls", Report.JSON.valueToTree(h.emulator().counters()));
    r.put(
        "conflictsFromConcurrentCreates",
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
    rows.add(new String[] {"409 conflicts", r.path("conflictsFromConcurrentCreates").asText()});
    r.path("finspaceCalls")
        .fields()
        .forEachRemaining(
            e -> rows.add(new String[] {"calls " + e.getKey(), e.getValue().asText()}));
    StringBuilder sb = new StringBuilder(Report.table(rows));
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
