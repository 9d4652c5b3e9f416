/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The chart's {@code helm test}: fetches the operator's /metrics through its Service and checks
 * that the operator's own metrics are there. It runs in the operator's image, which has java and
 * nothing else (no shell, no curl).
 */
public final class MetricsCheck {

  /** Metrics every running operator exports, whether it leads or stands by. */
  static final String[] EXPECTED = {"kxchangeset_leader ", "kxchangeset_changesets{"};

  private MetricsCheck() {}

  /**
   * {@code MetricsCheck URL} or {@code MetricsCheck HOST PORT} (the chart's: the Service's address
   * from the variables the kubelet sets, so the check needs no cluster DNS, as a Prometheus scrape
   * needs none).
   */
  public static void main(String[] args) throws InterruptedException {
    URI url;
    try {
      url = args.length == 1 ? URI.create(args[0]) : url(args[0], args[1]);
    } catch (IllegalArgumentException e) {
      System.err.println("FAILED: " + e.getMessage());
      System.exit(2);
      return;
    }
    String problem = check(url, Duration.ofSeconds(10));
    if (problem != null) {
      System.err.println("FAILED: " + problem);
      System.exit(1);
    }
    System.out.println("ok: " + url + " serves the operator's metrics");
  }

  /** http://HOST:PORT/metrics; an IPv6 host gets its brackets. */
  static URI url(String host, String port) {
    if (host.isBlank() || host.startsWith("$(")) {
      throw new IllegalArgumentException(
          "no address for the metrics Service ('"
              + host
              + "'): the kubelet sets <SERVICE>_SERVICE_HOST only for Services that existed when"
              + " the pod started");
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port '" + port + "' is not a number");
    }
    try {
      return new URI("http", null, host, p, "/metrics", null, null);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("host '" + host + "': " + e.getMessage());
    }
  }

  /** Null when {@code url} serves the operator's metrics, else what is wrong. */
  static String check(URI url, Duration timeout) throws InterruptedException {
    HttpResponse<String> r;
    try {
      r =
          HttpClient.newBuilder()
              .connectTimeout(timeout)
              .build()
              .send(
                  HttpRequest.newBuilder(url).timeout(timeout).build(),
                  HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      return "cannot reach " + url + ": " + e;
    }
    if (r.statusCode() != 200) {
      return url + " answered HTTP " + r.statusCode();
    }
    for (String m : EXPECTED) {
      if (!r.body().contains(m)) {
        return url + " serves no " + m.strip() + " metric: is it the KxChangeset operator?";
      }
    }
    return null;
  }
}
