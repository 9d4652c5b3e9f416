/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.reconcile.ChangesetLogic;
import io.kxops.operator.status.Conditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rebuild phase of the resilience harness ({@code --rebuild}): after the run, every KxChangeset
 * of the namespace is deleted and its manifest applied again as Git would after a cluster rebuild
 * (new uids, no status) — every other one with its changeset id recorded (spec.changesetId), the
 * others without. Nothing may be created: the recorded ones are imported, the others refused
 * (RepeatsHistory). Then one refused resource is annotated for a deliberate re-run, which must
 * create exactly one changeset.
 */
final class Rebuild {

  /** How a RepeatsHistory message names the changeset to confirm. */
  static final Pattern NAMED =
      Pattern.compile("^spec\\.changeRequests repeat FinSpace changeset (\\S+) ");

  private final KubernetesClient client;
  private final FinSpaceEmulator emulator;
  private final Consumer<String> say;

  Rebuild(KubernetesClient client, FinSpaceEmulator emulator, Consumer<String> say) {
    this.client = client;
    this.emulator = emulator;
    this.say = say;
  }

  /** Runs the phase on {@code namespace}; the figures and problems go into {@code report}. */
  void run(String namespace, Duration timeout, ObjectNode report, List<String> problems) {
    List<KxChangeset> before =
        client.resources(KxChangeset.class).inNamespace(namespace).list().getItems().stream()
            .filter(r -> r.getStatus() != null && "COMPLETED".equals(r.getStatus().getStatus()))
            .toList();
    int changesetsBefore = emulator.changesetCount();
    Map<String, Long> callsBefore = emulator.counters();
    say.accept("rebuild: deleting " + before.size() + " KxChangesets of " + namespace);
    client.resources(KxChangeset.class).inNamespace(namespace).delete();
    await(
        timeout,
        () ->
            client.resources(KxChangeset.class).inNamespace(namespace).list().getItems().isEmpty());

    long start = System.nanoTime();
    List<KxChangeset> manifests = new ArrayList<>();
    for (int i = 0; i < before.size(); i++) {
      manifests.add(manifest(before.get(i), i % 2 == 0));
    }
    apply(manifests);
    int withIds = (before.size() + 1) / 2;
    say.accept(
        "rebuild: applied %d again (%d with spec.changesetId)".formatted(before.size(), withIds));
    boolean settled = await(timeout, () -> settled(namespace) == before.size());
    double seconds = (System.nanoTime() - start) / 1e9;
    List<KxChangeset> after =
        client.resources(KxChangeset.class).inNamespace(namespace).list().getItems();
    long imported = after.stream().filter(r -> reason(r, Conditions.READY, "Completed")).count();
    long refused =
        after.stream().filter(r -> reason(r, Conditions.STALLED, "RepeatsHistory")).count();
    int newChangesets = emulator.changesetCount() - changesetsBefore;
    Map<String, Long> calls = emulator.counters();
    long creates = delta(callsBefore, calls, "CreateKxChangeset/");
    ObjectNode n = report.putObject("rebuild");
    n.put("resources", before.size());
    n.put("withChangesetId", withIds);
    n.put("withoutChangesetId", before.size() - withIds);
    n.put("imported", imported);
    n.put("refused", refused);
    n.put("newChangesets", newChangesets);
    n.put("createCalls", creates);
    n.put("listCalls", delta(callsBefore, calls, "ListKxChangesets/"));
    n.put("getCalls", delta(callsBefore, calls, "GetKxChangeset/"));
    n.put("secondsToSettle", Math.round(seconds * 10) / 10.0);
    if (!settled) {
      problems.add("rebuild: not every re-applied resource was imported or refused in time");
    }
    if (newChangesets != 0 || creates != 0) {
      problems.add(
          "rebuild: %d new changesets, %d CreateKxChangeset calls (0 expected)"
              .formatted(newChangesets, creates));
    }
    if (imported != withIds || refused != before.size() - withIds) {
      problems.add(
          "rebuild: %d imported, %d refused (%d and %d expected)"
              .formatted(imported, refused, withIds, before.size() - withIds));
    }
    rerun(namespace, after, timeout, n, problems);
    say.accept("rebuild: " + n);
  }

  /** Annotates one refused resource for a deliberate re-run: exactly one changeset is made. */
  private void rerun(
      String namespace,
      List<KxChangeset> after,
      Duration timeout,
      ObjectNode n,
      List<String> problems) {
    KxChangeset refused =
        after.stream()
            .filter(r -> reason(r, Conditions.STALLED, "RepeatsHistory"))
            .findFirst()
            .orElse(null);
    if (refused == null) {
      problems.add("rebuild: no refused resource to re-run");
      return;
    }
    String message = condition(refused, Conditions.STALLED).getMessage();
    Matcher m = NAMED.matcher(message);
    if (!m.find()) {
      problems.add("rebuild: the refusal names no changeset: " + message);
      return;
    }
    String id = m.group(1);
    int changesetsBefore = emulator.changesetCount();
    String name = refused.getMetadata().getName();
    client
        .resources(KxChangeset.class)
        .inNamespace(namespace)
        .withName(name)
        .edit(
            r -> {
              r.getMetadata().setAnnotations(Map.of(ChangesetLogic.RERUN_ANNOTATION, id));
              return r;
            });
    boolean done =
        await(
            timeout,
            () -> {
              KxChangeset r =
                  client.resources(KxChangeset.class).inNamespace(namespace).withName(name).get();
              return r != null && reason(r, Conditions.READY, "Completed");
            });
    int made = emulator.changesetCount() - changesetsBefore;
    n.put("rerunAnnotated", name + " " + ChangesetLogic.RERUN_ANNOTATION + "=" + id);
    n.put("rerunNewChangesets", made);
    if (!done || made != 1) {
      problems.add("rebuild: the annotated re-run made %d changesets (1 expected)".formatted(made));
    }
  }

  /** The manifest Git holds for {@code r}, with its changeset id recorded or not. */
  private static KxChangeset manifest(KxChangeset r, boolean recordId) {
    KxChangeset m = new KxChangeset();
    m.setMetadata(
        new ObjectMetaBuilder()
            .withName(r.getMetadata().getName())
            .withNamespace(r.getMetadata().getNamespace())
            .build());
    KxChangesetSpec spec =
        new KxChangesetSpec(
            r.getSpec().getEnvironmentId(),
            r.getSpec().getDatabaseName(),
            r.getSpec().getRegion(),
            r.getSpec().getChangeRequests());
    if (recordId) {
      spec.setChangesetId(r.getStatus().getChangesetId());
    }
    m.setSpec(spec);
    return m;
  }

  private void apply(List<KxChangeset> manifests) {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (KxChangeset m : manifests) {
        futures.add(pool.submit(() -> client.resource(m).create()));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("applying the manifests again failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** How many resources of {@code namespace} are imported (Ready) or refused (RepeatsHistory). */
  private int settled(String namespace) {
    return (int)
        client.resources(KxChangeset.class).inNamespace(namespace).list().getItems().stream()
            .filter(
                r ->
                    reason(r, Conditions.READY, "Completed")
                        || reason(r, Conditions.STALLED, "RepeatsHistory"))
            .count();
  }

  private static Condition condition(KxChangeset r, String type) {
    return r.getStatus() == null ? null : Conditions.find(r.getStatus().getConditions(), type);
  }

  private static boolean reason(KxChangeset r, String type, String reason) {
    Condition c = condition(r, type);
    return c != null && Conditions.TRUE.equals(c.getStatus()) && reason.equals(c.getReason());
  }

  private static long delta(Map<String, Long> before, Map<String, Long> after, String prefix) {
    long a =
        after.entrySet().stream()
            .filter(e -> e.getKey().startsWith(prefix))
            .mapToLong(Map.Entry::getValue)
            .sum();
    long b =
        before.entrySet().stream()
            .filter(e -> e.getKey().startsWith(prefix))
            .mapToLong(Map.Entry::getValue)
            .sum();
    return a - b;
  }

  private static boolean await(Duration timeout, java.util.function.BooleanSupplier done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (done.getAsBoolean()) {
        return true;
      }
      Harness.sleep(500);
    }
    return done.getAsBoolean();
  }
}
