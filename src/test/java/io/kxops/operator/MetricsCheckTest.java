/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** helm test's check: the address from service links, and what it calls a failure. */
class MetricsCheckTest {

  @Test
  void theServiceAddressBecomesAUrlIpv6InBrackets() {
    assertThat(MetricsCheck.url("10.96.0.12", "8080"))
        .hasToString("http://10.96.0.12:8080/metrics");
    assertThat(MetricsCheck.url("fd00::c", "8080")).hasToString("http://[fd00::c]:8080/metrics");
  }

  @Test
  void anUnexpandedVariableSaysTheServiceWasMissing() {
    // The kubelet leaves $(VAR) as it is when no such variable exists.
    assertThatThrownBy(
            () -> MetricsCheck.url("$(KXCHANGESET_OPERATOR_METRICS_SERVICE_HOST)", "8080"))
        .hasMessageContaining("_SERVICE_HOST only for Services that existed");
    assertThatThrownBy(() -> MetricsCheck.url("10.96.0.12", "metrics"))
        .hasMessageContaining("port 'metrics'");
  }

  @Test
  void passesOnlyOnTheOperatorsOwnMetrics() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/metrics",
        ex -> {
          byte[] body =
              (ex.getRequestURI().getQuery() == null
                      ? "kxchangeset_leader 1.0\nkxchangeset_changesets{status=\"NONE\"} 0.0\n"
                      : "jvm_memory_used_bytes 1.0\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    try {
      String host = "127.0.0.1";
      int port = server.getAddress().getPort();
      Duration t = Duration.ofSeconds(5);
      assertThat(MetricsCheck.check(MetricsCheck.url(host, "" + port), t)).isNull();
      assertThat(
              MetricsCheck.check(
                  java.net.URI.create("http://" + host + ":" + port + "/metrics?other"), t))
          .contains("serves no kxchangeset_leader metric");
      assertThat(
              MetricsCheck.check(java.net.URI.create("http://" + host + ":" + port + "/nope"), t))
          .contains("answered HTTP 404");
    } finally {
      server.stop(0);
    }
    assertThat(MetricsCheck.check(MetricsCheck.url("127.0.0.1", "1"), Duration.ofSeconds(2)))
        .startsWith("cannot reach");
  }
}
