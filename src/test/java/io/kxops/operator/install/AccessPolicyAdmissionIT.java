/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.AccessPolicyCases;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxAccessPolicySpec;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.testkit.ApiServer;
import io.kxops.testkit.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart's ValidatingAdmissionPolicy on a real API server: the chart installed with helm, team
 * namespaces with a KxAccessPolicy each, users bound to the chart's edit role, and every case of
 * access-policy/cases.yaml applied with {@code kubectl --as=<user>}. Then spec edits after a policy
 * was tightened, and accessPolicy.required flipped on (last). Who may write policies, and the
 * rendering: AccessPolicyChartIT.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessPolicyAdmissionIT {

  static final AccessPolicyCases TABLE = AccessPolicyCases.load();
  static final String POLICY = Teams.POLICY;
  static final String BINDING = Install.NAME + "-access";

  static ApiServer api;
  static KubernetesClient admin;
  static Cli cli;
  static final AtomicInteger NAMES = new AtomicInteger();

  @BeforeAll
  static void install() {
    api = Install.startWithoutCrd();
    admin = api.client();
    cli = new Cli(Path.of("target", "install-it", "access-policy"), api);
    cli.helm(installArgs("install", "--create-namespace")).ok();
    TABLE.users().forEach(AccessPolicyAdmissionIT::teamNamespace);
    TABLE.policies().forEach(AccessPolicyAdmissionIT::applyPolicy);
    // The API server reads bindings and parameters through informers: wait until both act.
    awaitDenied("team-a", "alice", c -> c.getSpec().setDatabaseName("trades-b"));
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  static Object[] installArgs(String verb, String... more) {
    List<Object> args = new ArrayList<>(List.of(verb, Install.NAME, Install.CHART));
    args.addAll(List.of("-n", Install.NS, "--wait=false"));
    args.addAll(List.of("--set", "config.awsRegion=" + TABLE.settings().operatorRegion()));
    args.addAll(
        List.of(
            "--set",
            "config.allowedRegions={" + String.join(",", TABLE.settings().allowedRegions()) + "}"));
    args.addAll(List.of(more));
    return args.toArray();
  }

  // ------------------------------------------------------------------------ the case table

  static Stream<AccessPolicyCases.Case> cases() {
    return TABLE.cases().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theCaseTableHoldsForAUserBoundToTheChartsEditRole(AccessPolicyCases.Case c)
      throws IOException {
    String user = TABLE.users().get(c.namespace());
    KxChangeset cs = changeset(c.namespace(), c.spec());
    Cli.Result r = kubectlAs(user, "create", "-f", manifest(cs));
    boolean exists =
        admin
                .resources(KxChangeset.class)
                .inNamespace(c.namespace())
                .withName(cs.getMetadata().getName())
                .get()
            != null;
    if (c.allowed()) {
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(exists).isTrue();
      return;
    }
    assertThat(r.exitCode()).as(r.output()).isNotZero();
    assertThat(exists).isFalse();
    String message = r.stderr();
    assertThat(message).contains("is forbidden", "denied request: " + c.field() + ": ");
    if (c.by() == AccessPolicyCases.By.policy) {
      assertThat(message)
          .contains("ValidatingAdmissionPolicy '" + BINDING + "'")
          .contains("KxAccessPolicy " + c.namespace() + "/" + POLICY);
    } else {
      assertThat(message)
          .contains("ValidatingAdmissionPolicy '" + Install.NAME + "-regions'")
          .contains(
              "config.allowedRegions: " + String.join(", ", TABLE.settings().allowedRegions()));
    }
  }

  // ------------------------------------------------------------------ edits after admission

  @Test
  void aTightenedPolicyStopsSpecEditsButNotMetadataEdits() {
    teamNamespace("team-e", "erin");
    applyPolicy("team-e", TABLE.policies().get("team-a"));
    KxChangeset admitted =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> createAs("erin", changeset("team-e", allowedSpec())), o -> true);

    KxAccessPolicySpec tightened = Teams.copy(TABLE.policies().get("team-a"));
    tightened.setDatabaseNames(List.of("some-other-db"));
    applyPolicy("team-e", tightened);
    awaitDenied("team-e", "erin", c -> {});

    try (KubernetesClient erin = api.impersonating("erin")) {
      KxChangeset labelled = erin.resource(admitted).edit(o -> withLabel(o, "reviewed-by", "erin"));
      assertThat(labelled.getMetadata().getLabels()).containsEntry("reviewed-by", "erin");
    }
    Cli.Result edit =
        kubectlAs(
            "erin",
            "-n",
            "team-e",
            "patch",
            "kxcs",
            admitted.getMetadata().getName(),
            "--type=merge",
            "-p",
            "{\"spec\":{\"changeRequests\":[{\"changeType\":\"DELETE\",\"dbPath\":\"/\"}]}}");
    assertThat(edit.exitCode()).as(edit.output()).isNotZero();
    assertThat(edit.stderr())
        .contains("spec.databaseName: 'trades-a' is not allowed by KxAccessPolicy team-e/");
    // Deleting is never fenced: it forgets the resource, FinSpace is not called.
    kubectlAs("erin", "-n", "team-e", "delete", "kxcs", admitted.getMetadata().getName()).ok();
  }

  /**
   * A long list in a policy is cut to its first ten in the message. The cut is a filter over a
   * literal index list, not the CEL lists library's slice, which a policy may only use from
   * Kubernetes 1.35 on (README, "Kubernetes versions"); this runs on 1.30.14 too (.ci/run).
   */
  @Test
  void aLongListIsCutToItsFirstTenInTheMessage() {
    teamNamespace("team-f", "frank");
    KxAccessPolicySpec many = Teams.copy(TABLE.policies().get("team-a"));
    List<String> ids =
        java.util.stream.IntStream.range(0, 12)
            .mapToObj(i -> "envmanyids%02d".formatted(i))
            .toList();
    many.setEnvironmentIds(ids);
    applyPolicy("team-f", many);

    String message = awaitDenied("team-f", "frank", c -> {});
    assertThat(message)
        .contains(
            "spec.environmentId: 'envteamaaaaaaaaaaaaaaa' is not allowed by KxAccessPolicy team-f/")
        .contains("(environmentIds: " + String.join(", ", ids.subList(0, 10)) + ", ...)")
        .doesNotContain(ids.get(10));
  }

  // ------------------------------------------------------- accessPolicy.required (runs last)

  @Test
  @Order(Integer.MAX_VALUE)
  void requiredDeniesANamespaceWithoutAPolicyAndKeepsPoliciesWorking() {
    cli.helm(installArgs("upgrade", "--set", "accessPolicy.required=true")).ok();
    String message = awaitDenied("team-c", "carol", c -> {});
    assertThat(message)
        .contains("binding '" + BINDING + "'")
        .contains("no params found for policy binding with `Deny` parameterNotFoundAction");

    KxChangeset allowed = createAs("alice", changeset("team-a", allowedSpec()));
    assertThat(allowed.getMetadata().getUid()).isNotBlank();
  }

  // --------------------------------------------------------------------------- helpers

  /** The first allowed case of team-a's, which every helper here starts from. */
  static KxChangesetSpec allowedSpec() {
    return TABLE.cases().stream()
        .filter(c -> c.namespace().equals("team-a") && c.allowed())
        .findFirst()
        .orElseThrow()
        .spec();
  }

  static KxChangeset changeset(String ns, KxChangesetSpec spec) {
    KxChangeset cs = new KxChangeset();
    cs.setMetadata(
        new ObjectMetaBuilder()
            .withName("case-" + NAMES.incrementAndGet())
            .withNamespace(ns)
            .build());
    cs.setSpec(
        new KxChangesetSpec(
            spec.getEnvironmentId(),
            spec.getDatabaseName(),
            spec.getRegion(),
            spec.getChangeRequests().stream()
                .map(r -> new ChangeRequest(r.getChangeType(), r.getS3Path(), r.getDbPath()))
                .toList()));
    return cs;
  }

  static KxChangeset createAs(String user, KxChangeset cs) {
    try (KubernetesClient client = api.impersonating(user)) {
      return client.resource(cs).create();
    }
  }

  /**
   * Waits until {@code user}'s create of team-a's first allowed spec, changed by {@code change}, is
   * denied in {@code ns}; returns the message.
   */
  static String awaitDenied(String ns, String user, Consumer<KxChangeset> change) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              KxChangeset cs = changeset(ns, allowedSpec());
              change.accept(cs);
              Cli.Result r = kubectlAs(user, "create", "--dry-run=server", "-f", manifest(cs));
              return r.exitCode() == 0 ? null : r.stderr();
            },
            m -> m != null && m.contains("denied request"));
  }

  static Cli.Result kubectlAs(String user, Object... args) {
    List<Object> all = new ArrayList<>(List.of("--as=" + user));
    all.addAll(List.of(args));
    return cli.kubectl(all.toArray());
  }

  static Path manifest(HasMetadata o) throws IOException {
    Path f = Files.createTempFile(cli.workDir(), o.getMetadata().getName() + "-", ".yaml");
    Files.writeString(f, Serialization.asYaml(o));
    return f;
  }

  static KxChangeset withLabel(KxChangeset o, String key, String value) {
    o.getMetadata().getLabels().put(key, value);
    return o;
  }

  static void teamNamespace(String ns, String user) {
    Teams.namespace(admin, ns, user);
  }

  static void applyPolicy(String ns, KxAccessPolicySpec spec) {
    Teams.applyPolicy(admin, ns, spec);
  }
}
