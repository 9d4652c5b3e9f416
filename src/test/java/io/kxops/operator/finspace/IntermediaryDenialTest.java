/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.kxops.emulator.FinSpaceEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review: provesOnlyAttemptRefused trusts any 403, also one without an AWS error code, which the
 * classifier maps to ACCESS_DENIED by its HTTP-status fallback. An intermediary (TLS-inspecting
 * egress proxy, response-side DLP/WAF) that forwarded the create and then replaced FinSpace's 200
 * with its own 403 page makes the operator withdraw an intent whose changeset exists.
 */
class IntermediaryDenialTest {

  static FinSpaceEmulator emulator;
  static HttpServer proxy;
  static final AtomicInteger forwarded = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    System.setProperty("aws.accessKeyId", "AKIDKXOPSTEST");
    System.setProperty("aws.secretAccessKey", "kxops-test-secret");
    emulator =
        FinSpaceEmulator.builder()
            .port(0)
            .database(SdkFinSpaceTest.ENV, "trades")
            .pending(Duration.ofSeconds(1))
            .processing(Duration.ofSeconds(1))
            .start();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Set<String> hop = Set.of("host", "content-length", "connection", "expect", "transfer-encoding");
    proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    proxy.createContext(
        "/",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          HttpRequest.Builder b =
              HttpRequest.newBuilder(
                      URI.create(emulator.endpoint().toString() + ex.getRequestURI().toString()))
                  .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
          ex.getRequestHeaders()
              .forEach(
                  (k, vs) -> {
                    if (!hop.contains(k.toLowerCase())) {
                      vs.forEach(v -> b.header(k, v));
                    }
                  });
          try {
            HttpResponse<byte[]> upstream =
                http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            forwarded.incrementAndGet();
            // FinSpace answered (200, the changeset made); the intermediary blocks the answer.
            byte[] page =
                ("<html><body>Blocked by policy (upstream said " + upstream.statusCode() + ")")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/html");
            ex.sendResponseHeaders(403, page.length);
            ex.getResponseBody().write(page);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.sendResponseHeaders(502, -1);
          }
          ex.close();
        });
    proxy.start();
  }

  @AfterAll
  static void stop() {
    proxy.stop(0);
    emulator.close();
  }

  @Test
  void aForeign403AfterTheCreateTookEffectIsTakenForFinSpacesRefusal() {
    URI endpoint = URI.create("http://127.0.0.1:" + proxy.getAddress().getPort());
    try (SdkFinSpace finspace =
        new SdkFinSpace(
            new SdkFinSpace.Settings(Optional.of(endpoint), 3, 100, 8, Duration.ofSeconds(10)),
            new SimpleMeterRegistry())) {
      FinSpaceException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              FinSpaceException.class,
              () ->
                  finspace.create(
                      SdkFinSpaceTest.DB,
                      SdkFinSpaceTest.REQUESTS,
                      "token-proxied",
                      SdkFinSpaceTest.LATER));
      assertThat(forwarded.get()).as("one attempt, forwarded").isEqualTo(1);
      assertThat(emulator.changesetsByClientToken())
          .as("FinSpace made the changeset")
          .containsKey("token-proxied");
      System.out.println(
          "REVIEW: code='" + e.errorCode() + "' status=" + e.httpStatus() + " " + e.failure());
      // What the operator concludes: the intent's first attempt proves nothing was made.
      assertThat(e.provesOnlyAttemptRefused())
          .as("a 403 that did not come from FinSpace proves nothing of what FinSpace did")
          .isFalse();
    }
  }
}
