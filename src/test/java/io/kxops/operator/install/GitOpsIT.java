/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.testkit.ApiServer;
import io.kxops.testkit.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The GitOps examples of config/gitops cannot rot: the Argo CD health patch is health.lua and
 * applies to an argocd-cm; the chart renders with the values the Application and the HelmRelease
 * give it; the KxChangesets their load examples sync are admitted by the API server.
 */
class GitOpsIT {

  static final Path DIR = Path.of("config", "gitops");
  static final String HEALTH_KEY = "resource.customizations.health.finspace.kxops.io_KxChangeset";

  static ApiServer api;
  static KubernetesClient admin;
  static Cli cli;

  @BeforeAll
  static void start() {
    api = ApiServer.start();
    admin = api.client();
    cli = new Cli(Path.of("target", "install-it", "gitops"), api);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(Path file, int document) throws IOException {
    String[] docs = Files.readString(file).split("(?m)^---\\s*$");
    return Serialization.unmarshal(docs[document], Map.class);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> at(Map<String, Object> m, String... path) {
    Map<String, Object> cur = m;
    for (String p : path) {
      cur = (Map<String, Object>) cur.get(p);
    }
    return cur;
  }

  @Test
  void argoCdHealthPatchIsHealthLuaAndPatchesArgocdCm() throws IOException {
    Path patch = DIR.resolve("argocd/argocd-cm-health-patch.yaml");
    Object lua = at(yaml(patch, 0), "data").get(HEALTH_KEY);
    assertThat(lua)
        .as("%s holds config/argocd/health.lua; copy it again", patch)
        .isEqualTo(Files.readString(Path.of("config", "argocd", "health.lua")));
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName("argocd").endMetadata().build())
        .serverSideApply();
    admin
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("argocd-cm")
                .withNamespace("argocd")
                .endMetadata()
                .withData(Map.of("url", "https://argocd.example.com"))
                .build())
        .create();
    // The command the patch's header documents.
    cli.kubectl(
            "-n",
            "argocd",
            "patch",
            "configmap",
            "argocd-cm",
            "--type",
            "merge",
            "--patch-file",
            patch.toString())
        .ok();
    ConfigMap cm = admin.configMaps().inNamespace("argocd").withName("argocd-cm").get();
    assertThat(cm.getData()).containsEntry("url", "https://argocd.example.com");
    assertThat(cm.getData().get(HEALTH_KEY)).isEqualTo(lua);
  }

  @Test
  void theChartRendersWithTheValuesOfTheArgoApplicationAndTheFluxHelmRelease() throws IOException {
    Map<String, Object> app = yaml(DIR.resolve("argocd/operator-application.yaml"), 0);
    assertThat(Path.of((String) at(app, "spec", "source").get("path"))).isEqualTo(Install.CHART);
    Map<String, Object> release = yaml(DIR.resolve("flux/operator-helmrelease.yaml"), 1);
    assertThat(Path.of((String) at(release, "spec", "chart", "spec").get("chart")).normalize())
        .isEqualTo(Install.CHART);
    for (Map<String, Object> values :
        List.of(at(app, "spec", "source", "helm", "valuesObject"), at(release, "spec", "values"))) {
      Path file = Files.createTempFile(cli.workDir(), "values-", ".yaml");
      Files.writeString(file, Serialization.asYaml(values));
      // The chart's values.schema.json rejects unknown keys and wrong types.
      Manifests m = Install.helmTemplate(cli, "-f", file);
      assertThat(m.deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
          .isEqualTo("registry.example.com/platform/kxchangeset-operator:0.1.0");
    }
  }

  @Test
  void theLoadExamplesSyncAdmittedKxChangesets() throws IOException {
    String argoPath =
        (String)
            at(yaml(DIR.resolve("argocd/changesets-application.yaml"), 0), "spec", "source")
                .get("path");
    String fluxPath =
        (String) at(yaml(DIR.resolve("flux/changesets-kustomization.yaml"), 0), "spec").get("path");
    assertThat(Path.of(fluxPath).normalize()).isEqualTo(Path.of(argoPath));
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName("kdb").endMetadata().build())
        .serverSideApply();
    String out =
        cli.kubectl("apply", "--dry-run=server", "-n", "kdb", "-k", argoPath).ok().stdout();
    assertThat(out).contains("kxchangeset.finspace.kxops.io/").contains("(server dry run)");
  }
}
