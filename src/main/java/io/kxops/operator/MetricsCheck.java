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

  public static void main(String[] args) throws InterruptedException {
    String problem = check(URI.create(args[0]), Duration.ofSeconds(10));
    if (problem != null) {
      System.err.println("FAILED: " + problem);
      System.exit(1);
    }
    System.out.println("ok: " + args[0] + " serves the operator's metrics");
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
