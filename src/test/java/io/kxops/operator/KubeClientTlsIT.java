/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientImpl;
import io.kxops.testkit.ApiServer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's client against a real API server (Go's TLS): with ChaCha20 first the API server
 * chooses a ChaCha20 suite, without it an AES-GCM one; either way the client works with the
 * kubeconfig's client certificate.
 */
class KubeClientTlsIT {

  @AutoClose static ApiServer api;

  @BeforeAll
  static void start() {
    api = ApiServer.start();
  }

  /** The suite the API server chose for the client's connection, and the client still works. */
  static String negotiated(boolean chachaFirst) throws Exception {
    Config config = Config.fromKubeconfig(api.kubeconfigYaml());
    try (KubernetesClient client = KubeClient.build(config, chachaFirst)) {
      assertThat(client.namespaces().withName("default").get()).isNotNull();
      OkHttpClient http = ((OkHttpClientImpl) client.getHttpClient()).getOkHttpClient();
      Request version = new Request.Builder().url(config.getMasterUrl() + "version").build();
      try (Response r = http.newCall(version).execute()) {
        assertThat(r.code()).isEqualTo(200);
        return r.handshake().cipherSuite().javaName();
      }
    }
  }

  @Test
  void withChachaFirstTheApiServerChoosesChacha() throws Exception {
    assertThat(negotiated(true)).contains("CHACHA20");
  }

  @Test
  void withTheJdksOrderTheApiServerChoosesAesGcm() throws Exception {
    assertThat(negotiated(false)).contains("AES").contains("GCM");
  }
}
