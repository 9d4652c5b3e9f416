/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the three restJson1 operations: routing, faults, the access-key check, validation, the
 * store, and the wire format of successes and errors. Every call is counted and logged.
 */
final class ApiHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

  /** Page size when maxResults is absent or 0 (the service's default is undocumented). */
  static final int DEFAULT_PAGE_SIZE = 10;

  /** A parsed request line: the operation and its decoded path labels. */
  private record Route(Operation op, String environmentId, String databaseName, String id) {}

  /** A success body plus what the request log records. */
  private record Reply(byte[] body, String changesetId, String clientToken) {}

  private final ChangesetStore store;
  private final Lifecycle lifecycle;
  private final Faults faults;
  private final EmulatorClock clock;
  private final Counters counters;
  private final RequestLog log;
  private final Supplier<String> allowedAccessKeyId;
  private final Supplier<Consumer<ChangesetView>> createListener;
  private final Sts sts;

  ApiHandler(
      ChangesetStore store,
      Lifecycle lifecycle,
      Faults faults,
      EmulatorClock clock,
      Counters counters,
      RequestLog log,
      Supplier<String> allowedAccessKeyId,
      Supplier<Consumer<ChangesetView>> createListener,
      Sts sts) {
    this.sts = sts;
    this.store = store;
    this.lifecycle = lifecycle;
    this.faults = faults;
    this.clock = clock;
    this.counters = counters;
    this.log = log;
    this.allowedAccessKeyId = allowedAccessKeyId;
    this.createListener = createListener;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    long started = System.nanoTime();
    String requestId = HttpIo.requestId();
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    if (method.equals("POST") && path.equals("/")) {
      handleSts(ex, requestId, started);
      return;
    }
    Route route = null;
    String operation = "Unknown";
    Reply reply = null;
    Sts.Principal principal = Sts.Principal.ANONYMOUS;
    ApiException error;
    try {
      route = route(method, path);
      operation = route.op.wireName();
      Faults.Decision fault =
          faults.decide(route.op, route.environmentId + "/" + route.databaseName);
      sleep(fault.latencyMillis());
      if (fault.drop() == Faults.Drop.BEFORE) {
        record(ex, requestId, route, operation, 0, "dropped", null, started, principal);
        drop(ex);
        return;
      }
      if (fault.error() != null) {
        throw fault.error();
      }
      byte[] body = readBody(ex);
      principal = sts.authenticate(ex, body, "finspace", allowedAccessKeyId.get());
      authorize(principal, route);
      reply = execute(route, ex, body);
      // Counted and logged before the response leaves, so a test that reads the counters right
      // after its call returns always sees the call.
      if (fault.drop() == Faults.Drop.AFTER) {
        record(ex, requestId, route, operation, 0, "responseDropped", reply, started, principal);
        drop(ex);
        return;
      }
      record(ex, requestId, route, operation, 200, "200", reply, started, principal);
      HttpIo.send(ex, 200, reply.body, requestId);
      return;
    } catch (ApiException e) {
      error = e;
    } catch (RuntimeException e) {
      LOG.error("{} {} failed", method, path, e);
      error = ApiException.internal("Emulator error: " + e);
    }
    record(ex, requestId, route, operation, error.status, error.type, reply, started, principal);
    ex.getResponseHeaders().set("x-amzn-ErrorType", error.type);
    HttpIo.send(ex, error.status, WireJson.error(error), requestId);
  }

  /**
   * A session of an assumed role may call FinSpace only on its role's databases: AccessDenied
   * otherwise, as IAM answers a call its policy does not allow.
   */
  private static void authorize(Sts.Principal p, Route r) {
    if (p.session() == null) {
      return;
    }
    Role role = p.session().role();
    if (!role.allows(r.environmentId, r.databaseName)) {
      throw ApiException.accessDenied(
          "User: "
              + p.session().principalArn()
              + " is not authorized to perform: finspace:"
              + r.op.wireName()
              + " on resource: arn:aws:finspace:"
              + p.region()
              + ":"
              + role.account()
              + ":kxEnvironment/"
              + r.environmentId
              + "/kxDatabase/"
              + r.databaseName
              + " because no identity-based policy allows the finspace:"
              + r.op.wireName()
              + " action");
    }
  }

  /** STS AssumeRole ({@code POST /}, the Query protocol). */
  private void handleSts(HttpExchange ex, String requestId, long started) throws IOException {
    Sts.Principal caller = Sts.Principal.ANONYMOUS;
    Sts.Outcome o;
    Map<String, String> form = Map.of();
    try {
      byte[] body = readBody(ex);
      form = Sts.form(body);
      caller = sts.authenticate(ex, body, "sts", allowedAccessKeyId.get());
      o = sts.assumeRole(caller, form);
    } catch (ApiException e) {
      o = Sts.error(e.status, e.type, e.getMessage(), requestId);
    }
    Map<String, String> askedTags = new java.util.LinkedHashMap<>();
    for (int i = 1; form.containsKey("Tags.member." + i + ".Key"); i++) {
      askedTags.put(form.get("Tags.member." + i + ".Key"), form.get("Tags.member." + i + ".Value"));
    }
    counters.increment("AssumeRole", o.type());
    log.add(
        new RequestLog.Entry(
            Instant.ofEpochMilli(clock.nowMillis()),
            requestId,
            "POST",
            "/",
            "AssumeRole",
            o.status(),
            o.type(),
            null,
            null,
            (System.nanoTime() - started) / 1_000_000,
            caller.describe(),
            form.get("RoleArn"),
            askedTags));
    Sts.send(ex, o);
  }

  private static byte[] readBody(HttpExchange ex) throws IOException {
    try {
      return HttpIo.readBody(ex);
    } catch (IllegalArgumentException e) {
      throw ApiException.validation("body: " + e.getMessage());
    }
  }

  private Reply execute(Route r, HttpExchange ex, byte[] bytes) throws IOException {
    Lifecycle.Settings settings = lifecycle.settings();
    switch (r.op) {
      case CREATE_KX_CHANGESET -> {
        JsonNode body = parseBody(bytes);
        Validator.CreateInput in = Validator.checkCreate(r.environmentId, r.databaseName, body);
        ApiException refused =
            faults.refusal(in.requests().stream().map(ChangesetView.Request::s3Path).toList());
        if (refused != null) {
          throw refused;
        }
        long now = clock.nowMillis();
        Changeset c =
            store.create(
                r.environmentId, r.databaseName, in.requests(), in.clientToken(), now, settings);
        notifyCreated(c, now, settings.inProgressStatus());
        return new Reply(
            WireJson.createResponse(c, now, settings.inProgressStatus()), c.id, in.clientToken());
      }
      case GET_KX_CHANGESET -> {
        Validator.checkGet(r.environmentId, r.databaseName, r.id);
        Changeset c = store.get(r.environmentId, r.databaseName, r.id);
        return new Reply(
            WireJson.getResponse(c, clock.nowMillis(), settings.inProgressStatus()), c.id, null);
      }
      case LIST_KX_CHANGESETS -> {
        Map<String, String> q = HttpIo.query(ex.getRequestURI().getRawQuery());
        String nextToken = q.get("nextToken");
        int limit =
            Validator.checkList(r.environmentId, r.databaseName, q.get("maxResults"), nextToken);
        ChangesetStore.Page page =
            store.list(
                r.environmentId, r.databaseName, nextToken, limit == 0 ? DEFAULT_PAGE_SIZE : limit);
        return new Reply(
            WireJson.listResponse(
                page.changesets(),
                page.nextToken(),
                clock.nowMillis(),
                settings.inProgressStatus()),
            null,
            null);
      }
      default -> throw new IllegalStateException("unrouted " + r.op);
    }
  }

  /** Maps method + raw path to an operation; labels are percent-decoded. */
  private static Route route(String method, String rawPath) {
    String[] s = rawPath.split("/", -1);
    boolean base =
        s.length >= 7
            && s[0].isEmpty()
            && s[1].equals("kx")
            && s[2].equals("environments")
            && s[4].equals("databases")
            && s[6].equals("changesets");
    try {
      if (base && s.length == 7 && method.equals("POST")) {
        return new Route(Operation.CREATE_KX_CHANGESET, decode(s[3]), decode(s[5]), null);
      }
      if (base && s.length == 7 && method.equals("GET")) {
        return new Route(Operation.LIST_KX_CHANGESETS, decode(s[3]), decode(s[5]), null);
      }
      if (base && s.length == 8 && method.equals("GET")) {
        return new Route(Operation.GET_KX_CHANGESET, decode(s[3]), decode(s[5]), decode(s[7]));
      }
    } catch (IllegalArgumentException e) {
      throw ApiException.validation("path: " + e.getMessage());
    }
    throw new ApiException(
        404,
        "UnknownOperationException",
        "No FinSpace changeset operation for " + method + " " + rawPath,
        null);
  }

  private static String decode(String label) {
    return HttpIo.percentDecode(label);
  }

  private static JsonNode parseBody(byte[] bytes) {
    if (bytes.length == 0) {
      return JsonNodeFactory.instance.objectNode();
    }
    JsonNode body;
    try {
      body = WireJson.MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw ApiException.validation("body: malformed JSON");
    }
    if (body == null || !body.isObject()) {
      throw ApiException.validation("body: must be a JSON object");
    }
    return body;
  }

  /** Runs the create listener, if any; its failure must not fail the caller's request. */
  private void notifyCreated(Changeset c, long now, String inProgressStatus) {
    Consumer<ChangesetView> listener = createListener.get();
    if (listener == null) {
      return;
    }
    try {
      listener.accept(c.view(now, inProgressStatus));
    } catch (RuntimeException e) {
      LOG.warn("create listener failed on changeset {}", c.id, e);
    }
  }

  // Closing an exchange before its response headers makes the JDK server close the TCP
  // connection: the client gets no HTTP response at all (Apache: NoHttpResponseException).
  private static void drop(HttpExchange ex) {
    ex.close();
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void record(
      HttpExchange ex,
      String requestId,
      Route route,
      String operation,
      int status,
      String outcome,
      Reply reply,
      long startedNanos,
      Sts.Principal principal) {
    counters.increment(operation, outcome);
    log.add(
        new RequestLog.Entry(
            Instant.ofEpochMilli(clock.nowMillis()),
            requestId,
            ex.getRequestMethod(),
            ex.getRequestURI().getRawPath(),
            operation,
            status,
            outcome,
            reply != null ? reply.changesetId : route != null ? route.id : null,
            reply != null ? reply.clientToken : null,
            (System.nanoTime() - startedNanos) / 1_000_000,
            principal.describe(),
            principal.session() == null ? null : principal.session().role().arn(),
            principal.session() == null ? Map.of() : principal.session().tags()));
    if (LOG.isTraceEnabled()) {
      LOG.trace("{} {} {} -> {}", requestId, ex.getRequestMethod(), operation, outcome);
    }
  }
}
