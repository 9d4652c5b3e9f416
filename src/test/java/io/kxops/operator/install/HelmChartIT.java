/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.config.ConfigLoader;
import io.kxops.operator.config.OperatorConfig;
import io.kxops.testkit.ApiServer;
import io.kxops.testkit.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Helm chart: rendered by helm, installed with helm into a real API server, and checked there
 * (objects, RBAC by impersonation, Pod Security admission), then upgraded and uninstalled. The
 * release under test is installed once, in {@link #start()}; upgrade and uninstall run last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmChartIT extends OperatorAccessContract {

  static final Path CHART = Install.CHART;
  static final String RELEASE = Install.NAME;
  static final String NS = Install.NS;
  static final String LEASE = Install.NAME;
  static final String CRD = Install.CRD;

  /** Two replicas, so that leader election and its Lease RBAC are on in the installed release. */
  static final List<String> INSTALLED_VALUES = List.of("--set", "replicaCount=2");

  static final String NON_DEFAULT_VALUES =
      """
      replicaCount: 2
      config:
        watchNamespaces: [team-a, team-b]
        awsRegion: eu-west-1
      crds:
        install: false
      metrics:
        serviceMonitor:
          enabled: true
          labels: {release: prometheus}
      serviceAccount:
        annotations:
          eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/kxchangeset-operator
      """;

  static ApiServer api;
  static KubernetesClient admin;
  static Cli cli;
  static Path work;

  @BeforeAll
  static void start() {
    api = Install.startWithoutCrd();
    admin = api.client();
    cli = new Cli(Path.of("target", "install-it", "helm"), api);
    work = cli.workDir();
    for (String ns : List.of("kdb", "team-a", "team-b")) {
      createNamespace(ns, Map.of());
    }
    helmInstall(RELEASE, NS, INSTALLED_VALUES);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  // ------------------------------------------------------------------------------ rendering

  @Test
  void lintPassesStrictly() throws IOException {
    cli.helm("lint", "--strict", CHART).ok();
    cli.helm("lint", "--strict", CHART, "-f", valuesFile(NON_DEFAULT_VALUES)).ok();
  }

  @Test
  void renderedCrdIsTheGeneratedOneWithHelmMetadata() throws IOException {
    CustomResourceDefinition generated =
        Serialization.unmarshal(
            Files.readString(Path.of("crds", "kxchangesets.finspace.kxops.io-v1.yml")),
            CustomResourceDefinition.class);
    CustomResourceDefinition rendered = template().get(CustomResourceDefinition.class, CRD);
    assertThat(rendered.getSpec()).isEqualTo(generated.getSpec());
    assertThat(rendered.getMetadata().getName()).isEqualTo(generated.getMetadata().getName());
    assertThat(rendered.getMetadata().getAnnotations())
        .isEqualTo(Map.of("helm.sh/resource-policy", "keep"));
    assertThat(rendered.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/part-of", "kxchangeset-operator");
  }

  @Test
  void defaultRenderHasTheExpectedObjects() {
    Manifests m = template();
    assertThat(m.ids())
        .containsExactlyInAnyOrder(
            "CustomResourceDefinition " + CRD,
            "CustomResourceDefinition kxaccesspolicies.finspace.kxops.io",
            "ServiceAccount kxchangeset-system/kxchangeset-operator",
            "ClusterRole kxchangeset-operator",
            "ClusterRoleBinding kxchangeset-operator",
            "ClusterRole kxchangeset-operator-edit",
            "ClusterRole kxchangeset-operator-view",
            "ClusterRole kxchangeset-operator-access-admin",
            "ValidatingAdmissionPolicy kxchangeset-operator-access",
            "ValidatingAdmissionPolicyBinding kxchangeset-operator-access",
            "Service kxchangeset-system/kxchangeset-operator-metrics",
            "Deployment kxchangeset-system/kxchangeset-operator");
    assertThat(m.get(CustomResourceDefinition.class, CRD).getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");

    Deployment d = m.deployment();
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    assertThat(d.getSpec().getStrategy().getType())
        .as("without leader election two pods must never overlap")
        .isEqualTo("Recreate");
    var pod = d.getSpec().getTemplate().getSpec();
    var c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("kxops/kxchangeset-operator:0.1.0");
    assertThat(pod.getServiceAccountName()).isEqualTo("kxchangeset-operator");
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    SecurityContext sc = c.getSecurityContext();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getVolumeMounts())
        .singleElement()
        .satisfies(v -> assertThat(v.getMountPath()).isEqualTo("/tmp"));
    assertThat(pod.getVolumes())
        .singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());

    assertThat(c.getPorts())
        .extracting(p -> p.getName() + "=" + p.getContainerPort())
        .containsExactly("metrics=8080", "health=8081");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("health");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("health");
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getResources().getLimits()).containsKey("memory");

    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("WATCH_NAMESPACES", "");
    expected.put("ALLOWED_REGIONS", "");
    expected.put("ACCESS_POLICY_NAME", "finspace-access");
    expected.put("ACCESS_POLICY_REQUIRED", "false");
    expected.put("POLL_INTERVAL", "5s");
    expected.put("MAX_POLL_INTERVAL", "60s");
    expected.put("MAX_IN_FLIGHT_PER_DATABASE", "1");
    expected.put("FINSPACE_RATE_LIMIT", "10");
    expected.put("FINSPACE_MAX_ATTEMPTS", "3");
    expected.put("RETRY_INITIAL_INTERVAL", "2s");
    expected.put("RETRY_MAX_INTERVAL", "5m");
    expected.put("ACCESS_DENIED_STALL_AFTER", "10m");
    expected.put("ADOPT_AFTER", "7m");
    expected.put("QUEUE_YIELD_AFTER", "5m");
    expected.put("REFUSE_REPEATED_HISTORY", "true");
    expected.put("LEADER_ELECTION", "false");
    expected.put("LEADER_ELECTION_NAMESPACE", NS);
    expected.put("LEADER_ELECTION_LEASE_NAME", LEASE);
    expected.put("METRICS_PORT", "8080");
    expected.put("HEALTH_PORT", "8081");
    expected.put("METRICS_LABEL_LIMIT", "100");
    expected.put("LOG_FORMAT", "json");
    expected.put("LOG_LEVEL", "info");
    expected.put("POD_NAME", null);
    expected.put("POD_NAMESPACE", null);
    expected.put(
        "JAVA_TOOL_OPTIONS",
        "-XX:+UseSerialGC -XX:MaxRAMPercentage=70 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TieredStopAtLevel=1 -Djava.util.concurrent.ForkJoinPool.common.parallelism=2 -XX:+ExitOnOutOfMemoryError -Xss512k");
    assertThat(m.env()).containsExactlyEntriesOf(expected);
    assertThat(c.getEnv())
        .filteredOn(e -> e.getName().startsWith("POD_"))
        .extracting(e -> e.getName() + "=" + e.getValueFrom().getFieldRef().getFieldPath())
        .containsExactly("POD_NAME=metadata.name", "POD_NAMESPACE=metadata.namespace");
  }

  @Test
  void chartDefaultsAreTheOperatorsDefaultsExceptJsonLogs() {
    Map<String, String> env = podEnv(template());
    OperatorConfig fromChart = ConfigLoader.load(env);
    OperatorConfig operatorDefaults =
        ConfigLoader.load(Map.of("POD_NAME", "pod-1", "POD_NAMESPACE", NS, "LOG_FORMAT", "json"));
    assertThat(fromChart).isEqualTo(operatorDefaults);
  }

  @Test
  void everyConfigValueReachesItsVariable() throws IOException {
    String values =
        """
        config:
          awsRegion: eu-west-2
          awsEndpointUrlFinspace: http://finspace-emulator.test:4566
          finspaceAllowHttpEndpoint: true
          watchNamespaces: [team-a, team-b]
          pollInterval: 7s
          maxPollInterval: 2m
          maxInFlightPerDatabase: 2
          finspaceRateLimit: 2.5
          finspaceMaxAttempts: 5
          reconcileThreads: 4
          retryInitialInterval: 3s
          retryMaxInterval: 10m
          accessDeniedStallAfter: 15m
          adoptAfter: 7m30s
          queueYieldAfter: 45s
          refuseRepeatedHistory: false
          metricsPort: 9090
          healthPort: 9091
          logFormat: text
          logLevel: debug
        leaderElection:
          enabled: true
          namespace: team-a
          leaseName: kx-lease
        jvmOptions: -Xmx200m
        extraEnv:
          - name: AWS_STS_REGIONAL_ENDPOINTS
            value: regional
        """;
    Manifests m = template("-f", valuesFile(values));
    Map<String, String> env = m.env();
    assertThat(env)
        .containsEntry("AWS_REGION", "eu-west-2")
        .containsEntry("AWS_ENDPOINT_URL_FINSPACE", "http://finspace-emulator.test:4566")
        .containsEntry("FINSPACE_ALLOW_HTTP_ENDPOINT", "true")
        .containsEntry("WATCH_NAMESPACES", "team-a,team-b")
        .containsEntry("JAVA_TOOL_OPTIONS", "-Xmx200m")
        .containsEntry("AWS_STS_REGIONAL_ENDPOINTS", "regional");

    OperatorConfig c = ConfigLoader.load(podEnv(m));
    assertThat(c.region()).hasValue("eu-west-2");
    assertThat(c.finspaceEndpoint())
        .hasValueSatisfying(u -> assertThat(u.getPort()).isEqualTo(4566));
    assertThat(c.watchNamespaces()).containsExactlyInAnyOrder("team-a", "team-b");
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(7));
    assertThat(c.maxPollInterval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.maxInFlightPerDatabase()).isEqualTo(2);
    assertThat(c.finspaceRateLimit()).isEqualTo(2.5);
    assertThat(c.finspaceMaxAttempts()).isEqualTo(5);
    assertThat(c.reconcileThreads()).isEqualTo(4);
    assertThat(c.retryInitialInterval()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.retryMaxInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.accessDeniedStallAfter()).isEqualTo(Duration.ofMinutes(15));
    assertThat(c.adoptAfter()).isEqualTo(Duration.ofSeconds(450));
    assertThat(c.queueYieldAfter()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.refuseRepeatedHistory()).isFalse();
    assertThat(c.metricsPort()).isEqualTo(9090);
    assertThat(c.healthPort()).isEqualTo(9091);
    assertThat(c.logFormat()).isEqualTo(OperatorConfig.LogFormat.TEXT);
    assertThat(c.logLevel()).isEqualTo("DEBUG");
    assertThat(c.leaderElection()).isTrue();
    assertThat(c.leaderElectionNamespace()).isEqualTo("team-a");
    assertThat(c.leaderElectionLeaseName()).isEqualTo("kx-lease");

    // The ports follow: container ports, and the Service.
    assertThat(m.deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
        .extracting(p -> p.getContainerPort())
        .containsExactly(9090, 9091);
    assertThat(m.all(Service.class).get(0).getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(9090));
    // The Lease RBAC goes where the Lease is.
    assertThat(m.ids()).contains("Role team-a/kxchangeset-operator-leader-election");
  }

  @Test
  void nonDefaultRenderUsesRolesLeaderElectionServiceMonitorAndIrsa() throws IOException {
    Manifests m = template("-f", valuesFile(NON_DEFAULT_VALUES));
    assertThat(m.ids())
        .containsExactlyInAnyOrder(
            "ServiceAccount kxchangeset-system/kxchangeset-operator",
            "Role team-a/kxchangeset-operator",
            "RoleBinding team-a/kxchangeset-operator",
            "Role team-b/kxchangeset-operator",
            "RoleBinding team-b/kxchangeset-operator",
            "Role kxchangeset-system/kxchangeset-operator-leader-election",
            "RoleBinding kxchangeset-system/kxchangeset-operator-leader-election",
            "ClusterRole kxchangeset-operator-edit",
            "ClusterRole kxchangeset-operator-view",
            "ClusterRole kxchangeset-operator-access-admin",
            "ValidatingAdmissionPolicy kxchangeset-operator-access",
            "ValidatingAdmissionPolicyBinding kxchangeset-operator-access",
            "Service kxchangeset-system/kxchangeset-operator-metrics",
            "ServiceMonitor kxchangeset-system/kxchangeset-operator",
            "PodDisruptionBudget kxchangeset-system/kxchangeset-operator",
            "Deployment kxchangeset-system/kxchangeset-operator");
    assertThat(m.env())
        .containsEntry("WATCH_NAMESPACES", "team-a,team-b")
        .containsEntry("LEADER_ELECTION", "true")
        .containsEntry("AWS_REGION", "eu-west-1");
    assertThat(m.deployment().getSpec().getReplicas()).isEqualTo(2);
    assertThat(m.deployment().getSpec().getStrategy())
        .as("with leader election the default RollingUpdate is safe")
        .isNull();
    assertThat(m.get(ServiceAccount.class, RELEASE).getMetadata().getAnnotations())
        .containsEntry(
            "eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/kxchangeset-operator");
    HasMetadata sm =
        m.all().stream().filter(o -> o.getKind().equals("ServiceMonitor")).findFirst().get();
    assertThat(sm.getMetadata().getLabels()).containsEntry("release", "prometheus");
  }

  @ParameterizedTest(name = "replicas {0}, leaderElection.enabled {1}: LEADER_ELECTION={2}")
  @CsvSource({
    "1, auto,  false",
    "2, auto,  true",
    "1, true,  true",
    "3, false, false",
    "0, auto,  false"
  })
  void leaderElectionAndItsLeaseRbacFollowTheValue(int replicas, String enabled, String expected) {
    Manifests m =
        template("--set", "replicaCount=" + replicas, "--set", "leaderElection.enabled=" + enabled);
    assertThat(m.env()).containsEntry("LEADER_ELECTION", expected);
    assertThat(m.ids().contains("Role kxchangeset-system/kxchangeset-operator-leader-election"))
        .as("Lease RBAC only with leader election")
        .isEqualTo(Boolean.parseBoolean(expected));
  }

  @ParameterizedTest(name = "replicas {0}: PodDisruptionBudget {1}")
  @CsvSource({"1, false", "2, true", "3, true"})
  void aPodDisruptionBudgetKeepsAStandbyWhenThereIsOne(int replicas, boolean expected) {
    Manifests m = template("--set", "replicaCount=" + replicas);
    String id = "PodDisruptionBudget kxchangeset-system/kxchangeset-operator";
    assertThat(m.ids().contains(id)).isEqualTo(expected);
    if (expected) {
      PodDisruptionBudget pdb = m.get(PodDisruptionBudget.class, RELEASE);
      assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
      assertThat(pdb.getSpec().getSelector().getMatchLabels())
          .isEqualTo(m.deployment().getSpec().getSelector().getMatchLabels());
    }
  }

  @Test
  void theNetworkPolicyIsOffByDefaultAndAdmitsOnlyProbesAndTheScraper() throws IOException {
    Manifests defaults = template();
    assertThat(defaults.ids()).noneMatch(id -> id.startsWith("NetworkPolicy "));
    assertThat(defaults.get(Service.class, RELEASE + "-metrics").getSpec().getType())
        .isEqualTo("ClusterIP");

    Manifests m =
        template(
            "-f",
            valuesFile(
                """
                networkPolicy:
                  enabled: true
                  metricsFrom:
                  - namespaceSelector:
                      matchLabels: {kubernetes.io/metadata.name: monitoring}
                    podSelector:
                      matchLabels: {app.kubernetes.io/name: prometheus}
                """));
    NetworkPolicy np = m.get(NetworkPolicy.class, RELEASE);
    assertThat(np.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(m.deployment().getSpec().getSelector().getMatchLabels());
    assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress");
    // Nothing is admitted from everywhere: every rule names its sources and its one port.
    assertThat(np.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getPorts())
                  .extracting(p -> p.getPort().getStrVal())
                  .containsExactly("metrics");
              assertThat(rule.getFrom()).hasSize(1);
              assertThat(rule.getFrom().get(0).getNamespaceSelector().getMatchLabels())
                  .containsEntry("kubernetes.io/metadata.name", "monitoring");
            });

    Manifests withProbeSources =
        template(
            "--set",
            "networkPolicy.enabled=true",
            "--set",
            "networkPolicy.healthFrom[0].ipBlock.cidr=10.0.0.0/16");
    assertThat(withProbeSources.get(NetworkPolicy.class, RELEASE).getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getPorts())
                  .extracting(p -> p.getPort().getStrVal())
                  .containsExactly("health");
              assertThat(rule.getFrom().get(0).getIpBlock().getCidr()).isEqualTo("10.0.0.0/16");
            });
  }

  @Test
  void noRenderedRbacRuleUsesAWildcard() throws IOException {
    template().assertNoWildcards();
    template("-f", valuesFile(NON_DEFAULT_VALUES)).assertNoWildcards();
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("replicaCount=-1", "/replicaCount"),
        Arguments.of("replicaCount=two", "/replicaCount"),
        Arguments.of("config.logFormat=xml", "/config/logFormat"),
        Arguments.of("config.logLevel=verbose", "/config/logLevel"),
        Arguments.of("config.pollInterval=5sec", "/config/pollInterval"),
        Arguments.of("config.retryMaxInterval=-5m", "/config/retryMaxInterval"),
        Arguments.of("config.reconcileThreads=0", "/config/reconcileThreads"),
        Arguments.of("config.finspaceRateLimit=0", "/config/finspaceRateLimit"),
        Arguments.of("config.metricsPort=70000", "/config/metricsPort"),
        Arguments.of("config.watchNamespaces={Team_A}", "/config/watchNamespaces/0"),
        Arguments.of("config.awsRegion=Frankfurt", "/config/awsRegion"),
        Arguments.of("leaderElection.enabled=maybe", "/leaderElection/enabled"),
        Arguments.of("image.pullPolicy=Sometimes", "/image/pullPolicy"),
        Arguments.of("crds.install=yes please", "/crds/install"),
        Arguments.of("confg.pollInterval=5s", "'confg' not allowed"),
        Arguments.of("config.healthPort=8080", "config.metricsPort and config.healthPort"));
  }

  @ParameterizedTest(name = "--set {0}")
  @MethodSource("badValues")
  void badValuesAreRejectedNamingTheValue(String set, String named) {
    Cli.Result r = cli.helm("template", RELEASE, CHART, "-n", NS, "--set", set);
    assertThat(r.exitCode()).as("helm template --set %s", set).isNotZero();
    assertThat(r.stderr()).contains(named);
  }

  // ------------------------------------------------------------------ installed: objects

  @Test
  void installCreatedExactlyTheRenderedObjects() {
    Set<String> rendered = template(INSTALLED_VALUES.toArray()).ids();
    assertThat(serverObjects(RELEASE)).isEqualTo(rendered);
    assertThat(rendered)
        .contains(
            "CustomResourceDefinition " + CRD,
            "Role kxchangeset-system/kxchangeset-operator-leader-election",
            "PodDisruptionBudget kxchangeset-system/kxchangeset-operator");
    assertThat(cli.helm("status", RELEASE, "-n", NS).ok().stdout()).contains("STATUS: deployed");
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get())
        .satisfies(
            c ->
                assertThat(c.getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/managed-by", "Helm"));
  }

  // ---------------------------------------------------------------------- installed: RBAC

  @Override
  ApiServer api() {
    return api;
  }

  @Test
  void operatorWritesStatusButCannotTouchTheResourceItself() throws IOException {
    KxChangeset cs = createSample("kdb", "operator-writes-status");
    KxChangeset body = new KxChangeset();
    body.setMetadata(cs.getMetadata());
    body.setSpec(cs.getSpec());
    KxChangesetStatus status = new KxChangesetStatus();
    status.setChangesetId("Msm0c8y8XB1k8zYZFNhRug");
    status.setStatus("PENDING");
    body.setStatus(status);
    try (KubernetesClient sa = asOperator()) {
      // As the operator's StatusWriter does: a replace of the status subresource.
      KxChangeset applied = sa.resource(body).updateStatus();
      assertThat(applied.getStatus().getChangesetId()).isEqualTo("Msm0c8y8XB1k8zYZFNhRug");

      assertForbidden(
          () ->
              sa.resources(KxChangeset.class)
                  .inNamespace("kdb")
                  .withName(cs.getMetadata().getName())
                  .edit(
                      r -> {
                        r.getMetadata().getFinalizers().add("finspace.kxops.io/never");
                        return r;
                      }));
    }
  }

  @Test
  void namespacedReleaseGetsRolesOnlyInTheWatchedNamespaces() {
    String release = "scoped";
    String ns = "scoped-system";
    helmInstall(
        release,
        ns,
        List.of(
            "--set", "config.watchNamespaces={team-a}",
            "--set", "crds.install=false",
            "--set", "rbac.aggregateToDefaultRoles=false"));
    assertThat(serverObjects(release))
        .containsExactlyInAnyOrder(
            "ServiceAccount scoped-system/scoped-kxchangeset-operator",
            "Role team-a/scoped-kxchangeset-operator",
            "RoleBinding team-a/scoped-kxchangeset-operator",
            "ClusterRole scoped-kxchangeset-operator-access-admin",
            "ValidatingAdmissionPolicy scoped-kxchangeset-operator-access",
            "ValidatingAdmissionPolicyBinding scoped-kxchangeset-operator-access",
            "Service scoped-system/scoped-kxchangeset-operator-metrics",
            "Deployment scoped-system/scoped-kxchangeset-operator");

    try (KubernetesClient sa = Access.asServiceAccount(api, ns, "scoped-kxchangeset-operator")) {
      for (Access a : Access.operatorNeeds("team-a", "team-a")) {
        assertThat(a.allowedFor(sa)).as("may %s", a).isTrue();
      }
      List<Access> elsewhere = new ArrayList<>(Access.operatorNeeds("team-b", "team-b"));
      elsewhere.add(Access.of("list", Access.FINSPACE, "kxchangesets", ""));
      elsewhere.addAll(Access.leaseNeeds(ns, LEASE)); // one replica: no leader election
      for (Access a : elsewhere) {
        assertThat(a.allowedFor(sa)).as("may %s", a).isFalse();
      }
    }
  }

  @Test
  void editAndViewRolesAggregateIntoTheBuiltInRoles() {
    // No controller-manager runs here to aggregate, so check the wiring: each built-in role's
    // aggregation selectors select our role.
    Map<String, String> expected =
        Map.of(
            "admin", "kxchangeset-operator-edit",
            "edit", "kxchangeset-operator-edit",
            "view", "kxchangeset-operator-view");
    expected.forEach(
        (builtin, ours) -> {
          ClusterRole role = admin.rbac().clusterRoles().withName(builtin).get();
          assertThat(role).as("built-in ClusterRole %s", builtin).isNotNull();
          Set<String> selected = new TreeSet<>();
          for (var selector : role.getAggregationRule().getClusterRoleSelectors()) {
            admin.rbac().clusterRoles().withLabelSelector(selector).list().getItems().stream()
                .map(r -> r.getMetadata().getName())
                .forEach(selected::add);
          }
          assertThat(selected).as("roles aggregated into %s", builtin).contains(ours);
        });
    assertThat(
            admin
                .rbac()
                .clusterRoles()
                .withName("kxchangeset-operator-view")
                .get()
                .getMetadata()
                .getLabels())
        .doesNotContainKeys(
            "rbac.authorization.k8s.io/aggregate-to-edit",
            "rbac.authorization.k8s.io/aggregate-to-admin");
  }

  @Test
  void editorManagesKxChangesetsButCannotWriteTheirStatus() throws IOException {
    bind("alice", "kdb", "kxchangeset-operator-edit");
    try (KubernetesClient alice = api.impersonating("alice", "system:authenticated")) {
      KxChangeset mine = load("trades-partition-put.yaml", "kdb", "alice-creates");
      KxChangeset created = alice.resource(mine).create();
      assertThat(created.getMetadata().getUid()).isNotBlank();

      created.setStatus(new KxChangesetStatus());
      created.getStatus().setStatus("COMPLETED");
      assertForbidden(() -> alice.resource(created).updateStatus());
      assertForbidden(
          () ->
              alice
                  .resource(created)
                  .subresource("status")
                  .patch(
                      new PatchContext.Builder()
                          .withPatchType(PatchType.SERVER_SIDE_APPLY)
                          .withFieldManager("alice")
                          .withForce(true)
                          .build()));
      assertThat(Access.of("delete", Access.FINSPACE, "kxchangesets", "kdb").allowedFor(alice))
          .isTrue();
      assertThat(Access.of("create", Access.FINSPACE, "kxchangesets", "team-b").allowedFor(alice))
          .as("the RoleBinding is in kdb only")
          .isFalse();
    }
  }

  @Test
  void viewerOnlyReads() throws IOException {
    bind("bob", "kdb", "kxchangeset-operator-view");
    try (KubernetesClient bob = api.impersonating("bob", "system:authenticated")) {
      assertThat(bob.resources(KxChangeset.class).inNamespace("kdb").list().getItems()).isNotNull();
      assertThat(Access.of("get", Access.FINSPACE, "kxchangesets", "kdb").status().allowedFor(bob))
          .isTrue();
      KxChangeset mine = load("trades-partition-put.yaml", "kdb", "bob-creates");
      assertForbidden(() -> bob.resource(mine).create());
    }
  }

  // ------------------------------------------------------------------- installed: pods

  static Stream<Arguments> weakenedPods() {
    return Stream.of(
        weakened("runAsNonRoot false", s -> container(s).setRunAsNonRoot(false)),
        weakened("runAsUser 0", s -> s.getSecurityContext().setRunAsUser(0L)),
        weakened(
            "allowPrivilegeEscalation true", s -> container(s).setAllowPrivilegeEscalation(true)),
        weakened(
            "capabilities not dropped", s -> container(s).getCapabilities().setDrop(List.of())),
        weakened(
            "seccompProfile Unconfined",
            s -> s.getSecurityContext().getSeccompProfile().setType("Unconfined")),
        weakened("hostNetwork", s -> s.setHostNetwork(true)));
  }

  static Arguments weakened(String name, Consumer<PodSpec> change) {
    return Arguments.of(Named.of(name, change));
  }

  static SecurityContext container(PodSpec s) {
    return s.getContainers().get(0).getSecurityContext();
  }

  @Test
  void podPassesTheRestrictedPodSecurityStandard() {
    createNamespace("restricted", Map.of("pod-security.kubernetes.io/enforce", "restricted"));
    Pod pod = template().pod("restricted");
    Pod created = admin.resource(pod).dryRun().create();
    assertThat(created.getMetadata().getNamespace()).isEqualTo("restricted");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("weakenedPods")
  void weakenedPodIsRejectedByPodSecurity(Consumer<PodSpec> change) {
    createNamespace("restricted-weak", Map.of("pod-security.kubernetes.io/enforce", "restricted"));
    Pod pod = template().pod("restricted-weak");
    change.accept(pod.getSpec());
    assertThatThrownBy(() -> admin.resource(pod).dryRun().create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("violates PodSecurity");
  }

  // ------------------------------------------------------------ helm test and monitoring

  @Test
  void helmTestPodPassesRestrictedAndIsNoReplicaOfTheOperator() throws Exception {
    createNamespace("restricted-test", Map.of("pod-security.kubernetes.io/enforce", "restricted"));
    Manifests m =
        Manifests.parse(
            cli.helm(
                    "template",
                    RELEASE,
                    CHART,
                    "-n",
                    NS,
                    "--show-only",
                    "templates/tests/test-operator.yaml")
                .ok()
                .stdout());
    Pod test = m.all(Pod.class).get(0);
    assertThat(test.getMetadata().getAnnotations()).containsEntry("helm.sh/hook", "test");
    // A pod with the Deployment's selector labels would be adopted by its ReplicaSet.
    Map<String, String> selector = template().deployment().getSpec().getSelector().getMatchLabels();
    assertThat(test.getMetadata().getLabels().entrySet())
        .doesNotContainAnyElementsOf(selector.entrySet());
    var c = test.getSpec().getContainers().get(0);
    assertThat(c.getCommand()).containsExactly("/opt/java/bin/java");
    String main = c.getArgs().get(c.getArgs().size() - 3);
    assertThat(Class.forName(main))
        .as("the class helm test runs is in the operator's jar")
        .isNotNull();
    // The Service's address from the service-link variables the kubelet sets (no DNS needed).
    assertThat(c.getArgs().subList(c.getArgs().size() - 2, c.getArgs().size()))
        .containsExactly("$(KXCHANGESET_OPERATOR_METRICS_SERVICE_HOST)", "8080");
    assertThat(test.getSpec().getEnableServiceLinks()).isTrue();
    test.getMetadata().setNamespace("restricted-test");
    assertThat(admin.resource(test).dryRun().create().getMetadata().getNamespace())
        .isEqualTo("restricted-test");
  }

  @Test
  void monitoringIsOffByDefaultAndShipsTheCheckedFilesAsTheyAre() throws IOException {
    assertThat(template().ids()).noneMatch(id -> id.startsWith("PrometheusRule"));
    assertThat(template().ids()).noneMatch(id -> id.startsWith("ConfigMap"));
    Manifests m =
        template(
            "--set",
            "metrics.prometheusRule.enabled=true",
            "--set",
            "metrics.prometheusRule.labels.release=prometheus",
            "--set",
            "metrics.grafanaDashboard.enabled=true",
            "--set",
            "metrics.grafanaDashboard.namespace=monitoring");
    assertThat(m.ids())
        .contains(
            "PrometheusRule kxchangeset-system/kxchangeset-operator",
            "ConfigMap monitoring/kxchangeset-operator-dashboard");
    var rule =
        m.all().stream()
            .filter(o -> o.getKind().equals("PrometheusRule"))
            .findFirst()
            .orElseThrow();
    assertThat(rule.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Object spec =
        ((io.fabric8.kubernetes.api.model.GenericKubernetesResource) rule)
            .getAdditionalProperties()
            .get("spec");
    assertThat(spec)
        .isEqualTo(
            Serialization.unmarshal(
                Files.readString(io.kxops.operator.testing.MonitoringFiles.RULES), Map.class));
    var cm =
        m.get(io.fabric8.kubernetes.api.model.ConfigMap.class, "kxchangeset-operator-dashboard");
    assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    assertThat(json.readTree(cm.getData().get("kxchangeset-operator.json")))
        .isEqualTo(
            json.readTree(Files.readString(io.kxops.operator.testing.MonitoringFiles.DASHBOARD)));
  }

  // ------------------------------------------------------------- upgrade, then uninstall

  @Test
  @Order(Integer.MAX_VALUE - 1)
  void upgradeChangesTheCrd() throws IOException {
    Path chart = work.resolve("chart-with-changed-crd");
    copyRecursively(CHART, chart);
    // The copy holds the CRD itself where the chart links to crds/.
    Path crd = chart.resolve("files/kxchangesets.finspace.kxops.io-v1.yml");
    assertThat(Files.isSymbolicLink(crd)).isFalse();
    String before = Files.readString(crd);
    String after =
        before.replace(
            "description: \"FinSpace changeset status\"",
            "description: \"FinSpace changeset status (upgraded)\"");
    assertThat(after).isNotEqualTo(before);
    Files.writeString(crd, after);

    List<String> args = new ArrayList<>(List.of("upgrade", RELEASE, chart.toString()));
    args.addAll(List.of("-n", NS, "--wait=false"));
    args.addAll(INSTALLED_VALUES);
    cli.helm(args.toArray()).ok();

    CustomResourceDefinition onServer =
        admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get();
    assertThat(onServer.getSpec().getVersions().get(0).getAdditionalPrinterColumns())
        .filteredOn(c -> c.getName().equals("Status"))
        .singleElement()
        .satisfies(
            c -> assertThat(c.getDescription()).isEqualTo("FinSpace changeset status (upgraded)"));
    assertThat(onServer.getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void uninstallKeepsTheCrdAndItsResources() throws IOException {
    createSample("kdb", "survives-uninstall");
    Cli.Result r = cli.helm("uninstall", RELEASE, "-n", NS).ok();
    assertThat(r.stdout()).contains("kept due to the resource policy");

    assertThat(serverObjects(RELEASE))
        .containsExactlyInAnyOrder(
            "CustomResourceDefinition " + CRD,
            "CustomResourceDefinition kxaccesspolicies.finspace.kxops.io");
    assertThat(
            admin
                .resources(KxChangeset.class)
                .inNamespace("kdb")
                .withName("survives-uninstall")
                .get())
        .isNotNull();
  }

  // ------------------------------------------------------------------------------ helpers

  static Manifests template(Object... args) {
    return Install.helmTemplate(cli, args);
  }

  /** The rendered pod environment as the kubelet would give it to the operator. */
  static Map<String, String> podEnv(Manifests m) {
    Map<String, String> env = new HashMap<>(m.env());
    env.put("POD_NAME", "pod-1");
    env.put("POD_NAMESPACE", NS);
    return env;
  }

  static void helmInstall(String release, String ns, List<String> values) {
    List<Object> cmd =
        new ArrayList<>(
            List.of("install", release, CHART, "-n", ns, "--create-namespace", "--wait=false"));
    cmd.addAll(values);
    cli.helm(cmd.toArray()).ok();
  }

  /** Every object of the kinds the chart creates that carries the release's instance label. */
  static Set<String> serverObjects(String release) {
    String label = "app.kubernetes.io/instance";
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(
        admin.serviceAccounts().inAnyNamespace().withLabel(label, release).list().getItems());
    found.addAll(
        admin.apps().deployments().inAnyNamespace().withLabel(label, release).list().getItems());
    found.addAll(admin.services().inAnyNamespace().withLabel(label, release).list().getItems());
    found.addAll(
        admin
            .policy()
            .v1()
            .podDisruptionBudget()
            .inAnyNamespace()
            .withLabel(label, release)
            .list()
            .getItems());
    found.addAll(
        admin
            .network()
            .v1()
            .networkPolicies()
            .inAnyNamespace()
            .withLabel(label, release)
            .list()
            .getItems());
    found.addAll(admin.rbac().roles().inAnyNamespace().withLabel(label, release).list().getItems());
    found.addAll(
        admin.rbac().roleBindings().inAnyNamespace().withLabel(label, release).list().getItems());
    found.addAll(admin.rbac().clusterRoles().withLabel(label, release).list().getItems());
    found.addAll(admin.rbac().clusterRoleBindings().withLabel(label, release).list().getItems());
    found.addAll(
        admin
            .admissionRegistration()
            .v1()
            .validatingAdmissionPolicies()
            .withLabel(label, release)
            .list()
            .getItems());
    found.addAll(
        admin
            .admissionRegistration()
            .v1()
            .validatingAdmissionPolicyBindings()
            .withLabel(label, release)
            .list()
            .getItems());
    found.addAll(
        admin
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withLabel(label, release)
            .list()
            .getItems());
    Set<String> ids = new TreeSet<>();
    found.forEach(o -> ids.add(Manifests.id(o)));
    return ids;
  }

  static void createNamespace(String name, Map<String, String> labels) {
    admin
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .serverSideApply();
  }

  static void bind(String user, String ns, String clusterRole) {
    admin
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(user + "-" + clusterRole)
                .withNamespace(ns)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", clusterRole)
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName(user)
                .endSubject()
                .build())
        .serverSideApply();
  }

  static KxChangeset load(String sample, String ns, String name) throws IOException {
    KxChangeset cs =
        Serialization.unmarshal(
            Files.readString(Path.of("config", "samples", sample)), KxChangeset.class);
    cs.getMetadata().setNamespace(ns);
    cs.getMetadata().setName(name);
    return cs;
  }

  static KxChangeset createSample(String ns, String name) throws IOException {
    return admin.resource(load("trades-partition-put.yaml", ns, name)).create();
  }

  static void assertForbidden(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
  }

  static Path valuesFile(String yaml) throws IOException {
    Path f = Files.createTempFile(work, "values-", ".yaml");
    Files.writeString(f, yaml);
    return f;
  }

  static void copyRecursively(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
