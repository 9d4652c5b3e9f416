/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A wire-compatible stand-in for the FinSpace changeset API (CreateKxChangeset, GetKxChangeset,
 * ListKxChangesets) on loopback HTTP, with a controllable clock, faults, counters and a JSON admin
 * API under {@code /_emulator/}. Embed it in tests:
 *
 * <pre>{@code
 * try (FinSpaceEmulator emu = FinSpaceEmulator.builder().database("env1", "trades").start()) {
 *   FinspaceClient client = FinspaceClient.builder().endpointOverride(emu.endpoint())...build();
 *   ...
 *   emu.clock().advance(Duration.ofMinutes(1));
 *   assertThat(emu.changesetsByClientToken().get(token)).hasSize(1);
 * }
 * }</pre>
 *
 * <p>Longer than 400 lines: it is the emulator's one public face (builder, server, admin state);
 * the wire handling, faults and state live in the classes it wires together.
 */
public final class FinSpaceEmulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FinSpaceEmulator.class);

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle plus delayed
    // ACKs add ~40 ms to each keep-alive response on loopback. Read once, when the server class
    // loads, so it only takes effect if nothing started a JDK HttpServer earlier.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  // Copies of the start-up configuration, restored by reset().
  private final List<String> initialEnvironments;
  private final List<String[]> initialDatabases;
  private final String initialAccessKeyId;
  private final Double initialRateLimit;
  private final Long initialSeed;
  private final List<Role> initialRoles;
  private final Duration initialLifetime;
  private final Sts sts;
  private final EmulatorClock clock = new EmulatorClock();
  private final ChangesetStore store = new ChangesetStore();
  private final Lifecycle lifecycle;
  private final Faults faults;
  private final Counters counters = new Counters();
  private final RequestLog requestLog;
  private final AtomicReference<String> allowedAccessKeyId;
  private final AtomicReference<Consumer<ChangesetView>> createListener = new AtomicReference<>();
  private final HttpServer server;
  private final ExecutorService executor;
  private final URI endpoint;

  private FinSpaceEmulator(Builder b) throws IOException {
    this.initialEnvironments = List.copyOf(b.environments);
    this.initialDatabases = List.copyOf(b.databases.values());
    this.initialAccessKeyId = b.allowedAccessKeyId;
    this.initialRateLimit = b.rateLimit;
    this.initialSeed = b.seed;
    this.initialRoles = List.copyOf(b.roles);
    this.initialLifetime = b.credentialLifetime;
    this.sts = new Sts(clock, b.credentialLifetime);
    initialRoles.forEach(sts::addRole);
    this.lifecycle = new Lifecycle(b.settings());
    this.faults = new Faults(clock::nowMillis);
    applyInitialFaults();
    this.requestLog = new RequestLog(b.requestLogCapacity);
    this.allowedAccessKeyId = new AtomicReference<>(b.allowedAccessKeyId);
    registerInitial();

    ApiHandler api =
        new ApiHandler(
            store,
            lifecycle,
            faults,
            clock,
            counters,
            requestLog,
            allowedAccessKeyId::get,
            createListener::get,
            sts);
    AdminHandler admin = new AdminHandler(this);
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName(b.host), b.port), 512);
    server.createContext(
        "/",
        ex -> {
          if (ex.getRequestURI().getRawPath().startsWith(AdminHandler.PREFIX)) {
            admin.handle(ex);
          } else {
            api.handle(ex);
          }
        });
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            b.threads,
            b.threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "finspace-emulator-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    this.executor = pool;
    server.setExecutor(executor);
    server.start();
    InetSocketAddress bound = server.getAddress();
    String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getHostString();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    this.endpoint = URI.create("http://" + host + ":" + bound.getPort());
    LOG.info("FinSpace emulator listening on {}", endpoint);
  }

  /** A builder with the defaults: 127.0.0.1, an ephemeral port, lifecycle 2 s + 10 s. */
  public static Builder builder() {
    return new Builder();
  }

  /** The base URI to give the SDK ({@code endpointOverride}) or AWS_ENDPOINT_URL_FINSPACE. */
  public URI endpoint() {
    return endpoint;
  }

  /** The port the server is bound to. */
  public int port() {
    return endpoint.getPort();
  }

  /** Registers an environment (idempotent). Its databases must be registered separately. */
  public FinSpaceEmulator registerEnvironment(String environmentId) {
    try {
      Validator.checkEnvironment(environmentId);
    } catch (ApiException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    store.registerEnvironment(environmentId);
    return this;
  }

  /** Registers a database and its environment (idempotent). */
  public FinSpaceEmulator registerDatabase(String environmentId, String databaseName) {
    try {
      Validator.checkDatabase(environmentId, databaseName);
    } catch (ApiException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    store.registerDatabase(environmentId, databaseName);
    return this;
  }

  /** Environment → database → number of changesets. */
  public Map<String, Map<String, Integer>> databases() {
    return store.databases();
  }

  /** Lifecycle durations, in-progress string, concurrency policies and failure rules. */
  public Lifecycle lifecycle() {
    return lifecycle;
  }

  /** Faults applied to the FinSpace operations (not to the admin API or the Java API). */
  public Faults faults() {
    return faults;
  }

  /** The emulator clock. */
  public EmulatorClock clock() {
    return clock;
  }

  /** Requires requests to be SigV4-signed with this access key id (null: accept any or none). */
  public FinSpaceEmulator allowedAccessKeyId(String accessKeyId) {
    allowedAccessKeyId.set(accessKeyId);
    return this;
  }

  /**
   * Calls {@code listener} on the request thread whenever a CreateKxChangeset over HTTP has taken
   * effect (the changeset is stored, or an earlier one returned for a reused client token) and
   * before the response is sent; null removes it. Tests act inside that window, e.g. kill the
   * client so that it never learns the changeset id. Not reset by {@link #reset()}.
   */
  public FinSpaceEmulator onCreate(Consumer<ChangesetView> listener) {
    createListener.set(listener);
    return this;
  }

  /**
   * Lets the emulator's STS ({@code POST /}, AssumeRole) issue sessions of {@code role}; FinSpace
   * calls signed with them are verified against the issued secret and allowed only on the role's
   * databases (AccessDeniedException otherwise). Point the SDK's STS at {@link #endpoint()}
   * (AWS_ENDPOINT_URL_STS).
   */
  public FinSpaceEmulator addRole(Role role) {
    sts.addRole(role);
    return this;
  }

  /** The roles STS knows, by ARN. */
  public Map<String, Role> roles() {
    return sts.roles();
  }

  /** How long credentials STS issues from now on last (by the emulator clock). */
  public FinSpaceEmulator credentialLifetime(Duration lifetime) {
    sts.lifetime(lifetime);
    return this;
  }

  /** The lifetime of the credentials STS issues. */
  public Duration credentialLifetime() {
    return sts.lifetime();
  }

  /** The access key id requests must be signed with, or null. */
  public String allowedAccessKeyId() {
    return allowedAccessKeyId.get();
  }

  /**
   * Creates a changeset directly, as if another client had (e.g. a q session's
   * .aws.commit_kx_database): same validation and lifecycle, no faults, not counted.
   */
  public ChangesetView createChangeset(
      String environmentId, String databaseName, List<ChangesetView.Request> requests) {
    return createChangeset(environmentId, databaseName, requests, UUID.randomUUID().toString());
  }

  /** As {@link #createChangeset(String, String, List)} with an explicit client token. */
  public ChangesetView createChangeset(
      String environmentId,
      String databaseName,
      List<ChangesetView.Request> requests,
      String clientToken) {
    ObjectNode body = WireJson.MAPPER.createObjectNode();
    body.set("changeRequests", WireJson.MAPPER.valueToTree(requests));
    body.put("clientToken", clientToken);
    Lifecycle.Settings s = lifecycle.settings();
    try {
      Validator.CreateInput in = Validator.checkCreate(environmentId, databaseName, body);
      long now = clock.nowMillis();
      return store
          .create(environmentId, databaseName, in.requests(), in.clientToken(), now, s)
          .view(now, s.inProgressStatus());
    } catch (ApiException e) {
      if (e.status == 400) {
        throw new IllegalArgumentException(e.type + ": " + e.getMessage());
      }
      throw new IllegalStateException(e.type + ": " + e.getMessage());
    }
  }

  /** The changesets of a database, oldest first, as they are now (empty if unknown). */
  public List<ChangesetView> changesets(String environmentId, String databaseName) {
    long now = clock.nowMillis();
    String inProgress = lifecycle.settings().inProgressStatus();
    List<ChangesetView> out = new ArrayList<>();
    for (Changeset c : store.changesets(environmentId, databaseName)) {
      out.add(c.view(now, inProgress));
    }
    return out;
  }

  /** One changeset as it is now. */
  public Optional<ChangesetView> changeset(String changesetId) {
    Changeset c = store.byId(changesetId);
    return c == null
        ? Optional.empty()
        : Optional.of(c.view(clock.nowMillis(), lifecycle.settings().inProgressStatus()));
  }

  /** Client token → ids of the changesets created with it (more than one only after 10 min). */
  public Map<String, List<String>> changesetsByClientToken() {
    return store.idsByClientToken();
  }

  /** The number of stored changesets. */
  public int changesetCount() {
    return store.size();
  }

  /**
   * For every registered database, the most changesets ever in flight at once (created, not yet
   * COMPLETED or FAILED, by the emulator clock), when and which: what proves a client kept to a
   * per-database limit. Sorted by environment and database; cleared by {@link #reset()}.
   */
  public List<InFlightPeak> maxInFlight() {
    return store.inFlightPeaks();
  }

  /** The most changesets of one database ever in flight at once (0 if none or unknown). */
  public int maxInFlight(String environmentId, String databaseName) {
    return store.inFlightPeak(environmentId, databaseName).max();
  }

  /** Calls per {@code Operation/outcome}, e.g. {@code CreateKxChangeset/200}. */
  public Map<String, Long> counters() {
    return counters.snapshot();
  }

  /** One counter; outcome is "200", an error type or "dropped". */
  public long counter(Operation operation, String outcome) {
    return counters.get(operation.wireName() + "/" + outcome);
  }

  /** The most recent requests, oldest first. */
  public List<RequestLog.Entry> requestLog() {
    return requestLog.entries();
  }

  /**
   * Forgets one database's changesets (it stays registered, as if new): a benchmark's warm-up
   * leaves nothing behind.
   */
  public void forgetChangesets(String environmentId, String databaseName) {
    store.forgetChangesets(environmentId, databaseName);
  }

  /**
   * Clears the call counters and the request log, keeping everything else (a benchmark's warm-up
   * run is then not counted).
   */
  public void clearCounters() {
    counters.clear();
    requestLog.clear();
  }

  /**
   * Back to the state right after start: the start-up databases only, no changesets, counters, log
   * or faults but the start-up rate limit and seed, the start-up lifecycle, access key, roles and
   * credential lifetime (no issued sessions), real time.
   */
  public void reset() {
    store.clear();
    registerInitial();
    lifecycle.reset();
    faults.clear();
    clock.reset();
    applyInitialFaults();
    counters.clear();
    requestLog.clear();
    allowedAccessKeyId.set(initialAccessKeyId);
    sts.clear();
    initialRoles.forEach(sts::addRole);
    sts.lifetime(initialLifetime);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    LOG.info("FinSpace emulator on {} stopped", endpoint);
  }

  private void applyInitialFaults() {
    if (initialRateLimit != null) {
      faults.rateLimit(initialRateLimit);
    }
    if (initialSeed != null) {
      faults.seed(initialSeed);
    }
  }

  private void registerInitial() {
    initialEnvironments.forEach(store::registerEnvironment);
    initialDatabases.forEach(names -> store.registerDatabase(names[0], names[1]));
  }

  /** Start-up configuration. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private int threads = 64;
    private int requestLogCapacity = 10_000;
    private final List<String> environments = new ArrayList<>();
    private final Map<String, String[]> databases = new LinkedHashMap<>();
    private final Lifecycle builderLifecycle = new Lifecycle(Lifecycle.Settings.defaults());
    private String allowedAccessKeyId;
    private Double rateLimit;
    private Long seed;
    private final List<Role> roles = new ArrayList<>();
    private Duration credentialLifetime = Duration.ofHours(1);

    private Builder() {}

    /** A role STS lets callers assume, from the start (and after each reset). */
    public Builder role(Role role) {
      roles.add(role);
      return this;
    }

    /** How long credentials STS issues last (default 1 h, as STS's default). */
    public Builder credentialLifetime(Duration lifetime) {
      if (lifetime.isNegative() || lifetime.isZero()) {
        throw new IllegalArgumentException("credential lifetime must be positive");
      }
      this.credentialLifetime = lifetime;
      return this;
    }

    /** The address to bind (default 127.0.0.1). */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** The port (default 0: an ephemeral port, see {@link #endpoint()}). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Handler threads (default 64); latency faults hold a thread while they wait. */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1");
      }
      this.threads = threads;
      return this;
    }

    /** How many recent requests the log keeps (default 10,000). */
    public Builder requestLogCapacity(int capacity) {
      this.requestLogCapacity = capacity;
      return this;
    }

    /** Registers an environment at start-up (and after each reset). */
    public Builder environment(String environmentId) {
      try {
        Validator.checkEnvironment(environmentId);
      } catch (ApiException e) {
        throw new IllegalArgumentException(e.getMessage());
      }
      environments.add(environmentId);
      return this;
    }

    /** Registers a database at start-up (and after each reset). */
    public Builder database(String environmentId, String databaseName) {
      try {
        Validator.checkDatabase(environmentId, databaseName);
      } catch (ApiException e) {
        throw new IllegalArgumentException(e.getMessage());
      }
      databases.put(environmentId + "/" + databaseName, new String[] {environmentId, databaseName});
      return this;
    }

    /** How long new changesets stay PENDING (default 2 s). */
    public Builder pending(Duration d) {
      builderLifecycle.pending(d);
      return this;
    }

    /** How long they then stay in progress (default 10 s). */
    public Builder processing(Duration d) {
      builderLifecycle.processing(d);
      return this;
    }

    /** The in-progress status string (default IN_PROGRESS; the model says PROCESSING). */
    public Builder inProgressStatus(String status) {
      builderLifecycle.inProgressStatus(status);
      return this;
    }

    /** The default concurrency policy (default CONCURRENT). */
    public Builder concurrency(ConcurrencyPolicy policy) {
      builderLifecycle.concurrency(policy);
      return this;
    }

    /** The concurrency policy of one database. */
    public Builder concurrency(String environmentId, String databaseName, ConcurrencyPolicy p) {
      builderLifecycle.concurrency(environmentId, databaseName, p);
      return this;
    }

    /** A failure rule active from the start. */
    public Builder failureRule(FailureRule rule) {
      builderLifecycle.addFailureRule(rule);
      return this;
    }

    /** Requires SigV4 signatures with this access key id (default: accept any). */
    public Builder allowedAccessKeyId(String accessKeyId) {
      this.allowedAccessKeyId = accessKeyId;
      return this;
    }

    /**
     * A request-rate limit from the start (and after each reset): at most {@code perSecond}
     * requests per second, bursts of that size; see {@link Faults#rateLimit(double)}.
     */
    public Builder rateLimit(double perSecond) {
      if (!(perSecond > 0)) {
        throw new IllegalArgumentException("rate limit must be positive, got " + perSecond);
      }
      this.rateLimit = perSecond;
      return this;
    }

    /** The seed of the random faults from the start (and after each reset); default 0. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Binds and starts the server. */
    public FinSpaceEmulator start() {
      try {
        return new FinSpaceEmulator(this);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot start the FinSpace emulator on " + host + ":" + port, e);
      }
    }

    private Lifecycle.Settings settings() {
      return builderLifecycle.settings();
    }
  }
}
