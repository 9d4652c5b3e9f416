/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import io.kxops.operator.api.v1alpha1.ChangeType;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.finspace.FinspaceClient;
import software.amazon.awssdk.services.finspace.model.ConflictException;
import software.amazon.awssdk.services.finspace.model.ErrorInfo;
import software.amazon.awssdk.services.finspace.model.KxChangesetListEntry;
import software.amazon.awssdk.services.finspace.model.ListKxChangesetsResponse;

/**
 * {@link FinSpace} over the AWS SDK for Java v2: one cached client per region, the SDK's standard
 * retry strategy, a global request rate limit shared fairly between namespaces ({@link
 * RequestRateLimiter}), and a timer per call by operation and outcome.
 */
public final class SdkFinSpace implements FinSpace, AutoCloseable {

  /** How the SDK clients are built. {@code endpoint} overrides FinSpace's for every region. */
  public record Settings(
      Optional<URI> endpoint,
      int maxAttempts,
      double requestsPerSecond,
      int maxConnections,
      Duration apiCallTimeout) {}

  static final String CALLS_METER = "kxchangeset.finspace.calls";

  private final Settings settings;
  private final RequestRateLimiter limiter;

  /**
   * Longest wait for a pooled connection; bounds the time between the deadline check and sending.
   */
  static final Duration CONNECTION_ACQUISITION_TIMEOUT = Duration.ofSeconds(2);

  /** Longest wait to open a connection; the same bound. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private final SendDeadline sendDeadline =
      new SendDeadline(Clock.systemUTC(), CONNECTION_ACQUISITION_TIMEOUT.plus(CONNECT_TIMEOUT));
  private final MeterRegistry meters;
  private final Map<String, FinspaceClient> clients = new ConcurrentHashMap<>();

  public SdkFinSpace(Settings settings, MeterRegistry meters) {
    this.settings = settings;
    this.limiter = new RequestRateLimiter(settings.requestsPerSecond());
    this.meters = meters;
  }

  /** The region the AWS SDK's default chain resolves (AWS_REGION, profile, instance metadata). */
  public static Optional<String> defaultRegion() {
    try {
      return Optional.of(DefaultAwsRegionProviderChain.builder().build().getRegion().id());
    } catch (SdkException e) {
      return Optional.empty();
    }
  }

  @Override
  public Changeset create(
      DatabaseRef db,
      List<io.kxops.operator.api.v1alpha1.ChangeRequest> requests,
      String token,
      Instant sendBy) {
    return create(null, db, requests, token, sendBy);
  }

  @Override
  public Changeset get(DatabaseRef db, String changesetId) {
    return get(null, db, changesetId);
  }

  @Override
  public List<ChangesetSummary> list(DatabaseRef db) {
    return list(null, db);
  }

  /** The calls of one namespace's resources: the rate limiter serves namespaces in turn. */
  @Override
  public FinSpace forNamespace(String namespace) {
    return new FinSpace() {
      @Override
      public Changeset create(
          DatabaseRef db,
          List<io.kxops.operator.api.v1alpha1.ChangeRequest> requests,
          String token,
          Instant sendBy) {
        return SdkFinSpace.this.create(namespace, db, requests, token, sendBy);
      }

      @Override
      public Changeset get(DatabaseRef db, String changesetId) {
        return SdkFinSpace.this.get(namespace, db, changesetId);
      }

      @Override
      public List<ChangesetSummary> list(DatabaseRef db) {
        return SdkFinSpace.this.list(namespace, db);
      }

      @Override
      public FinSpace forNamespace(String other) {
        return SdkFinSpace.this.forNamespace(other);
      }
    };
  }

  private Changeset create(
      String namespace,
      DatabaseRef db,
      List<io.kxops.operator.api.v1alpha1.ChangeRequest> requests,
      String token,
      Instant sendBy) {
    return call(
        Operation.CREATE,
        () -> {
          var r =
              client(db)
                  .createKxChangeset(
                      b ->
                          b.environmentId(db.environmentId())
                              .databaseName(db.databaseName())
                              .changeRequests(requests.stream().map(SdkFinSpace::toSdk).toList())
                              .clientToken(token)
                              .overrideConfiguration(
                                  o ->
                                      o.putExecutionAttribute(SendDeadline.SEND_BY, sendBy)
                                          .putExecutionAttribute(
                                              RequestRateLimiter.NAMESPACE, namespace)));
          // The Create response has no activeFromTimestamp (the model omits it).
          return changeset(
              r.changesetId(),
              r.statusAsString(),
              r.errorInfo(),
              r.changeRequests(),
              r.createdTimestamp(),
              r.lastModifiedTimestamp(),
              null);
        });
  }

  private Changeset get(String namespace, DatabaseRef db, String changesetId) {
    return call(
        Operation.GET,
        () -> {
          var r =
              client(db)
                  .getKxChangeset(
                      b ->
                          b.environmentId(db.environmentId())
                              .databaseName(db.databaseName())
                              .changesetId(changesetId)
                              .overrideConfiguration(
                                  o ->
                                      o.putExecutionAttribute(
                                          RequestRateLimiter.NAMESPACE, namespace)));
          return changeset(
              r.changesetId(),
              r.statusAsString(),
              r.errorInfo(),
              r.changeRequests(),
              r.createdTimestamp(),
              r.lastModifiedTimestamp(),
              r.activeFromTimestamp());
        });
  }

  private List<ChangesetSummary> list(String namespace, DatabaseRef db) {
    return call(
        Operation.LIST,
        () -> {
          List<ChangesetSummary> out = new ArrayList<>();
          for (ListKxChangesetsResponse page :
              client(db)
                  .listKxChangesetsPaginator(
                      b ->
                          b.environmentId(db.environmentId())
                              .databaseName(db.databaseName())
                              .maxResults(100)
                              .overrideConfiguration(
                                  o ->
                                      o.putExecutionAttribute(
                                          RequestRateLimiter.NAMESPACE, namespace)))) {
            for (KxChangesetListEntry e : page.kxChangesets()) {
              out.add(
                  new ChangesetSummary(e.changesetId(), e.statusAsString(), e.createdTimestamp()));
            }
          }
          return out;
        });
  }

  // Package-private for SdkFinSpaceTest: a credentials chain that fails cannot be staged otherwise.
  <T> T call(Operation op, Supplier<T> body) {
    long start = System.nanoTime();
    // Anything other than a return or an SDK exception (a bug, a bad argument) counts as "error".
    String outcome = "error";
    try {
      T result = body.get();
      outcome = "success";
      return result;
    } catch (AwsServiceException e) {
      String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
      outcome = code == null ? "HTTP" + e.statusCode() : code;
      String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
      if (message == null) {
        message = e.getMessage();
      }
      String conflictReason = e instanceof ConflictException c ? c.reason() : null;
      if (conflictReason != null) {
        message = message + " (reason: " + conflictReason + ")";
      }
      throw FinSpaceException.of(
          op,
          code == null ? "" : code,
          conflictReason,
          e.statusCode(),
          op.apiName() + ": " + message,
          e);
    } catch (SendDeadline.Closed closed) {
      // The SDK lets an interceptor's own exception through as it is, and does not retry it.
      outcome = ErrorClassifier.SEND_WINDOW_CLOSED;
      throw FinSpaceException.of(op, outcome, 0, op.apiName() + ": " + closed.getMessage(), closed);
    } catch (SdkException e) {
      // The credentials chain fails before any HTTP call; its exception has no type of its own.
      boolean noCredentials = String.valueOf(e.getMessage()).contains("Unable to load credentials");
      String code =
          noCredentials ? ErrorClassifier.CREDENTIALS_NOT_LOADED : ErrorClassifier.NETWORK_ERROR;
      outcome = code;
      throw FinSpaceException.of(op, code, 0, op.apiName() + ": " + e.getMessage(), e);
    } finally {
      Timer.builder(CALLS_METER)
          .description("FinSpace API calls by operation and outcome")
          .tag("operation", op.apiName())
          .tag("outcome", ErrorClassifier.outcomeLabel(outcome))
          .register(meters)
          .record(Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /** Builds the client of {@code region} ahead of the first call. */
  public void prepare(String region) {
    client(region);
  }

  private FinspaceClient client(DatabaseRef db) {
    return client(db.region());
  }

  private FinspaceClient client(String region) {
    return clients.computeIfAbsent(region, this::build);
  }

  private FinspaceClient build(String region) {
    var builder =
        FinspaceClient.builder()
            .region(Region.of(region))
            .httpClientBuilder(
                ApacheHttpClient.builder()
                    .maxConnections(settings.maxConnections())
                    .connectionAcquisitionTimeout(CONNECTION_ACQUISITION_TIMEOUT)
                    .connectionTimeout(CONNECT_TIMEOUT))
            .overrideConfiguration(
                o ->
                    o.retryStrategy(
                            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(settings.maxAttempts())
                                .build())
                        .apiCallTimeout(settings.apiCallTimeout())
                        .addExecutionInterceptor(limiter)
                        .addExecutionInterceptor(sendDeadline));
    settings.endpoint().ifPresent(builder::endpointOverride);
    return builder.build();
  }

  static software.amazon.awssdk.services.finspace.model.ChangeRequest toSdk(
      io.kxops.operator.api.v1alpha1.ChangeRequest c) {
    return software.amazon.awssdk.services.finspace.model.ChangeRequest.builder()
        .changeType(c.getChangeType().name())
        .s3Path(c.getS3Path())
        .dbPath(c.getDbPath())
        .build();
  }

  static List<io.kxops.operator.api.v1alpha1.ChangeRequest> fromSdk(
      List<software.amazon.awssdk.services.finspace.model.ChangeRequest> list) {
    if (list == null) {
      return List.of();
    }
    return list.stream()
        .map(
            c ->
                new io.kxops.operator.api.v1alpha1.ChangeRequest(
                    changeType(c.changeTypeAsString()), c.s3Path(), c.dbPath()))
        .toList();
  }

  private static ChangeType changeType(String s) {
    try {
      return s == null ? null : ChangeType.valueOf(s);
    } catch (IllegalArgumentException e) {
      return null; // a type this operator does not know: never equal to a spec's
    }
  }

  private static Changeset changeset(
      String id,
      String status,
      ErrorInfo error,
      List<software.amazon.awssdk.services.finspace.model.ChangeRequest> requests,
      java.time.Instant created,
      java.time.Instant lastModified,
      java.time.Instant activeFrom) {
    return new Changeset(
        id,
        status,
        error == null ? null : error.errorTypeAsString(),
        error == null ? null : error.errorMessage(),
        fromSdk(requests),
        created,
        lastModified,
        activeFrom);
  }

  @Override
  public void close() {
    clients.values().forEach(FinspaceClient::close);
    clients.clear();
  }
}
