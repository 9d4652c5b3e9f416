/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.testkit.ApiServer;
import io.kxops.testkit.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The documented kustomize → Helm migration (docs/upgrade.md), run command by command on a real API
 * server: the release adopts every object, the Deployment is patched in place, and helm uninstall
 * leaves nothing but what the documentation says it keeps.
 */
class MigrationIT {

  static final Path DOC = Path.of("docs", "upgrade.md");
  static final String MARKER = "<!-- MigrationIT runs the commands of the next block";

  static ApiServer api;
  static KubernetesClient admin;
  static Cli cli;

  @BeforeAll
  static void start() {
    api = Install.startWithoutCrd();
    admin = api.client();
    cli = new Cli(Path.of("target", "install-it", "migration"), api);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void kustomizeInstallMigratesToHelmAndUninstallsCleanly() throws IOException {
    Manifests kustomize = Manifests.parse(cli.kubectl("kustomize", "config/default").ok().stdout());
    cli.kubectl("apply", "--server-side", "-k", "config/default").ok();
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName("kdb").endMetadata().build())
        .serverSideApply();
    KxChangeset load = changeset();
    admin.resource(load).create();
    Deployment before = deployment();
    assertThat(before).isNotNull();

    for (List<String> cmd : documentedCommands()) {
      Cli.Result r =
          cmd.get(0).equals("helm")
              ? cli.helm(cmd.subList(1, cmd.size()).toArray())
              : cli.kubectl(cmd.subList(1, cmd.size()).toArray());
      assertThat(r.exitCode()).as("%s%n%s", cmd, r.output()).isZero();
    }

    String status = cli.helm("status", Install.NAME, "-n", Install.NS, "-o", "json").ok().stdout();
    assertThat(status).as("the release").contains("\"status\":\"deployed\"");
    Deployment after = deployment();
    assertThat(after.getMetadata().getUid())
        .as("the Deployment is patched in place, not deleted and created again")
        .isEqualTo(before.getMetadata().getUid());
    assertThat(after.getSpec().getSelector()).isEqualTo(before.getSpec().getSelector());
    assertThat(after.getSpec().getStrategy().getType())
        .as("leader election stays on, so the rollout overlaps old and new pods")
        .isEqualTo("RollingUpdate");
    // Every object kustomize made is now the release's (the Namespace is not the chart's).
    List<String> notAdopted = new ArrayList<>();
    for (HasMetadata o : kustomize.all()) {
      if (o.getKind().equals("Namespace")) {
        continue;
      }
      HasMetadata live = admin.resource(o).get();
      String owner =
          live == null || live.getMetadata().getAnnotations() == null
              ? null
              : live.getMetadata().getAnnotations().get("meta.helm.sh/release-name");
      if (!Install.NAME.equals(owner)) {
        notAdopted.add(Manifests.id(o) + (live == null ? " (gone)" : " (owner " + owner + ")"));
      }
    }
    assertThat(notAdopted).as("objects of the kustomize install not adopted").isEmpty();
    assertThat(admin.resources(KxChangeset.class).inNamespace("kdb").withName("load").get())
        .as("the KxChangeset survives the migration")
        .isNotNull();

    cli.helm("uninstall", Install.NAME, "-n", Install.NS, "--wait").ok();
    TreeSet<String> left = new TreeSet<>();
    for (HasMetadata o : kustomize.all()) {
      if (admin.resource(o).get() != null) {
        left.add(Manifests.id(o));
      }
    }
    // The CRDs stay on purpose (helm.sh/resource-policy: keep: deleting one deletes every
    // resource of its kind), and so does the namespace, which kustomize made and Helm never owned.
    assertThat(left)
        .containsExactlyInAnyOrder(
            "Namespace " + Install.NS,
            "CustomResourceDefinition kxchangesets.finspace.kxops.io",
            "CustomResourceDefinition kxaccesspolicies.finspace.kxops.io");
    assertThat(admin.resources(KxChangeset.class).inNamespace("kdb").withName("load").get())
        .isNotNull();
  }

  /** The commands of the block after {@link #MARKER} in docs/upgrade.md, as argument lists. */
  static List<List<String>> documentedCommands() throws IOException {
    String doc = Files.readString(DOC);
    int at = doc.indexOf(MARKER);
    assertThat(at).as("%s has the migration block", DOC).isNotNegative();
    int open = doc.indexOf("```sh\n", at) + "```sh\n".length();
    String block = doc.substring(open, doc.indexOf("```", open));
    List<List<String>> out = new ArrayList<>();
    for (String line : block.replace("\\\n", " ").split("\n")) {
      if (line.isBlank() || line.strip().startsWith("#")) {
        continue;
      }
      List<String> words = Arrays.stream(line.strip().split("\\s+")).toList();
      assertThat(words.get(0)).as(line).isIn("helm", "kubectl");
      out.add(words);
    }
    assertThat(out).isNotEmpty();
    return out;
  }

  static Deployment deployment() {
    return admin.apps().deployments().inNamespace(Install.NS).withName(Install.NAME).get();
  }

  static KxChangeset changeset() {
    KxChangeset r = new KxChangeset();
    r.getMetadata().setName("load");
    r.getMetadata().setNamespace("kdb");
    r.setSpec(
        new KxChangesetSpec(
            "jlcenjvtkgzrdek2qqv7ic",
            "trades",
            null,
            List.of(ChangeRequest.put("s3://bucket/trades/2020.01.02/", "/2020.01.02/"))));
    return r;
  }
}
