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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
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
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * {@link FinSpace} over the AWS SDK for Java v2: a bounded cache of clients, one per region, the
 * SDK's standard retry strategy, a global request rate limit shared fairly between namespaces
 * ({@link RequestRateLimiter}), a timer per call by operation and outcome, and per-request
 * credentials for the namespaces whose KxAccessPolicy names a role.
 */
public final class SdkFinSpace implements FinSpace, AutoCloseable {

  /**
   * How the SDK clients are built. {@code endpoint} overrides FinSpace's for every region; {@code
   * stsRegion} and {@code stsEndpoint} say where roles are assumed (empty: the SDK's defaults).
   */
  public record Settings(
      Optional<URI> endpoint,
      int maxAttempts,
      double requestsPerSecond,
      int maxConnections,
      Duration apiCallTimeout,
      Optional<String> stsRegion,
      Optional<URI> stsEndpoint,
      RoleSessions roleSessions,
      int maxRegions) {

    /** Without roles' settings: the SDK's STS defaults, {@link #MAX_REGIONS} regions. */
    public Settings(
        Optional<URI> endpoint,
        int maxAttempts,
        double requestsPerSecond,
        int maxConnections,
        Duration apiCallTimeout) {
      this(
          endpoint,
          maxAttempts,
          requestsPerSecond,
          maxConnections,
          apiCallTimeout,
          Optional.empty(),
          Optional.empty(),
          RoleSessions.DEFAULT,
          MAX_REGIONS);
    }
  }

  /**
   * How assumed-role credentials are kept: refreshed on a call that finds them within {@code
   * prefetchTime} of expiry, before the call when within {@code staleTime}; at most {@code
   * maxSessions} (role, namespace) sessions. Not user configuration: the SDK's defaults suit real
   * STS sessions; tests with short-lived emulator credentials shorten them.
   */
  public record RoleSessions(Duration staleTime, Duration prefetchTime, int maxSessions) {
    public static final RoleSessions DEFAULT =
        new RoleSessions(Duration.ofMinutes(1), Duration.ofMinutes(5), 256);
  }

  /**
   * The most regions with a client at once. FinSpace runs in a handful of regions; ALLOWED_REGIONS
   * narrows them further. Beyond it the least recently used client is closed (and built again if
   * needed), so a spec cannot make the operator hold a connection pool per region it names.
   */
  public static final int MAX_REGIONS = 8;

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
  private final RegionClients<FinspaceClient> clients;
  private final RoleCredentials roles;

  public SdkFinSpace(Settings settings, MeterRegistry meters) {
    this.settings = settings;
    this.limiter = new RequestRateLimiter(settings.requestsPerSecond());
    this.meters = meters;
    this.clients = new RegionClients<>(this::build, settings.maxRegions());
    RoleSessions r = settings.roleSessions();
    this.roles =
        new RoleCredentials(
            settings.stsRegion(),
            settings.stsEndpoint(),
            new RoleCredentials.Sessions(r.staleTime(), r.prefetchTime(), r.maxSessions()));
  }

  @Override
  public FinSpace as(Caller caller) {
    // A view for every resource's caller, role or not: its namespace is what the rate limiter
    // serves in turn (returning this for callers without a role lost the namespace: FairnessIT).
    return caller.namespace() == null && !caller.assumesRole()
        ? this
        : new SignedFinSpace(this, caller);
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
    return create(Caller.OPERATOR, db, requests, token, sendBy);
  }

  Changeset create(
      Caller caller,
      DatabaseRef db,
      List<io.kxops.operator.api.v1alpha1.ChangeRequest> requests,
      String token,
      Instant sendBy) {
    AwsCredentialsProvider credentials = credentials(caller);
    AtomicInteger sent = new AtomicInteger();
    try {
      return createMarked(caller, db, requests, token, sendBy, credentials, sent);
    } catch (FinSpaceException e) {
      throw switch (sent.get()) {
        case 0 -> e.notSent();
        case 1 -> e.sentOnce();
        default -> e;
      };
    }
  }

  private Changeset createMarked(
      Caller caller,
      DatabaseRef db,
      List<io.kxops.operator.api.v1alpha1.ChangeRequest> requests,
      String token,
      Instant sendBy,
      AwsCredentialsProvider credentials,
      AtomicInteger sent) {
    return call(
        Operation.CREATE,
        caller,
        db,
        client -> {
          var r =
              client.createKxChangeset(
                  b ->
                      b.environmentId(db.environmentId())
                          .databaseName(db.databaseName())
                          .changeRequests(requests.stream().map(SdkFinSpace::toSdk).toList())
                          .clientToken(token)
                          .overrideConfiguration(
                              o -> {
                                o.putExecutionAttribute(SendDeadline.SEND_BY, sendBy);
                                o.putExecutionAttribute(Transmissions.SENT, sent);
                                signAs(o, caller, credentials);
                              }));
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

  @Override
  public Changeset get(DatabaseRef db, String changesetId) {
    return get(Caller.OPERATOR, db, changesetId);
  }

  Changeset get(Caller caller, DatabaseRef db, String changesetId) {
    AwsCredentialsProvider credentials = credentials(caller);
    return call(
        Operation.GET,
        caller,
        db,
        client -> {
          var r =
              client.getKxChangeset(
                  b ->
                      b.environmentId(db.environmentId())
                          .databaseName(db.databaseName())
                          .changesetId(changesetId)
                          .overrideConfiguration(o -> signAs(o, caller, credentials)));
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

  @Override
  public List<ChangesetSummary> list(DatabaseRef db) {
    return list(Caller.OPERATOR, db);
  }

  List<ChangesetSummary> list(Caller caller, DatabaseRef db) {
    AwsCredentialsProvider credentials = credentials(caller);
    return call(
        Operation.LIST,
        caller,
        db,
        client -> {
          List<ChangesetSummary> out = new ArrayList<>();
          // Every page's request is a copy of the first, override configuration included.
          for (ListKxChangesetsResponse page :
              client.listKxChangesetsPaginator(
                  b ->
                      b.environmentId(db.environmentId())
                          .databaseName(db.databaseName())
                          .maxResults(100)
                          .overrideConfiguration(o -> signAs(o, caller, credentials)))) {
            for (KxChangesetListEntry e : page.kxChangesets()) {
              out.add(
                  new ChangesetSummary(e.changesetId(), e.statusAsString(), e.createdTimestamp()));
            }
          }
          return out;
        });
  }

  /** The role session's credentials of {@code caller}; null: the client's own (default chain). */
  private AwsCredentialsProvider credentials(Caller caller) {
    return caller.assumesRole() ? roles.provider(caller) : null;
  }

  /**
   * Marks a request as {@code caller}'s: its namespace, so that the rate limiter serves namespaces
   * in turn, and the credentials of its role, if it has one.
   */
  private static void signAs(
      AwsRequestOverrideConfiguration.Builder o, Caller caller, AwsCredentialsProvider p) {
    if (caller.namespace() != null) {
      o.putExecutionAttribute(RequestRateLimiter.NAMESPACE, caller.namespace());
    }
    if (p != null) {
      o.credentialsProvider(p);
    }
  }

  /** {@code body} with the client of {@code db}'s region, measured and classified. */
  private <T> T call(
      Operation op, Caller caller, DatabaseRef db, Function<FinspaceClient, T> body) {
    return call(op, caller, () -> clients.with(db.region(), body));
  }

  // Package-private for SdkFinSpaceTest: a credentials chain that fails cannot be staged otherwise.
  <T> T call(Operation op, Supplier<T> body) {
    return call(op, Caller.OPERATOR, body);
  }

  private <T> T call(Operation op, Caller caller, Supplier<T> body) {
    long start = System.nanoTime();
    // Anything other than a return or an SDK exception (a bug, a bad argument) counts as "error".
    String outcome = "error";
    try {
      T result = body.get();
      outcome = "success";
      return result;
    } catch (StsException e) {
      outcome = ErrorClassifier.ROLE_NOT_ASSUMED;
      throw RoleCredentials.roleNotAssumed(op, caller, e);
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
      StsException sts = RoleCredentials.stsCause(e);
      if (sts != null) {
        outcome = ErrorClassifier.ROLE_NOT_ASSUMED;
        throw RoleCredentials.roleNotAssumed(op, caller, sts);
      }
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
    clients.with(region, c -> c);
  }

  /** The regions with a client now, least recently used first (at most {@code maxRegions}). */
  List<String> cachedRegions() {
    return clients.regions();
  }

  /** How many role sessions are kept now. */
  int roleSessions() {
    return roles.size();
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
                        .addExecutionInterceptor(sendDeadline)
                        // Last: only an attempt every other interceptor let through is marked.
                        .addExecutionInterceptor(new Transmissions()));
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
    try {
      clients.close();
    } finally {
      roles.close();
    }
  }
}
