/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kxops.emulator.ChangesetView;
import io.kxops.emulator.ConcurrencyPolicy;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.emulator.Operation;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.StatusMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The races of issue 12, played against running operators while the resilience run's main workload
 * goes on. Each has its own databases (policy CONCURRENT, so that a changeset started over the
 * limit is created and counted by the emulator's in-flight peak instead of refused with 409), and
 * each is made to hit its window on purpose from the emulator's create listener:
 *
 * <ul>
 *   <li><b>burst</b>: {@code burst} resources on one database created within one second in the
 *       opposite order of their names (z..a: a {@code kubectl create} loop, {@code generateName}):
 *       the last name first, and the others the moment its CreateKxChangeset reaches FinSpace;
 *       every create on that database is held {@code hold} before its response, so the first one is
 *       still creating (no changesetId) when the others, which sort ahead of it, are reconciled.
 *       When the first create comes too late for the rest to share its second, the attempt is
 *       repeated with new names (at most {@link #BURST_ATTEMPTS}). In the main namespace (limit 1)
 *       and in the raised one.
 *   <li><b>edit</b>: a resource whose create takes effect but whose response is lost (the emulator
 *       drops the answer of every attempt of the first call, scoped to its database); at that
 *       moment its spec (changeRequests), or spec.region, is edited. The API server may reject the
 *       edit (a create may have reached FinSpace: the spec is frozen) — both answers are accepted,
 *       the invariants must hold either way. An accepted edit whose resource is still not final
 *       after {@link #EDIT_SETTLE} gets FinSpace's clock moved 11 minutes on (the client token's 10
 *       minutes, which real time would pass while the operator retries).
 *   <li><b>identical</b>: two resources with identical change requests on one database, in the
 *       namespace whose operator runs with the limit raised (so both are admitted): the second is
 *       created while the first one's create is held (twice {@code hold}), its changeset stored and
 *       not yet recorded.
 * </ul>
 *
 * <p>Longer than 400 lines: one method per race, each with the emulator hook that makes it hit its
 * window; splitting them would spread one shared set-up over several classes.
 */
final class Races {

  static final String RAISED_NAMESPACE = "resilience-raised";
  static final String EDITED_REGION = "eu-west-1";
  static final int BURST_ATTEMPTS = 4;
  static final long BURST_SLACK_MILLIS = 250;
  static final Duration EDIT_SETTLE = Duration.ofSeconds(10);
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";

  /** What to play: rounds of every race; the burst size; how long creates are held. */
  record Plan(int rounds, int burst, Duration hold, int raisedLimit, int finspaceAttempts) {
    boolean raised() {
      return raisedLimit > 0;
    }
  }

  private final Plan plan;
  private final String mainNamespace;
  private final KubernetesClient client;
  private final FinSpaceEmulator emulator;
  private final Consumer<String> log;

  /** Database → what the create listener does there. */
  private final Map<String, Consumer<ChangesetView>> onCreate = new ConcurrentHashMap<>();

  private final List<ObjectNode> bursts = new CopyOnWriteArrayList<>();
  private final List<ObjectNode> edits = new CopyOnWriteArrayList<>();
  private final List<ObjectNode> identical = new CopyOnWriteArrayList<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final Set<String> editedRegion = ConcurrentHashMap.newKeySet();
  private volatile int clockJumps;
  private final AtomicInteger createdMain = new AtomicInteger();
  private final AtomicInteger createdRaised = new AtomicInteger();

  Races(
      Plan plan,
      String mainNamespace,
      KubernetesClient client,
      FinSpaceEmulator emulator,
      Consumer<String> log) {
    this.plan = plan;
    this.mainNamespace = mainNamespace;
    this.client = client;
    this.emulator = emulator;
    this.log = log;
  }

  // ------------------------------------------------------------------ set-up

  static String burstDatabase(String prefix, int round) {
    return prefix + "-burst-" + round;
  }

  /** Registers the race databases, CONCURRENT, on the emulator builder. */
  static void register(FinSpaceEmulator.Builder b, Plan plan) {
    for (String db : databases(plan, false)) {
      b.database(Harness.ENVIRONMENT, db).concurrency(Harness.ENVIRONMENT, db, CONCURRENT);
    }
    for (String db : databases(plan, true)) {
      b.database(Harness.ENVIRONMENT, db).concurrency(Harness.ENVIRONMENT, db, CONCURRENT);
    }
  }

  private static final ConcurrencyPolicy CONCURRENT = ConcurrencyPolicy.CONCURRENT;

  /** The race databases of one namespace. */
  static List<String> databases(Plan plan, boolean raised) {
    List<String> out = new ArrayList<>();
    if (raised && !plan.raised()) {
      return out;
    }
    for (int r = 0; r < plan.rounds(); r++) {
      if (raised) {
        out.add(burstDatabase("raised", r));
        out.add("raised-same-" + r);
      } else {
        out.add(burstDatabase("race", r));
        out.add("race-edit-spec-" + r);
        out.add("race-edit-region-" + r);
      }
    }
    return out;
  }

  /** The emulator's create listener for the race databases; other databases are ignored. */
  void created(ChangesetView c) {
    Consumer<ChangesetView> action = onCreate.get(c.databaseName());
    if (action != null) {
      action.accept(c);
    }
  }

  // ------------------------------------------------------------------ the races

  /** Plays round {@code r} of every race; blocks until each has happened (not converged). */
  void round(int r) {
    burst(mainNamespace, burstDatabase("race", r), r);
    if (plan.raised()) {
      burst(RAISED_NAMESPACE, burstDatabase("raised", r), r);
      identical(r);
    }
    edit(r, "spec");
    edit(r, "region");
  }

  private void burst(String namespace, String db, int round) {
    AtomicReference<CountDownLatch> firstCreate = new AtomicReference<>(new CountDownLatch(1));
    onCreate.put(
        db,
        c -> {
          firstCreate.get().countDown();
          Harness.sleep(plan.hold().toMillis());
        });
    ObjectNode n = Report.JSON.createObjectNode();
    n.put("namespace", namespace);
    n.put("database", db);
    n.put("sameSecond", false);
    for (int attempt = 0; attempt < BURST_ATTEMPTS; attempt++) {
      firstCreate.set(new CountDownLatch(1));
      // Start as a second begins: the last name is created first, and the others the moment its
      // CreateKxChangeset reaches FinSpace (held there, so not yet recorded in its status), all
      // within that second so that they sort ahead of it by name.
      while (System.currentTimeMillis() % 1000 > 20) {
        Harness.sleep(5);
      }
      long second = System.currentTimeMillis() / 1000;
      String prefix = "burst-" + round + "-" + attempt + "-";
      List<String> names = new ArrayList<>();
      List<String> stamps = new ArrayList<>();
      int k = plan.burst();
      Workload.Item last = new Workload.Item(prefix + LETTERS.charAt(k - 1), db, 100 * attempt + k);
      stamps.add(create(namespace, last));
      names.add(last.name());
      long waitMillis = (second + 1) * 1000 - BURST_SLACK_MILLIS - System.currentTimeMillis();
      boolean arrived;
      try {
        arrived = waitMillis > 0 && firstCreate.get().await(waitMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (arrived) {
        for (int i = k - 2; i >= 0; i--) {
          Workload.Item item = new Workload.Item(prefix + LETTERS.charAt(i), db, 100 * attempt + i);
          stamps.add(create(namespace, item));
          names.add(item.name());
        }
      }
      boolean sameSecond = arrived && stamps.stream().distinct().count() == 1;
      ObjectNode a = n.withArray("attempts").addObject();
      a.set("createdInOrder", Report.JSON.valueToTree(names));
      a.set("creationTimestamps", Report.JSON.valueToTree(stamps));
      a.put("firstCreateReachedFinSpaceInTime", arrived);
      a.put("sameSecond", sameSecond);
      log.accept(
          "race burst: "
              + namespace
              + "/"
              + db
              + " created "
              + names
              + " at "
              + stamps
              + (sameSecond ? "" : " (missed the second; again)"));
      if (sameSecond) {
        n.put("sameSecond", true);
        break;
      }
      // Missed: let the attempt's resources finish first; the next attempt's must be alone.
      for (String name : names) {
        awaitFinal(namespace, name, Duration.ofSeconds(60));
      }
    }
    bursts.add(n);
    if (!n.path("sameSecond").asBoolean()) {
      problems.add(
          "burst on "
              + namespace
              + "/"
              + db
              + ": in "
              + BURST_ATTEMPTS
              + " attempts, the first create never reached FinSpace early enough for the rest to"
              + " be created in its second; the race was not played");
    }
  }

  /** Creates a race resource; returns its creationTimestamp. */
  private String create(String namespace, Workload.Item item) {
    KxChangeset created = client.resource(Workload.resource(namespace, item)).create();
    (namespace.equals(RAISED_NAMESPACE) ? createdRaised : createdMain).incrementAndGet();
    return created.getMetadata().getCreationTimestamp();
  }

  /** Race resources created so far, in both namespaces. */
  int created() {
    return createdMain.get() + createdRaised.get();
  }

  private void identical(int round) {
    String db = "raised-same-" + round;
    Workload.Item first = new Workload.Item("same-" + round + "-a", db, 0);
    Workload.Item second = new Workload.Item("same-" + round + "-b", db, 0); // same requests
    CountDownLatch done = new CountDownLatch(1);
    ObjectNode n = Report.JSON.createObjectNode();
    n.put("namespace", RAISED_NAMESPACE);
    n.put("database", db);
    n.put("first", first.name());
    n.put("second", second.name());
    onCreate.put(
        db,
        c -> {
          if (done.getCount() == 0) {
            return;
          }
          // The first one's changeset is stored; its creator has not heard back yet.
          n.put("firstChangeset", c.changesetId());
          try {
            create(RAISED_NAMESPACE, second);
            n.put("secondCreatedDuringFirstCreate", true);
          } catch (KubernetesClientException e) {
            n.put("secondCreatedDuringFirstCreate", false);
            problems.add("identical race " + db + ": could not create " + second.name() + ": " + e);
          } finally {
            done.countDown();
          }
          // Longer than a burst's hold: the second one's List may be throttled and retried.
          Harness.sleep(2 * plan.hold().toMillis());
        });
    create(RAISED_NAMESPACE, first);
    if (!await(done, Duration.ofMinutes(2))) {
      problems.add("identical race " + db + ": the first create never reached FinSpace");
      create(RAISED_NAMESPACE, second);
      n.put("secondCreatedDuringFirstCreate", false);
    }
    identical.add(n);
    log.accept("race identical: " + n);
  }

  private void edit(int round, String what) {
    String db = "race-edit-" + what + "-" + round;
    Workload.Item item = new Workload.Item("edit-" + what + "-" + round, db, 0);
    CountDownLatch done = new CountDownLatch(1);
    ObjectNode n = Report.JSON.createObjectNode();
    n.put("namespace", mainNamespace);
    n.put("resource", item.name());
    n.put("edit", what.equals("spec") ? "spec.changeRequests" : "spec.region");
    String patch =
        what.equals("spec")
            ? "{\"spec\":{\"changeRequests\":[{\"changeType\":\"PUT\",\"s3Path\":"
                + "\"s3://kdb-harness/"
                + db
                + "/edited/\",\"dbPath\":\"/edited/\"}]}}"
            : "{\"spec\":{\"region\":\"" + EDITED_REGION + "\"}}";
    // Every attempt of the first call loses its answer, so the operator's call fails after the
    // changeset exists; the edit lands at that moment, before the operator can know the id.
    emulator
        .faults()
        .dropResponseNext(
            Operation.CREATE_KX_CHANGESET, Harness.ENVIRONMENT, db, plan.finspaceAttempts());
    onCreate.put(
        db,
        c -> {
          if (done.getCount() == 0) {
            return;
          }
          n.put("changesetBeforeEdit", c.changesetId());
          applyEdit(item.name(), patch, n);
          done.countDown();
        });
    create(mainNamespace, item);
    if (!await(done, Duration.ofMinutes(2))) {
      problems.add("edit race " + item.name() + ": the create never reached FinSpace");
      edits.add(n);
      return;
    }
    boolean accepted = n.path("editAccepted").asBoolean();
    if (accepted && what.equals("region")) {
      editedRegion.add(item.name());
    }
    log.accept("race edit: " + n);
    if (accepted && !awaitFinal(mainNamespace, item.name(), EDIT_SETTLE)) {
      // The operator is retrying (e.g. 409 for a token reused with another body); in real time
      // the token expires after 10 minutes: move FinSpace's clock past it.
      emulator.clock().advance(Duration.ofMinutes(11));
      clockJumps++;
      n.put("finspaceClockMovedMinutes", 11);
      log.accept("race edit: " + item.name() + " not final after the edit; FinSpace clock +11 min");
    }
    edits.add(n);
  }

  /** Applies a JSON merge patch; a 4xx rejection is an answer, other errors are retried. */
  private void applyEdit(String name, String patch, ObjectNode n) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try {
        client
            .resources(KxChangeset.class)
            .inNamespace(mainNamespace)
            .withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        n.put("editAccepted", true);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() >= 400 && e.getCode() < 500) {
          n.put("editAccepted", false);
          n.put("rejection", e.getCode() + " " + e.getStatus().getMessage());
          return;
        }
        if (System.nanoTime() > deadline) {
          n.put("editAccepted", false);
          problems.add("edit race " + name + ": the edit could not be sent: " + e);
          return;
        }
        Harness.sleep(200); // the API server is restarting: try again
      }
    }
  }

  private boolean awaitFinal(String namespace, String name, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        KxChangeset r =
            client.resources(KxChangeset.class).inNamespace(namespace).withName(name).get();
        if (r != null && StatusMapper.isFinal(r.getStatus())) {
          return true;
        }
      } catch (KubernetesClientException e) {
        // API server restart: keep waiting
      }
      Harness.sleep(250);
    }
    return false;
  }

  private static boolean await(CountDownLatch latch, Duration timeout) {
    try {
      return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // ------------------------------------------------------------------ after the run

  /**
   * What the races need beyond the common invariants: a region-edited resource must still record
   * the region its changeset was created in (the emulator is one endpoint for every region, so a
   * retry there replays the first changeset where FinSpace's regional endpoints would create a
   * second one).
   */
  List<String> check(List<KxChangeset> live) {
    List<String> out = new ArrayList<>(problems);
    for (KxChangeset r : live) {
      String name = r.getMetadata().getName();
      // COMPLETED is not enough: a changeset that is not the spec's (SpecMismatch) is not Ready.
      var ready =
          r.getStatus() == null
              ? null
              : Conditions.find(r.getStatus().getConditions(), Conditions.READY);
      if (StatusMapper.isFinal(r.getStatus())
          && (ready == null || !Conditions.TRUE.equals(ready.getStatus()))) {
        out.add(
            "not ready: "
                + r.getMetadata().getNamespace()
                + "/"
                + name
                + " is "
                + r.getStatus().getStatus()
                + (ready == null ? "" : ", " + ready.getReason() + ": " + ready.getMessage()));
      }
      if (!r.getMetadata().getNamespace().equals(mainNamespace) || !editedRegion.contains(name)) {
        continue;
      }
      String region = r.getStatus() == null ? null : r.getStatus().getRegion();
      if (!Harness.REGION.equals(region)) {
        out.add(
            "region "
                + name
                + ": its changeset was created in "
                + Harness.REGION
                + " before spec.region was edited to "
                + EDITED_REGION
                + ", but status.region is "
                + region
                + " (on FinSpace's regional endpoints the retry makes a second changeset)");
      }
    }
    return out;
  }

  ObjectNode report() {
    ObjectNode n = Report.JSON.createObjectNode();
    n.put("rounds", plan.rounds());
    n.put("burst", plan.burst());
    n.put("holdMillis", plan.hold().toMillis());
    n.put("raisedLimit", plan.raisedLimit());
    n.put("finspaceClockJumps", clockJumps);
    ArrayNode b = n.putArray("bursts");
    bursts.forEach(b::add);
    ArrayNode e = n.putArray("edits");
    edits.forEach(e::add);
    ArrayNode i = n.putArray("identical");
    identical.forEach(i::add);
    return n;
  }

  int burstsPlayed() {
    return (int) bursts.stream().filter(b -> b.path("sameSecond").asBoolean()).count();
  }

  int editsPlayed() {
    return (int) edits.stream().filter(e -> e.has("changesetBeforeEdit")).count();
  }

  int identicalPlayed() {
    return (int)
        identical.stream()
            .filter(x -> x.path("secondCreatedDuringFirstCreate").asBoolean())
            .count();
  }
}
