/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The probe and metrics endpoints answer whatever other clients do. */
class HttpEndpointsTest {

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** A client that starts a request and never finishes its headers. */
  static Socket slowClient(int port) throws Exception {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    OutputStream out = s.getOutputStream();
    out.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  static boolean closedByServer(Socket s) throws Exception {
    s.setSoTimeout(5000);
    InputStream in = s.getInputStream();
    try {
      return in.read() == -1;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  @Test
  void clientsThatNeverFinishTheirHeadersDoNotStallTheProbes() throws Exception {
    try (HttpEndpoints http =
        new HttpEndpoints(
            0, 0, () -> "metric 1\n", () -> true, () -> true, Duration.ofSeconds(1))) {
      List<Socket> slow = new ArrayList<>();
      try {
        // More slow clients than the pool has threads.
        for (int i = 0; i <= HttpEndpoints.THREADS; i++) {
          slow.add(slowClient(http.healthPort()));
          slow.add(slowClient(http.metricsPort()));
        }
        Thread.sleep(200); // they reach the server's threads
        long start = System.nanoTime();
        assertThat(get(http.healthPort(), "/healthz").statusCode()).isEqualTo(200);
        assertThat(get(http.healthPort(), "/readyz").statusCode()).isEqualTo(200);
        assertThat(get(http.metricsPort(), "/metrics").body()).isEqualTo("metric 1\n");
        // At most the request deadline (1 s) behind the slow ones, not the probe's timeout.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        // The slow ones were cut off at the request deadline.
        for (Socket s : slow) {
          assertThat(closedByServer(s)).as("the server closed the slow connection").isTrue();
        }
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }

  @Test
  void probesAnswerWhatTheOperatorSays() throws Exception {
    try (HttpEndpoints http =
        new HttpEndpoints(0, 0, () -> "", () -> true, () -> false, Duration.ofSeconds(1))) {
      assertThat(get(http.healthPort(), "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(http.healthPort(), "/readyz").statusCode()).isEqualTo(503);
    }
  }
}
