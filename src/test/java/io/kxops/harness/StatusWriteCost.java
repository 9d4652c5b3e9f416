/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.testkit.ApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What one status write costs the API server, by method: server-side apply (what the operator did
 * before), JSON merge patch, and a replace (PUT, what {@code StatusWriter} does). Creates {@code
 * wc.n} KxChangesets per round on a real kube-apiserver, writes three statuses to each (intent,
 * created, completed) by one method, and reads the API server's CPU time from /proc; three rounds
 * of each method in turn. Figures: target/bench/status-write-cost.txt. Run: {@code mvn -B verify
 * -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=StatusWriteCost
 * -Dfailsafe.failIfNoSpecifiedTests=false -Dimage.skip=true}
 */
class StatusWriteCost {
  static final int N = Integer.getInteger("wc.n", 300);

  static long cpuTicks(long pid) throws Exception {
    String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ")[1].split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  static long apiServerPid(String port) throws Exception {
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path d : dirs.toList()) {
        if (!d.getFileName().toString().matches("\\d+")) continue;
        try {
          String cmd = Files.readString(d.resolve("cmdline")).replace('\0', ' ');
          if (cmd.contains("kube-apiserver")
              && cmd.matches(".*--secure-port[= ]" + port + "\\b.*")) {
            return Long.parseLong(d.getFileName().toString());
          }
        } catch (Exception e) {
          // gone
        }
      }
    }
    throw new IllegalStateException("no kube-apiserver process on port " + port);
  }

  static void stripRules(io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps p) {
    if (p == null) {
      return;
    }
    p.setXKubernetesValidations(null);
    if (p.getProperties() != null) {
      p.getProperties().values().forEach(StatusWriteCost::stripRules);
    }
    if (p.getItems() != null) {
      stripRules(p.getItems().getSchema());
    }
    if (p.getAdditionalProperties() != null) {
      stripRules(p.getAdditionalProperties().getSchema());
    }
  }

  static KxChangesetStatus status(int stage, String uid) {
    KxChangesetStatus s = new KxChangesetStatus();
    s.setObservedGeneration(1L);
    s.setRegion("us-east-1");
    CreateIntent i = new CreateIntent();
    i.setRegion("us-east-1");
    i.setEnvironmentId("jlcenjvtkgzrdek2qqv7ic");
    i.setDatabaseName("db-001");
    i.setGeneration(1L);
    i.setRequestsDigest("a".repeat(64));
    i.setClientToken(uid);
    i.setAttemptedAt("2026-12-06T02:00:00.123Z");
    i.setRetries(0);
    s.setCreateIntent(i);
    List<Condition> c = new ArrayList<>();
    String t = "2026-12-06T02:00:0" + stage + "Z";
    if (stage == 0) {
      c.add(new Condition("Ready", "False", "Creating", "creating the changeset", 1L, t));
      c.add(new Condition("Reconciling", "True", "Creating", "creating the changeset", 1L, t));
    } else {
      s.setChangesetId("cs" + uid.substring(0, 20));
      s.setStatus(stage == 1 ? "PENDING" : "COMPLETED");
      s.setCreatedTimestamp("2026-12-06T02:00:01.000Z");
      s.setLastModifiedTimestamp(t);
      if (stage == 1) {
        c.add(new Condition("Ready", "False", "Pending", "FinSpace changeset PENDING", 1L, t));
        c.add(new Condition("Reconciling", "True", "Pending", "FinSpace changeset PENDING", 1L, t));
      } else {
        s.setActiveFromTimestamp(t);
        c.add(new Condition("Ready", "True", "Completed", "FinSpace changeset COMPLETED", 1L, t));
      }
    }
    s.setConditions(c);
    return s;
  }

  @Test
  void threeRoundsOfEachMethod() throws Exception {
    // -Dwc.withoutCel=true: the CRD without its CEL rules (what the rules cost per write);
    // -Dwc.methods=put,ssa: the methods to compare, three rounds each in turn.
    boolean withoutCel = Boolean.getBoolean("wc.withoutCel");
    try (ApiServer api =
        ApiServer.start(
            crd -> {
              if (withoutCel) {
                crd.getSpec()
                    .getVersions()
                    .forEach(v -> stripRules(v.getSchema().getOpenAPIV3Schema()));
              }
            })) {
      KubernetesClient k = api.client();
      String port = String.valueOf(java.net.URI.create(k.getMasterUrl().toString()).getPort());
      long pid = apiServerPid(port);
      StringBuilder out = new StringBuilder();
      List<String> chosen = List.of(System.getProperty("wc.methods", "ssa,merge,put").split(","));
      List<String> methods = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        methods.addAll(chosen);
      }
      int round = 0;
      for (String m : methods) {
        String ns = "wc" + (round++);
        k.namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
        List<KxChangeset> rs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
          KxChangeset r = new KxChangeset();
          r.setMetadata(new ObjectMetaBuilder().withName("r" + i).withNamespace(ns).build());
          KxChangesetSpec spec = new KxChangesetSpec();
          spec.setEnvironmentId("jlcenjvtkgzrdek2qqv7ic");
          spec.setDatabaseName("db-001");
          spec.setChangeRequests(
              List.of(ChangeRequest.put("s3://bucket/db/p" + i + "/", "/p" + i + "/")));
          r.setSpec(spec);
          rs.add(k.resource(r).create());
        }
        Thread.sleep(500);
        long before = cpuTicks(pid);
        long start = System.nanoTime();
        for (int stage = 0; stage < 3; stage++) {
          for (int i = 0; i < N; i++) {
            KxChangeset cur = rs.get(i);
            KxChangesetStatus next = status(stage, cur.getMetadata().getUid());
            KxChangeset written;
            switch (m) {
              case "ssa" -> {
                KxChangeset patch = new KxChangeset();
                patch.setMetadata(
                    new ObjectMetaBuilder()
                        .withName(cur.getMetadata().getName())
                        .withNamespace(ns)
                        .withResourceVersion(cur.getMetadata().getResourceVersion())
                        .build());
                patch.setStatus(next);
                written =
                    k.resource(patch)
                        .subresource("status")
                        .patch(
                            new PatchContext.Builder()
                                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                                .withForce(true)
                                .withFieldManager("kxchangesetreconciler")
                                .build());
              }
              case "merge" -> {
                Map<String, Object> body =
                    Map.of(
                        "metadata",
                        Map.of("resourceVersion", cur.getMetadata().getResourceVersion()),
                        "status",
                        next);
                written =
                    k.resources(KxChangeset.class)
                        .inNamespace(ns)
                        .withName(cur.getMetadata().getName())
                        .subresource("status")
                        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(body));
              }
              default -> {
                // As StatusWriter does: the resource as read, managedFields left out, with the
                // new status.
                KxChangeset body = new KxChangeset();
                ObjectMeta meta = new ObjectMetaBuilder(cur.getMetadata()).build();
                meta.setManagedFields(null);
                body.setMetadata(meta);
                body.setSpec(cur.getSpec());
                body.setStatus(next);
                written = k.resource(body).updateStatus();
              }
            }
            rs.set(i, written);
          }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        long ticks = cpuTicks(pid) - before;
        out.append(
            String.format(
                "%s: %d writes, api-server CPU %d ms (%.2f ms/write), wall %d ms%n",
                m, 3 * N, ticks * 10, ticks * 10.0 / (3 * N), ms));
        assertThat(rs.get(0).getStatus().getStatus()).isEqualTo("COMPLETED");
        k.namespaces().withName(ns).delete();
      }
      System.out.print(out);
      Files.createDirectories(Path.of("target/bench"));
      Files.writeString(Path.of("target/bench/status-write-cost.txt"), out);
    }
  }
}
