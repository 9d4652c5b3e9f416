/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.OperatorApp;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.testkit.ApiServer;
import io.kxops.testkit.LocalCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Objects the API server admits but that make no sense to the operator — written under a CRD that
 * did not require spec, or through the status subresource by anyone allowed to — neither stop a
 * freshly started operator nor the changesets of everyone else.
 */
class PoisonObjectsIT {

  static final String NS = "poison";
  static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  static final ResourceDefinitionContext KXCS =
      new ResourceDefinitionContext.Builder()
          .withGroup("finspace.kxops.io")
          .withVersion("v1alpha1")
          .withKind("KxChangeset")
          .withPlural("kxchangesets")
          .withNamespaced(true)
          .build();

  @AutoClose static ClusterFixture cluster;
  static ApiServer api;
  static KubernetesClient client;
  static FinSpaceEmulator emulator;

  @BeforeAll
  static void start() {
    cluster =
        ClusterFixture.withNamespaces(NS)
            .emulator(e -> e.pending(Duration.ofMillis(300)).processing(Duration.ofMillis(500)))
            .start();
    api = cluster.api();
    client = cluster.client();
    emulator = cluster.emulator();
  }

  static GenericKubernetesResource create(String yaml) {
    GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    return client.genericKubernetesResources(KXCS).inNamespace(NS).resource(r).create();
  }

  static String manifest(String name, String db) {
    return """
        apiVersion: finspace.kxops.io/v1alpha1
        kind: KxChangeset
        metadata: {name: %s, namespace: %s}
        spec:
          environmentId: %s
          databaseName: %s
          changeRequests:
          - {changeType: PUT, s3Path: "s3://kdb-staging/x/", dbPath: /x/}
        """
        .formatted(name, NS, ENV, db);
  }

  /** Writes {@code status} through the status subresource, as a user allowed to may. */
  @SuppressWarnings("unchecked")
  static void writeStatus(GenericKubernetesResource r, String statusYaml) {
    // A YAML document (a flow mapping alone would be read as JSON).
    Map<String, Object> doc = Serialization.unmarshal("status: " + statusYaml, Map.class);
    r.setAdditionalProperty("status", doc.get("status"));
    client.genericKubernetesResources(KXCS).inNamespace(NS).resource(r).updateStatus();
  }

  static KxChangeset get(String name) {
    return client.resources(KxChangeset.class).inNamespace(NS).withName(name).get();
  }

  static Condition condition(String name, String type) {
    KxChangeset r = get(name);
    return r == null || r.getStatus() == null
        ? null
        : Conditions.find(r.getStatus().getConditions(), type);
  }

  static boolean conditionIs(String name, String type, String status, String reason) {
    Condition c = condition(name, type);
    return c != null && status.equals(c.getStatus()) && reason.equals(c.getReason());
  }

  static int probe(int port, String path) {
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(2))
              .build();
      return HttpClient.newHttpClient()
          .send(req, HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void aFreshOperatorStartsBesideOddObjectsAndStillCompletesChangesets() throws Exception {
    String db = "poisoned";
    emulator.registerDatabase(ENV, db);
    emulator.registerDatabase(ENV, "other1");
    String longName = "l".repeat(253);

    // Under a CRD that did not require spec yet (as before this release), write the odd objects.
    String crd = Files.readString(ApiServer.CRD);
    String lenient = crd.replace("        required:\n        - \"spec\"\n", "");
    assertThat(lenient).as("the CRD requires spec").isNotEqualTo(crd);
    Path lenientFile = Path.of("target", "it", "poison", "crd-without-required-spec.yml");
    Files.createDirectories(lenientFile.getParent());
    Files.writeString(lenientFile, lenient);
    LocalCluster.installCrd(client, lenientFile);

    create(
        "apiVersion: finspace.kxops.io/v1alpha1\nkind: KxChangeset\n"
            + "metadata: {name: no-spec, namespace: "
            + NS
            + "}\n");
    GenericKubernetesResource noSpecWithStatus =
        create(
            "apiVersion: finspace.kxops.io/v1alpha1\nkind: KxChangeset\n"
                + "metadata: {name: no-spec-with-status, namespace: "
                + NS
                + "}\n");
    writeStatus(noSpecWithStatus, "{changesetId: abc, status: PROCESSING}");
    writeStatus(create(manifest("empty-status", "other1")), "{}");
    writeStatus(
        create(manifest("unknown-status", "other2")),
        "{changesetId: doesnotexist0000000000, status: \"W\\u0007EIRD\\nSTATUS\","
            + " region: us-east-1, createdTimestamp: yesterday,"
            + " conditions: [{type: Ready}, {type: Odd, status: Maybe}]}");
    writeStatus(
        create(manifest("made-up-intent", "other3")),
        "{region: us-east-1, createIntent: {region: us-east-1, environmentId: "
            + ENV
            + ", databaseName: other3, requestsDigest: 'sha256:00', clientToken: someone-else,"
            + " attemptedAt: yesterday}, failure: {reason: Throttled, since: never}}");
    create(manifest(longName, db));

    // This release's CRD, then a fresh operator.
    LocalCluster.installCrd(client, ApiServer.CRD);
    try (OperatorApp operator = OperatorHarness.start(emulator, api.newClient(), Map.of())) {
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> probe(operator.healthPort(), "/readyz") == 200);

      KxChangeset normal = new KxChangeset();
      normal.getMetadata().setName("normal");
      normal.getMetadata().setNamespace(NS);
      normal.setSpec(
          new KxChangesetSpec(
              ENV, db, null, List.of(ChangeRequest.put("s3://kdb-staging/n/", "/n/"))));
      client.resource(normal).create();
      for (String name : List.of(longName, "normal")) {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> conditionIs(name, "Ready", "True", Reasons.COMPLETED));
      }
      // The long name's events were recorded under names the API server accepts.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  client.v1().events().inNamespace(NS).list().getItems().stream()
                      .anyMatch(
                          e ->
                              longName.equals(e.getInvolvedObject().getName())
                                  && "ChangesetCompleted".equals(e.getReason())));

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> conditionIs("made-up-intent", "Stalled", "True", Reasons.INVALID_STATUS));
      assertThat(condition("made-up-intent", "Stalled").getMessage()).contains("clientToken");
      assertThat(emulator.changesets(ENV, "other3")).isEmpty();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> conditionIs("empty-status", "Ready", "True", Reasons.COMPLETED));
      // Polled where it claims to live; FinSpace does not know it, so it says so and is retried.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> conditionIs("unknown-status", "Reconciling", "True", "ChangesetNotFound"));
      // Objects without spec are told why nothing happens (their status still takes writes).
      for (String name : List.of("no-spec", "no-spec-with-status")) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> conditionIs(name, "Stalled", "True", Reasons.INVALID_SPEC));
      }
      assertThat(probe(operator.healthPort(), "/healthz")).isEqualTo(200);
      assertThat(probe(operator.healthPort(), "/readyz")).isEqualTo(200);
    }
  }
}
