/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.testkit.Cli;
import io.kxops.testkit.E2eCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator as users run it: its own image, installed by its Helm chart into a namespace that
 * enforces the restricted Pod Security level, running as a Pod on a real node (its kubelet runs the
 * probes; the operator reads its projected ServiceAccount token and reaches the API server through
 * the {@code kubernetes} Service), against the FinSpace emulator on an address the run owns. The
 * tests share one cluster and run in order: each builds on the release the previous one left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartE2E {

  static final Path DIR = Path.of("target", "e2e", "chart");
  static final String APP_NS = "kdb";
  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final String SELECTOR = "app.kubernetes.io/instance=" + Install.NAME;

  static E2eCluster cluster;
  static KubernetesClient admin;
  static FinSpaceEmulator emulator;
  static Cli cli;
  static Instant started;

  @BeforeAll
  static void start() throws Exception {
    started = Instant.now();
    cluster = E2eCluster.start(DIR);
    cluster
        .node()
        .ifPresent(n -> System.out.println("LocalNode start timings (s): " + n.startTimings()));
    admin = cluster.newClient();
    cli = new Cli(DIR.resolve("cli"), cluster.kubeconfig());
    emulator =
        FinSpaceEmulator.builder()
            .host(cluster.emulatorHost())
            .port(0)
            .database(ENV, "trades")
            .database(ENV, "quotes")
            .database(ENV, "flight0")
            .database(ENV, "flight1")
            .database(ENV, "flight2")
            .database(ENV, "flight3")
            .pending(Duration.ofMillis(300))
            .processing(Duration.ofMillis(700))
            .start();
    for (String ns : List.of(Install.NS, APP_NS)) {
      admin
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(ns)
                  .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                  .addToLabels("pod-security.kubernetes.io/warn", "restricted")
                  .endMetadata()
                  .build())
          .serverSideApply();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (cli != null) {
        diagnostics();
      }
    } finally {
      if (admin != null) {
        admin.close();
      }
      if (emulator != null) {
        emulator.close();
      }
      if (cluster != null) {
        cluster.close();
      }
      System.out.println(
          "ChartE2E: " + Duration.between(started, Instant.now()).toMillis() / 1000.0 + " s");
    }
  }

  @AfterEach
  void perTestDiagnostics(TestInfo test) throws Exception {
    diagnostics(test.getTestMethod().map(m -> m.getName() + "-").orElse(""));
  }

  static void diagnostics() throws Exception {
    diagnostics("");
  }

  /** Pod list, descriptions, events, the Lease and operator logs, into the work directory. */
  static void diagnostics(String prefix) throws Exception {
    Files.writeString(
        DIR.resolve(prefix + "lease.txt"),
        cli.kubectl("get", "lease", "-n", Install.NS, "-o", "yaml").output());
    Files.writeString(
        DIR.resolve(prefix + "pods.txt"),
        cli.kubectl("get", "pods", "-A", "-o", "wide").output()
            + cli.kubectl("describe", "pods", "-n", Install.NS).output()
            + cli.kubectl("get", "events", "-A", "--sort-by=.lastTimestamp").output());
    Files.writeString(
        DIR.resolve(prefix + "operator.log"),
        cli.kubectl(
                "logs",
                "-n",
                Install.NS,
                "-l",
                SELECTOR,
                "--tail=-1",
                "--prefix",
                "--all-containers")
            .output());
  }

  /**
   * {@code helm <verb>} of the chart into its namespace with {@link #values()} and {@code extra}.
   */
  void chart(String verb, String... extra) throws Exception {
    List<Object> args =
        new ArrayList<>(
            List.of(verb, Install.NAME, Install.CHART, "-n", Install.NS, "-f", values()));
    args.addAll(List.of(extra));
    cli.helm(args.toArray()).ok();
  }

  /** The values of every install here: the image as imported, the emulator, short intervals. */
  static Path values() throws Exception {
    Path values = DIR.resolve("values.yaml");
    Files.createDirectories(DIR);
    Files.writeString(
        values,
        """
        image:
          repository: %s
          tag: %s
          pullPolicy: Never
        config:
          awsRegion: us-east-1
          awsEndpointUrlFinspace: %s
          # The emulator is plain http on the host's end of the veth, not on loopback.
          finspaceAllowHttpEndpoint: true
          pollInterval: 300ms
          maxPollInterval: 2s
          retryInitialInterval: 200ms
          retryMaxInterval: 2s
          logFormat: text
        extraEnv:
          - name: AWS_ACCESS_KEY_ID
            value: AKIDKXOPSTEST
          - name: AWS_SECRET_ACCESS_KEY
            value: kxops-test-secret
        """
            .formatted(cluster.repository(), cluster.tag(), emulator.endpoint()));
    return values;
  }

  static KxChangeset create(String name, String db) {
    KxChangeset r = new KxChangeset();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(APP_NS);
    r.setSpec(
        new KxChangesetSpec(
            ENV, db, null, List.of(ChangeRequest.put("s3://kdb-staging/" + name + "/", "/"))));
    return admin.resource(r).create();
  }

  static String status(String name) {
    KxChangeset r = admin.resources(KxChangeset.class).inNamespace(APP_NS).withName(name).get();
    return r == null || r.getStatus() == null ? null : r.getStatus().getStatus();
  }

  static List<Pod> operatorPods() {
    return admin.pods().inNamespace(Install.NS).withLabelSelector(SELECTOR).list().getItems();
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @Test
  @Order(1)
  void helmInstallWaitsForAReadyPodThatCompletesAChangeset() throws Exception {
    Instant t0 = Instant.now();
    chart("install", "--wait", "--timeout", "110s");
    System.out.println(
        "helm install --wait: " + Duration.between(t0, Instant.now()).toMillis() / 1000.0 + " s");
    List<Pod> pods = operatorPods();
    assertThat(pods).hasSize(1);
    Pod pod = pods.get(0);
    assertThat(ready(pod)).isTrue();
    // The chart's ServiceAccount and its projected token; nothing else grants the pod access.
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo(Install.NAME);
    assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo(cluster.image());
    // Its only credential for the API server is the projected ServiceAccount token.
    assertThat(
            pod.getSpec().getVolumes().stream()
                .filter(v -> v.getProjected() != null)
                .flatMap(v -> v.getProjected().getSources().stream())
                .anyMatch(src -> src.getServiceAccountToken() != null))
        .isTrue();
    assertThat(pod.getSpec().getVolumes()).allMatch(v -> v.getSecret() == null);
    // The namespace enforces restricted: a pod that is not is refused (so this one passed).
    var privileged =
        new io.fabric8.kubernetes.api.model.PodBuilder()
            .withNewMetadata()
            .withName("not-restricted")
            .withNamespace(Install.NS)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("c")
            .withImage(cluster.image())
            .withNewSecurityContext()
            .withPrivileged(true)
            .endSecurityContext()
            .endContainer()
            .endSpec()
            .build();
    assertThatThrownBy(() -> admin.resource(privileged).dryRun().create())
        .hasMessageContaining("violates PodSecurity \"restricted");

    create("first", "trades");
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> "COMPLETED".equals(status("first")));
    assertThat(emulator.changesets(ENV, "trades")).hasSize(1);
    System.out.println(
        "install to COMPLETED: " + Duration.between(t0, Instant.now()).toMillis() / 1000.0 + " s");
    helmTestPasses();
  }

  /** {@code helm test}: the chart's test pod runs on the node and finds the operator's metrics. */
  static void helmTestPasses() throws Exception {
    Instant t0 = Instant.now();
    // Without --logs: the pod is deleted once it succeeded (hook-succeeded, so no finished pod is
    // left behind; Helm never deletes hooks on uninstall), and --logs then fails to find it.
    Cli.Result r = cli.helm("test", Install.NAME, "-n", Install.NS, "--timeout", "90s");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output())
        .contains("TEST SUITE:     " + Install.NAME + "-test")
        .containsPattern("Phase:\\s+Succeeded");
    System.out.println(
        "helm test: " + Duration.between(t0, Instant.now()).toMillis() / 1000.0 + " s");
  }

  static Lease lease() {
    return admin.leases().inNamespace(Install.NS).withName("kxchangeset-operator").get();
  }

  static String holder() {
    Lease lease = lease();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  static List<String> readyPodNames() {
    return operatorPods().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(ChartE2E::ready)
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  /** Every KxChangeset has at most one changeset in FinSpace, and each is recorded once. */
  static void noDuplicates() {
    Map<String, List<String>> byToken = emulator.changesetsByClientToken();
    assertThat(byToken.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
    List<KxChangeset> all =
        admin.resources(KxChangeset.class).inNamespace(APP_NS).list().getItems();
    assertThat(byToken).hasSize(all.size());
    assertThat(emulator.changesetCount()).isEqualTo(all.size());
    List<String> ids =
        all.stream().map(r -> r.getStatus().getChangesetId()).filter(Objects::nonNull).toList();
    assertThat(ids).doesNotHaveDuplicates().hasSize(all.size());
  }

  static void awaitCompleted(List<String> names, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              for (String n : names) {
                assertThat(status(n)).as(n).isEqualTo("COMPLETED");
              }
            });
  }

  @Test
  @Order(2)
  void twoReplicasTheLeaderPodIsDeletedTheStandbyTakesOver() throws Exception {
    Instant t0 = Instant.now();
    chart("upgrade", "--set", "replicaCount=2", "--wait", "--timeout", "110s");
    await().atMost(Duration.ofSeconds(90)).until(() -> readyPodNames().size() == 2);
    await().atMost(Duration.ofSeconds(60)).until(() -> readyPodNames().contains(holder()));
    String leader = holder();
    String standby =
        readyPodNames().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    create("before-kill", "quotes");
    awaitCompleted(List.of("before-kill"), Duration.ofSeconds(60));

    // Changesets in flight while the leader goes away (a real pod deletion: SIGTERM, then the
    // grace period).
    List<String> inFlight = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      create("during-kill-" + i, "flight" + i);
      inFlight.add("during-kill-" + i);
    }
    // When the Lease would run out if the leader did not give it up (read before the deletion:
    // a renewal after this read only moves the real expiry later).
    Lease before = lease();
    Instant expiry =
        before
            .getSpec()
            .getRenewTime()
            .toInstant()
            .plusSeconds(before.getSpec().getLeaseDurationSeconds());
    long deleted = System.nanoTime();
    admin.pods().inNamespace(Install.NS).withName(leader).delete();
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              String h = holder();
              return h != null && !h.equals(leader);
            });
    double takeOver = (System.nanoTime() - deleted) / 1e9;
    Lease after = lease();
    String next = after.getSpec().getHolderIdentity();
    System.out.printf(
        "leader %s deleted; %s leads after %.1f s (standby was %s; the Lease would have run"
            + " %.1f s more)%n",
        leader,
        next,
        takeOver,
        standby,
        Duration.between(after.getSpec().getAcquireTime().toInstant(), expiry).toMillis() / 1e3);
    // The deleted leader released its Lease on SIGTERM, after its reconciliations ended: another
    // pod acquired it before it would have expired (without the release, candidates wait it out).
    assertThat(after.getSpec().getAcquireTime().toInstant())
        .as("the new holder's acquireTime; the old Lease would have expired at %s", expiry)
        .isBefore(expiry);
    await().atMost(Duration.ofSeconds(60)).until(() -> readyPodNames().contains(next));
    create("after-kill", "quotes");
    inFlight.add("after-kill");
    awaitCompleted(inFlight, Duration.ofSeconds(120));
    noDuplicates();
    // The Deployment replaces the deleted pod; it becomes the standby.
    await().atMost(Duration.ofSeconds(90)).until(() -> readyPodNames().size() == 2);
    System.out.println(
        "two replicas, leader deleted: "
            + Duration.between(t0, Instant.now()).toMillis() / 1000.0
            + " s");
  }

  @Test
  @Order(3)
  void helmUpgradeToANewImageTagWhileChangesetsAreInFlight() throws Exception {
    Instant t0 = Instant.now();
    String next = cluster.imageWithTag("e2e-upgrade");
    String nextTag = next.substring(next.lastIndexOf(':') + 1);
    List<String> names = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < 4; i++) {
        String name = "upgrade-" + round + "-" + i;
        create(name, "flight" + i);
        names.add(name);
      }
    }
    chart(
        "upgrade",
        "--set",
        "replicaCount=2",
        "--set",
        "image.tag=" + nextTag,
        "--wait",
        "--timeout",
        "110s");
    for (int i = 0; i < 4; i++) {
      String name = "upgrade-after-" + i;
      create(name, "flight" + i);
      names.add(name);
    }
    awaitCompleted(names, Duration.ofSeconds(150));
    noDuplicates();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(operatorPods())
                    .allSatisfy(
                        p ->
                            assertThat(p.getSpec().getContainers().get(0).getImage())
                                .isEqualTo(next)));
    // The node's own parts while two operator pods run (docs/e2e.md, figures).
    cluster
        .node()
        .ifPresent(
            n -> System.out.println("LocalNode RSS (MiB), two operator pods: " + n.rssMiB()));
    System.out.println(
        "helm upgrade with changesets in flight: "
            + Duration.between(t0, Instant.now()).toMillis() / 1000.0
            + " s");
  }

  @Test
  @Order(4)
  void aPodOverItsMemoryLimitIsOomKilledAndComesBack() throws Exception {
    Instant t0 = Instant.now();
    // One replica, a 64 MiB limit and a JVM that touches a 200 MiB heap at start: the kernel's
    // OOM killer ends it inside its cgroup; the kubelet reports OOMKilled and restarts it.
    chart(
        "upgrade",
        "--set",
        "resources.limits.memory=64Mi",
        "--set",
        "resources.requests.memory=64Mi",
        "--set",
        "jvmOptions=-Xms200m -XX:+AlwaysPreTouch",
        "--wait=false");
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                operatorPods().stream()
                    .flatMap(p -> p.getStatus().getContainerStatuses().stream())
                    .anyMatch(
                        c ->
                            c.getRestartCount() > 0
                                && c.getLastState() != null
                                && c.getLastState().getTerminated() != null
                                && "OOMKilled"
                                    .equals(c.getLastState().getTerminated().getReason())));
    // helm test can fail: no operator answers while its only pod is OOMKilled again and again.
    Instant failing = Instant.now();
    Cli.Result test = cli.helm("test", Install.NAME, "-n", Install.NS, "--timeout", "90s");
    assertThat(test.exitCode()).as(test.output()).isNotZero();
    assertThat(test.output()).contains("kxchangeset-operator-test");
    assertThat(cli.kubectl("logs", "-n", Install.NS, Install.NAME + "-test").ok().output())
        .contains("FAILED: cannot reach");
    System.out.println(
        "helm test failing: "
            + Duration.between(failing, Instant.now()).toMillis() / 1000.0
            + " s");
    // Back to the normal limit: the pod comes back Ready and the operator works.
    chart("upgrade", "--wait", "--timeout", "110s");
    await().atMost(Duration.ofSeconds(90)).until(() -> readyPodNames().size() == 1);
    create("after-oom", "trades");
    awaitCompleted(List.of("after-oom"), Duration.ofSeconds(60));
    noDuplicates();
    System.out.println(
        "OOMKilled and back: " + Duration.between(t0, Instant.now()).toMillis() / 1000.0 + " s");
  }

  @Test
  @Order(5)
  void theKustomizeInstallCompletesAChangeset() throws Exception {
    Instant t0 = Instant.now();
    cli.helm("uninstall", Install.NAME, "-n", Install.NS, "--wait", "--timeout", "110s").ok();
    await().atMost(Duration.ofSeconds(90)).until(() -> operatorPods().isEmpty());
    // An overlay over config/default, as a user's would be: the image, the emulator, credentials.
    Path overlay = DIR.resolve("kustomize");
    Files.createDirectories(overlay);
    Path base = overlay.toAbsolutePath().relativize(Path.of("config", "default").toAbsolutePath());
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
          - %s
        patches:
          - target: {kind: Deployment}
            patch: |-
              - op: replace
                path: /spec/template/spec/containers/0/image
                value: %s
              - op: replace
                path: /spec/template/spec/containers/0/imagePullPolicy
                value: Never
              - op: add
                path: /spec/template/spec/containers/0/env/-
                value: {name: AWS_REGION, value: us-east-1}
              - op: add
                path: /spec/template/spec/containers/0/env/-
                value: {name: AWS_ENDPOINT_URL_FINSPACE, value: "%s"}
              - op: add
                path: /spec/template/spec/containers/0/env/-
                value: {name: POLL_INTERVAL, value: 300ms}
              - op: add
                path: /spec/template/spec/containers/0/env/-
                value: {name: AWS_ACCESS_KEY_ID, value: AKIDKXOPSTEST}
              - op: add
                path: /spec/template/spec/containers/0/env/-
                value: {name: AWS_SECRET_ACCESS_KEY, value: kxops-test-secret}
              - op: add
                path: /spec/template/spec/containers/0/env/-
                value: {name: FINSPACE_ALLOW_HTTP_ENDPOINT, value: "true"}
        """
            .formatted(base, cluster.image(), emulator.endpoint()));
    cli.kubectl("apply", "--server-side", "--force-conflicts", "-k", overlay).ok();
    String deployment =
        admin.apps().deployments().inNamespace(Install.NS).list().getItems().stream()
            .map(d -> d.getMetadata().getName())
            .findFirst()
            .orElseThrow();
    cli.kubectl("rollout", "status", "-n", Install.NS, "deployment/" + deployment, "--timeout=110s")
        .ok();
    create("kustomized", "trades");
    awaitCompleted(List.of("kustomized"), Duration.ofSeconds(90));
    noDuplicates();
    System.out.println(
        "kustomize install to COMPLETED: "
            + Duration.between(t0, Instant.now()).toMillis() / 1000.0
            + " s");
  }

  @Test
  @Order(6)
  void theKustomizeInstallMigratesToHelmWhileChangesetsAreInFlight() throws Exception {
    Instant t0 = Instant.now();
    Path overlay = DIR.resolve("kustomize");
    Manifests kustomize = Manifests.parse(cli.kubectl("kustomize", overlay).ok().stdout());
    var before = admin.apps().deployments().inNamespace(Install.NS).withName(Install.NAME).get();
    assertThat(before).as("the kustomize install's Deployment").isNotNull();
    List<String> names = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 4; i++) {
        String name = "migrate-" + round + "-" + i;
        create(name, "flight" + i);
        names.add(name);
      }
    }
    // docs/upgrade.md's commands as they are, with this run's values in the first (the document
    // says to pass the overlay's values there: the image above all).
    for (List<String> cmd : MigrationIT.documentedCommands()) {
      List<Object> args = new ArrayList<>(cmd.subList(1, cmd.size()));
      Cli.Result r;
      if (cmd.get(0).equals("helm")) {
        args.addAll(List.of("-f", values()));
        r = cli.helm(args.toArray());
      } else {
        r = cli.kubectl(args.toArray());
      }
      assertThat(r.exitCode()).as("%s%n%s", cmd, r.output()).isZero();
    }
    for (int i = 0; i < 4; i++) {
      String name = "migrate-after-" + i;
      create(name, "flight" + i);
      names.add(name);
    }
    cli.kubectl(
            "rollout", "status", "-n", Install.NS, "deployment/" + Install.NAME, "--timeout=110s")
        .ok();
    awaitCompleted(names, Duration.ofSeconds(150));
    noDuplicates();
    var after = admin.apps().deployments().inNamespace(Install.NS).withName(Install.NAME).get();
    assertThat(after.getMetadata().getUid())
        .as("the Deployment is rolled in place, not replaced")
        .isEqualTo(before.getMetadata().getUid());
    assertThat(after.getMetadata().getAnnotations())
        .containsEntry("meta.helm.sh/release-name", Install.NAME);
    // Once the old pod has gone (its termination may outlast the rollout's end).
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(operatorPods())
                    .as("the pods were rolled to the chart's template")
                    .isNotEmpty()
                    .allSatisfy(
                        p ->
                            assertThat(p.getMetadata().getLabels())
                                .containsEntry("app.kubernetes.io/managed-by", "Helm")));
    System.out.println(
        "kustomize -> Helm with changesets in flight: "
            + Duration.between(t0, Instant.now()).toMillis() / 1000.0
            + " s");
    helmTestPasses();

    cli.helm("uninstall", Install.NAME, "-n", Install.NS, "--wait", "--timeout", "110s").ok();
    await().atMost(Duration.ofSeconds(90)).until(() -> operatorPods().isEmpty());
    java.util.TreeSet<String> left = new java.util.TreeSet<>();
    for (io.fabric8.kubernetes.api.model.HasMetadata o : kustomize.all()) {
      if (admin.resource(o).get() != null) {
        left.add(Manifests.id(o));
      }
    }
    assertThat(left)
        .as("after helm uninstall, what the kustomize install made")
        .containsExactlyInAnyOrder(
            "Namespace " + Install.NS,
            "CustomResourceDefinition kxchangesets.finspace.kxops.io",
            "CustomResourceDefinition kxaccesspolicies.finspace.kxops.io");
    assertThat(admin.resources(KxChangeset.class).inNamespace(APP_NS).list().getItems())
        .as("every KxChangeset survives")
        .hasSize(emulator.changesetCount());
  }
}
