/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import ch.qos.logback.classic.Level;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.finspace.FinspaceClient;
import software.amazon.awssdk.services.finspace.model.ChangeRequest;
import software.amazon.awssdk.services.finspace.model.ChangeType;

/** Builds the real AWS SDK FinSpace client pointed at an emulator, as the operator would. */
final class TestClients {
  static final String ACCESS_KEY = "AKIDEXAMPLE";

  static {
    quietLogging();
  }

  /**
   * Without a logback configuration the root logger is at DEBUG, and the SDK and Apache wire logs
   * would drown the test output (and slow the calls down).
   */
  static void quietLogging() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
        .setLevel(Level.WARN);
  }

  private TestClients() {}

  /** The SDK client with its default retry strategy (3 attempts). */
  static FinspaceClient client(URI endpoint) {
    return builder(endpoint, ACCESS_KEY).build();
  }

  /** The SDK client with exactly one attempt per call, for deterministic fault tests. */
  static FinspaceClient noRetries(URI endpoint) {
    return noRetries(endpoint, ACCESS_KEY);
  }

  static FinspaceClient noRetries(URI endpoint, String accessKeyId) {
    return builder(endpoint, accessKeyId)
        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  /** The SDK's own retry conditions, but {@code attempts} attempts without backoff delays. */
  static FinspaceClient immediateRetries(URI endpoint, int attempts) {
    return builder(endpoint, ACCESS_KEY)
        .overrideConfiguration(
            c ->
                c.retryStrategy(
                    b ->
                        b.maxAttempts(attempts)
                            .backoffStrategy(BackoffStrategy.retryImmediately())
                            .throttlingBackoffStrategy(BackoffStrategy.retryImmediately())))
        .build();
  }

  static software.amazon.awssdk.services.finspace.FinspaceClientBuilder builder(
      URI endpoint, String accessKeyId) {
    return FinspaceClient.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, "secret")))
        .httpClientBuilder(
            ApacheHttpClient.builder().maxConnections(200).socketTimeout(Duration.ofSeconds(10)));
  }

  static ChangeRequest put(String s3Path, String dbPath) {
    return ChangeRequest.builder().changeType(ChangeType.PUT).s3Path(s3Path).dbPath(dbPath).build();
  }

  static ChangeRequest delete(String dbPath) {
    return ChangeRequest.builder().changeType(ChangeType.DELETE).dbPath(dbPath).build();
  }

  static List<ChangeRequest> onePut() {
    return List.of(put("s3://bucket/db/2020.01.02/", "/2020.01.02/"));
  }
}
