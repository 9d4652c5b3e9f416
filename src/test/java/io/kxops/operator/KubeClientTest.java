/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientImpl;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.testing.Resources;
import java.time.Instant;
import java.util.List;
import okhttp3.ConnectionSpec;
import org.junit.jupiter.api.Test;

/** The Kubernetes client offers ChaCha20-Poly1305 first only where the JIT lacks C2. */
class KubeClientTest {

  @Test
  void objectsAreReadWithoutManagedFieldsAndEverythingElseIntact() {
    String json =
        """
        {"apiVersion":"finspace.kxops.io/v1alpha1","kind":"KxChangeset",
         "metadata":{"name":"a","namespace":"kdb","resourceVersion":"7","labels":{"team":"x"},
           "managedFields":[{"manager":"argocd-controller","operation":"Apply",
             "apiVersion":"finspace.kxops.io/v1alpha1","fieldsType":"FieldsV1",
             "fieldsV1":{"f:spec":{"f:databaseName":{}}}}]},
         "spec":{"environmentId":"env","databaseName":"db",
           "changeRequests":[{"changeType":"DELETE","dbPath":"/x/"}]},
         "status":{"changesetId":"cs-1","status":"PENDING"}}
        """;
    KxChangeset r = KubeClient.serialization().unmarshal(json, KxChangeset.class);

    assertThat(r.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(r.getMetadata().getAdditionalProperties()).doesNotContainKey("managedFields");
    assertThat(r.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(r.getMetadata().getLabels()).containsEntry("team", "x");
    assertThat(r.getSpec().getDatabaseName()).isEqualTo("db");
    assertThat(r.getStatus().getChangesetId()).isEqualTo("cs-1");
    // fabric8's own serialization binds them: the difference is the mix-in.
    assertThat(new KubernetesSerialization().unmarshal(json, KxChangeset.class).getMetadata())
        .extracting(m -> m.getManagedFields().size())
        .isEqualTo(1);
  }

  @Test
  void managedFieldsAreNeverSent() {
    KxChangeset r = Resources.changeset("p1", Instant.parse("2026-11-28T10:00:00Z"));
    r.getMetadata()
        .setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("kubectl").build()));

    String json = KubeClient.serialization().asJson(r);

    assertThat(json).doesNotContain("managedFields").contains("\"name\":\"p1\"");
  }

  @Test
  void chachaSuitesGoFirstAndTheOthersKeepTheJdksOrder() {
    assertThat(
            KubeClient.reorder(
                new String[] {
                  "TLS_AES_256_GCM_SHA384",
                  "TLS_AES_128_GCM_SHA256",
                  "TLS_CHACHA20_POLY1305_SHA256",
                  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
                }))
        .containsExactly(
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
  }

  @Test
  void theClientOffersFabric8sSuitesChachaFirstWithItsTlsVersions() {
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:1").build();
    List<ConnectionSpec> plain = specs(new OkHttpClientFactory(), config);
    List<ConnectionSpec> chacha = specs(new KubeClient.ChachaFirst(), config);

    assertThat(chacha).hasSameSizeAs(plain);
    for (int i = 0; i < plain.size(); i++) {
      ConnectionSpec p = plain.get(i);
      ConnectionSpec c = chacha.get(i);
      assertThat(c.tlsVersions()).isEqualTo(p.tlsVersions());
      if (p.isTls()) {
        assertThat(p.cipherSuites().get(0).javaName()).doesNotContain("CHACHA20"); // AES first
        assertThat(c.cipherSuites()).containsExactlyInAnyOrderElementsOf(p.cipherSuites());
        assertThat(c.cipherSuites().get(0).javaName()).contains("CHACHA20");
      }
    }
    assertThat(plain).anyMatch(ConnectionSpec::isTls);
  }

  static List<ConnectionSpec> specs(HttpClient.Factory factory, Config config) {
    HttpClient client = factory.newBuilder(config).build();
    return ((OkHttpClientImpl) client).getOkHttpClient().connectionSpecs();
  }

  @Test
  void theTestJvmHasC2SoItKeepsTheJdksOrder() {
    // Surefire's JVM runs with the default tiered compilation: C2 is there.
    assertThat(KubeClient.c2Compiler()).isTrue();
  }

  @Test
  void aKubeconfigWithoutATokenIsLookedAtAgainAtMostOnceAMinute() {
    long[] now = {0};
    int[] loads = {0};
    String[] onDisk = {null};
    var token =
        new KubeClient.KubeconfigToken(
            () -> now[0],
            () -> {
              loads[0]++;
              return onDisk[0];
            });
    for (int i = 0; i < 10_000; i++) {
      assertThat(token.getToken()).isNull();
    }
    assertThat(loads[0]).as("the configuration was just read").isZero();

    now[0] += KubeClient.KubeconfigToken.EVERY_NANOS;
    onDisk[0] = "";
    assertThat(token.getToken()).as("an empty token is none").isNull();
    for (int i = 0; i < 10_000; i++) {
      token.getToken();
    }
    assertThat(loads[0]).isEqualTo(1);

    onDisk[0] = "a-token";
    now[0] += KubeClient.KubeconfigToken.EVERY_NANOS - 1;
    assertThat(token.getToken()).isNull();
    now[0] += 1;
    assertThat(token.getToken()).isEqualTo("a-token");
    assertThat(loads[0]).isEqualTo(2);
  }

  @Test
  void onlyAConfigurationWithNoTokenOfAnyKindGetsTheMinuteLongLook() {
    var cert =
        new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
            .withClientCertData("Y2VydA==")
            .build();
    assertThat(KubeClient.withoutToken(cert)).isTrue();
    var token =
        new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
            .withAutoOAuthToken("sa-token")
            .build();
    assertThat(KubeClient.withoutToken(token)).as("a pod's ServiceAccount token").isFalse();
    var oauth =
        new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
            .withOauthToken("t")
            .build();
    assertThat(KubeClient.withoutToken(oauth)).isFalse();
    var basic =
        new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
            .withUsername("u")
            .withPassword("p")
            .build();
    assertThat(KubeClient.withoutToken(basic)).isFalse();
  }
}
