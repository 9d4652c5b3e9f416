/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.emulator.RequestLog;
import io.kxops.emulator.Role;
import io.kxops.operator.OperatorApp;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxAccessPolicy;
import io.kxops.operator.api.v1alpha1.KxAccessPolicySpec;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.config.ConfigLoader;
import io.kxops.operator.finspace.SdkFinSpace;
import io.kxops.operator.status.Conditions;
import io.kxops.testkit.ApiServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KxAccessPolicy at run time, end to end: the operator in the test JVM against a real API server,
 * the FinSpace emulator's FinSpace and STS through the real AWS SDK. A tightened policy stops a
 * create before anything reaches FinSpace; a role per namespace signs that namespace's calls; a
 * role outside its databases is denied; short-lived role credentials are refreshed.
 */
class AccessPolicyIT {

  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final String TEAM_A = "team-a";
  static final String TEAM_B = "team-b";
  static final String ROLE_A = "arn:aws:iam::111122223333:role/kxops-team-a";
  static final String ROLE_B = "arn:aws:iam::111122223333:role/kxops-team-b";
  static final String PRINCIPAL_A =
      "arn:aws:sts::111122223333:assumed-role/kxops-team-a/kxops-team-a";
  static final String PRINCIPAL_B =
      "arn:aws:sts::111122223333:assumed-role/kxops-team-b/kxops-team-b";

  /** Short enough that every test sees several role sessions; the SDK refreshes 2 s ahead. */
  static final Duration LIFETIME = Duration.ofSeconds(4);

  static final SdkFinSpace.RoleSessions SESSIONS =
      new SdkFinSpace.RoleSessions(Duration.ofSeconds(1), Duration.ofSeconds(2), 16);

  static final AtomicInteger NAMES = new AtomicInteger();

  @AutoClose static ClusterFixture cluster;
  static ApiServer api;
  static KubernetesClient client;
  static FinSpaceEmulator emulator;

  OperatorApp operator;

  @BeforeAll
  static void start() {
    cluster =
        ClusterFixture.withNamespaces(TEAM_A, TEAM_B)
            .emulator(
                e ->
                    e.pending(Duration.ofMillis(300))
                        .processing(Duration.ofMillis(700))
                        // The roles' trust policies: each only for its namespace's session tag.
                        .role(
                            Role.of(ROLE_A, ENV, "a-*")
                                .requiringSessionTag("kxops-namespace", TEAM_A))
                        .role(
                            Role.of(ROLE_B, ENV, "b-*")
                                .requiringSessionTag("kxops-namespace", TEAM_B))
                        .credentialLifetime(LIFETIME))
            .start();
    api = cluster.api();
    client = cluster.client();
    emulator = cluster.emulator();
  }

  @AfterEach
  void stopOperator() {
    if (operator != null) {
      operator.close();
    }
    client.resources(KxChangeset.class).inAnyNamespace().delete();
    client.resources(KxAccessPolicy.class).inAnyNamespace().delete();
  }

  void startOperator(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(overrides);
    env.put("AWS_ENDPOINT_URL_STS", emulator.endpoint().toString());
    operator =
        OperatorApp.start(
            ConfigLoader.load(OperatorHarness.env(emulator, env)), api.newClient(), SESSIONS);
  }

  static String database(String prefix) {
    String db = prefix + NAMES.incrementAndGet();
    emulator.registerDatabase(ENV, db);
    return db;
  }

  /**
   * Fairness with roles: team A's policy names a role STS refuses, so A's create never leaves the
   * operator; its first attempt proves that nothing was sent, so A gives its create intent (and the
   * database's slot) up, and team B's changeset on the same database goes within the bound.
   */
  @Test
  void aNamespaceWhoseRoleStsRefusesHoldsAnotherNamespacesChangesetOnlyForTheBound() {
    String db = database("b-shared");
    policy(TEAM_A, "arn:aws:iam::111122223333:role/kxops-unknown", db);
    policy(TEAM_B, ROLE_B, db);
    Duration bound = Duration.ofSeconds(4);
    startOperator(Map.of("QUEUE_YIELD_AFTER", bound.toSeconds() + "s"));

    resource(TEAM_A, "a-load", db);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> is(TEAM_A, "a-load", "Ready", "False", "RoleNotAssumed"));
    resource(TEAM_B, "b-load", db);

    awaitReady(TEAM_B, "b-load", bound.plusSeconds(20));
    KxChangeset a = get(TEAM_A, "a-load");
    assertThat(a.getStatus().getCreateIntent()).as("nothing was sent with A's token").isNull();
    assertThat(a.getStatus().getChangesetId()).isNull();
    assertThat(a.getStatus().getFailure().getReason()).isEqualTo("RoleNotAssumed");
    assertThat(emulator.changesets(ENV, db)).hasSize(1);
    assertThat(emulator.requestLog())
        .filteredOn(e -> "CreateKxChangeset".equals(e.operation()))
        .filteredOn(e -> e.path() != null && e.path().contains("/databases/" + db + "/"))
        .extracting(RequestLog.Entry::roleArn)
        .as("every create that reached FinSpace was B's")
        .containsOnly(ROLE_B);
  }

  static KxAccessPolicy policy(String ns, String roleArn, String... databases) {
    KxAccessPolicy p = new KxAccessPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName("finspace-access").withNamespace(ns).build());
    KxAccessPolicySpec s = new KxAccessPolicySpec();
    s.setEnvironmentIds(List.of(ENV));
    s.setDatabaseNames(List.of(databases));
    s.setS3Prefixes(List.of("s3://kdb-staging/" + ns + "/"));
    s.setRoleArn(roleArn);
    p.setSpec(s);
    return client.resource(p).serverSideApply();
  }

  static KxChangeset resource(String ns, String name, String db) {
    KxChangeset r = new KxChangeset();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(ns);
    r.setSpec(
        new KxChangesetSpec(
            ENV,
            db,
            null,
            List.of(ChangeRequest.put("s3://kdb-staging/" + ns + "/" + name + "/", "/p/"))));
    return client.resource(r).create();
  }

  static KxChangeset get(String ns, String name) {
    return client.resources(KxChangeset.class).inNamespace(ns).withName(name).get();
  }

  static Condition condition(String ns, String name, String type) {
    KxChangeset r = get(ns, name);
    return r.getStatus() == null ? null : Conditions.find(r.getStatus().getConditions(), type);
  }

  static boolean is(String ns, String name, String type, String status, String reason) {
    Condition c = condition(ns, name, type);
    return c != null && status.equals(c.getStatus()) && reason.equals(c.getReason());
  }

  static void awaitReady(String ns, String name, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> is(ns, name, "Ready", "True", "Completed"));
  }

  static List<Event> events(String ns, String name) {
    String uid = get(ns, name).getMetadata().getUid();
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> uid.equals(e.getInvolvedObject().getUid()))
        .toList();
  }

  static List<RequestLog.Entry> finspaceCalls(String db) {
    return emulator.requestLog().stream()
        .filter(e -> e.path().contains("/databases/" + db + "/"))
        .toList();
  }

  @Test
  void aPolicyTightenedAfterAdmissionStopsTheCreateAndLooseningItLetsTheResourceComplete() {
    String db = database("a-");
    policy(TEAM_A, null, db);
    // Admitted while the policy allowed it; then the policy is tightened before the operator runs.
    resource(TEAM_A, "tightened", db);
    policy(TEAM_A, null, "a-other");
    // A slow safety requeue (60 s), so that only the policy's watch event can wake it in time.
    startOperator(Map.of("MAX_POLL_INTERVAL", "60s"));

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> is(TEAM_A, "tightened", "Stalled", "True", "Forbidden"));
    String message = condition(TEAM_A, "tightened", "Ready").getMessage();
    assertThat(message)
        .isEqualTo(
            "spec.databaseName: '"
                + db
                + "' matches none of the databaseNames [a-other] of KxAccessPolicy"
                + " team-a/finspace-access");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(events(TEAM_A, "tightened"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getReason()).isEqualTo("Forbidden");
                          assertThat(e.getMessage()).isEqualTo(message);
                        }));
    assertThat(get(TEAM_A, "tightened").getStatus().getCreateIntent()).isNull();
    assertThat(finspaceCalls(db)).as("nothing reached FinSpace for %s", db).isEmpty();

    policy(TEAM_A, null, "a-other", db);

    awaitReady(TEAM_A, "tightened", Duration.ofSeconds(20));
    assertThat(finspaceCalls(db))
        .filteredOn(e -> e.operation().equals("CreateKxChangeset"))
        .hasSize(1);
  }

  @Test
  void eachNamespacesCallsAreSignedByItsOwnRoleWithItsNamespaceAsSessionTag() {
    String dbA = database("a-");
    String dbB = database("b-");
    policy(TEAM_A, ROLE_A, dbA);
    policy(TEAM_B, ROLE_B, dbB);
    startOperator(Map.of());

    resource(TEAM_A, "load-a", dbA);
    resource(TEAM_B, "load-b", dbB);
    awaitReady(TEAM_A, "load-a", Duration.ofSeconds(30));
    awaitReady(TEAM_B, "load-b", Duration.ofSeconds(30));

    assertThat(finspaceCalls(dbA))
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.principal()).isEqualTo(PRINCIPAL_A);
              assertThat(e.roleArn()).isEqualTo(ROLE_A);
              assertThat(e.sessionTags()).containsExactly(Map.entry("kxops-namespace", TEAM_A));
              assertThat(e.httpStatus()).isEqualTo(200);
            });
    assertThat(finspaceCalls(dbB))
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.principal()).isEqualTo(PRINCIPAL_B);
              assertThat(e.roleArn()).isEqualTo(ROLE_B);
              assertThat(e.sessionTags()).containsExactly(Map.entry("kxops-namespace", TEAM_B));
            });
    // The roles were assumed with the operator's own credentials.
    assertThat(emulator.requestLog())
        .filteredOn(e -> e.operation().equals("AssumeRole"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.principal()).isEqualTo("AKIDKXOPSTEST"))
        .extracting(RequestLog.Entry::roleArn)
        .contains(ROLE_A, ROLE_B);
  }

  @Test
  void aRoleCallingOutsideItsDatabasesIsAccessDeniedAndStalls() {
    // The policy allows the database, but the role's IAM permissions (the emulator's role) do not.
    String db = database("b-");
    policy(TEAM_A, ROLE_A, db);
    startOperator(Map.of("ACCESS_DENIED_STALL_AFTER", "0s"));

    resource(TEAM_A, "outside", db);

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> is(TEAM_A, "outside", "Stalled", "True", "AccessDenied"));
    // The first call of a create is REFUSE_REPEATED_HISTORY's List of the database's history.
    assertThat(condition(TEAM_A, "outside", "Ready").getMessage())
        .contains(
            "User: " + PRINCIPAL_A + " is not authorized to perform: finspace:ListKxChangesets",
            "or the role the namespace's KxAccessPolicy names");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(events(TEAM_A, "outside"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getReason()).isEqualTo("AccessDenied");
                        }));
    assertThat(finspaceCalls(db))
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.outcome()).isEqualTo("AccessDeniedException");
              assertThat(e.roleArn()).isEqualTo(ROLE_A);
            });
    assertThat(emulator.changesets(ENV, db)).isEmpty();
  }

  @Test
  void expiringRoleCredentialsAreRefreshedWithoutAFailedCall() {
    String db = database("a-");
    policy(TEAM_A, ROLE_A, db);
    startOperator(Map.of());
    long assumedBefore = emulator.counters().getOrDefault("AssumeRole/200", 0L);

    // Loads spread over three credential lifetimes: each signed with whatever session is current.
    long end = System.nanoTime() + LIFETIME.multipliedBy(3).toNanos();
    int n = 0;
    while (System.nanoTime() < end) {
      String name = "load-" + n++;
      resource(TEAM_A, name, db);
      awaitReady(TEAM_A, name, Duration.ofSeconds(30));
    }

    assertThat(emulator.counters().getOrDefault("AssumeRole/200", 0L) - assumedBefore)
        .isGreaterThanOrEqualTo(3);
    assertThat(finspaceCalls(db))
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.httpStatus()).as("%s", e).isEqualTo(200);
              assertThat(e.roleArn()).isEqualTo(ROLE_A);
            });
    for (int i = 0; i < n; i++) {
      assertThat(events(TEAM_A, "load-" + i)).noneMatch(e -> e.getType().equals("Warning"));
      assertThat(get(TEAM_A, "load-" + i).getStatus().getFailure()).isNull();
    }
  }
}
