/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.StsException;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * The credentials of the roles KxAccessPolicies name: one SDK STS AssumeRole credentials provider
 * per (role, namespace), with a session name and a session tag naming the namespace, refreshed by
 * the SDK before the credentials expire. At most {@link Sessions#maxSessions()} are kept (least
 * recently used first out); one STS client, built on first use, serves them all.
 */
final class RoleCredentials implements AutoCloseable {

  /**
   * How the role sessions are kept.
   *
   * @param staleTime credentials this close to expiry are refreshed before a call goes on
   * @param prefetchTime credentials this close to expiry are refreshed by the first call that sees
   *     them (the others go on with the current ones)
   * @param maxSessions the most (role, namespace) providers kept
   */
  public record Sessions(Duration staleTime, Duration prefetchTime, int maxSessions) {

    /** The SDK's own stale and prefetch times (1 and 5 minutes); 256 sessions. */
    public static final Sessions DEFAULT =
        new Sessions(Duration.ofMinutes(1), Duration.ofMinutes(5), 256);

    public Sessions {
      if (prefetchTime.compareTo(staleTime) < 0 || maxSessions < 1) {
        throw new IllegalArgumentException(
            "prefetchTime must not be less than staleTime, and maxSessions at least 1");
      }
    }
  }

  private record Key(String roleArn, String namespace) {}

  private final Optional<String> region;
  private final Optional<URI> endpoint;
  private final Sessions sessions;
  private final Map<Key, StsAssumeRoleCredentialsProvider> providers;
  private StsClient sts;

  /**
   * @param region the STS region (the operator's); empty: the SDK's default region chain
   * @param endpoint STS's endpoint; empty: the SDK's (AWS_ENDPOINT_URL_STS, else the region's)
   */
  RoleCredentials(Optional<String> region, Optional<URI> endpoint, Sessions sessions) {
    this.region = region;
    this.endpoint = endpoint;
    this.sessions = sessions;
    // Access order: the least recently used session leaves first. An evicted provider is not
    // closed: it refreshes only on a caller's thread (no background task), so a call that still
    // holds it finishes normally, and the garbage collector takes it after.
    this.providers =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(
              Map.Entry<Key, StsAssumeRoleCredentialsProvider> eldest) {
            return size() > RoleCredentials.this.sessions.maxSessions();
          }
        };
  }

  /** The credentials provider of {@code caller}'s role session. */
  synchronized AwsCredentialsProvider provider(Caller caller) {
    return providers.computeIfAbsent(
        new Key(caller.roleArn(), caller.namespace()), k -> build(k.roleArn(), k.namespace()));
  }

  /** How many role sessions are kept now. */
  synchronized int size() {
    return providers.size();
  }

  private StsAssumeRoleCredentialsProvider build(String roleArn, String namespace) {
    var request =
        software.amazon.awssdk.services.sts.model.AssumeRoleRequest.builder()
            .roleArn(roleArn)
            .roleSessionName(Caller.sessionName(namespace));
    if (namespace != null) {
      request.tags(Tag.builder().key(Caller.NAMESPACE_TAG).value(namespace).build());
    }
    return StsAssumeRoleCredentialsProvider.builder()
        .stsClient(sts())
        .refreshRequest(request.build())
        .staleTime(sessions.staleTime())
        .prefetchTime(sessions.prefetchTime())
        .asyncCredentialUpdateEnabled(false)
        .build();
  }

  private StsClient sts() {
    if (sts == null) {
      var b =
          StsClient.builder()
              .httpClientBuilder(
                  ApacheHttpClient.builder()
                      .maxConnections(4)
                      .connectionAcquisitionTimeout(Duration.ofSeconds(5))
                      .connectionTimeout(Duration.ofSeconds(5)));
      region.map(Region::of).ifPresent(b::region);
      endpoint.ifPresent(b::endpointOverride);
      sts = b.build();
    }
    return sts;
  }

  /** STS's answer, when the SDK wrapped it while resolving a role's credentials. */
  static StsException stsCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StsException sts) {
        return sts;
      }
    }
    return null;
  }

  /** The role could not be assumed: nothing was sent to FinSpace. */
  static FinSpaceException roleNotAssumed(Operation op, Caller caller, StsException e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
    // STS throttling or outages are retried like FinSpace's: classified by the HTTP status.
    boolean transientFailure = e.statusCode() == 429 || e.statusCode() >= 500;
    return FinSpaceException.of(
        op,
        transientFailure ? "" : ErrorClassifier.ROLE_NOT_ASSUMED,
        null,
        e.statusCode(),
        op.apiName()
            + ": STS AssumeRole of "
            + caller.roleArn()
            + " (the role of the KxAccessPolicy of namespace "
            + caller.namespace()
            + ") failed: "
            + (code == null ? "" : code + ": ")
            + (message == null ? e.getMessage() : message),
        e);
  }

  @Override
  public synchronized void close() {
    providers.values().forEach(StsAssumeRoleCredentialsProvider::close);
    providers.clear();
    if (sts != null) {
      sts.close();
      sts = null;
    }
  }
}
