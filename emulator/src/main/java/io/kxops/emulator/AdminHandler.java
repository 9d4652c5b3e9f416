/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON admin API under {@code /_emulator/}: a thin adapter over {@link FinSpaceEmulator}'s Java
 * API, so the two cannot drift apart. Documented with curl examples in docs/emulator.md.
 *
 * <p>Longer than 400 lines: it is the admin API's table of routes, one short method per route.
 */
final class AdminHandler implements HttpHandler {
  static final String PREFIX = "/_emulator/";
  private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** A 4xx answer of the admin API. */
  private static final class AdminError extends RuntimeException {
    final int status;

    AdminError(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private final FinSpaceEmulator emulator;

  AdminHandler(FinSpaceEmulator emulator) {
    this.emulator = emulator;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String requestId = HttpIo.requestId();
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getPath().substring(PREFIX.length());
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      JsonNode body = method.equals("GET") || method.equals("DELETE") ? null : body(ex);
      JsonNode result = dispatch(method, path, body, ex);
      HttpIo.send(
          ex,
          200,
          WireJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(result),
          requestId);
    } catch (AdminError e) {
      sendError(ex, e.status, e.getMessage(), requestId);
    } catch (IllegalArgumentException | NullPointerException | IllegalStateException e) {
      sendError(ex, 400, String.valueOf(e.getMessage()), requestId);
    } catch (RuntimeException e) {
      LOG.error("admin {} {} failed", method, path, e);
      sendError(ex, 500, e.toString(), requestId);
    }
  }

  private JsonNode dispatch(String method, String path, JsonNode body, HttpExchange ex) {
    boolean write = method.equals("POST") || method.equals("PUT");
    switch (path) {
      case "health" -> {
        requireMethod(method.equals("GET"), method, path);
        return NODES
            .objectNode()
            .put("status", "ok")
            .put("endpoint", emulator.endpoint().toString());
      }
      case "environments" -> {
        requireMethod(write, method, path);
        emulator.registerEnvironment(text(body, "environmentId"));
        return databases();
      }
      case "databases" -> {
        if (write) {
          String env = text(body, "environmentId");
          String db = text(body, "databaseName");
          emulator.registerDatabase(env, db);
          if (body.hasNonNull("concurrency")) {
            emulator
                .lifecycle()
                .concurrency(env, db, ConcurrencyPolicy.valueOf(body.get("concurrency").asText()));
          }
          return databases();
        }
        requireMethod(method.equals("GET"), method, path);
        return databases();
      }
      case "lifecycle" -> {
        if (write) {
          updateLifecycle(body);
        } else {
          requireMethod(method.equals("GET"), method, path);
        }
        return lifecycle();
      }
      case "faults" -> {
        if (write) {
          updateFaults(body);
        } else if (method.equals("DELETE")) {
          emulator.faults().clear();
        } else {
          requireMethod(method.equals("GET"), method, path);
        }
        return faults();
      }
      case "clock" -> {
        requireMethod(method.equals("GET"), method, path);
        return clock();
      }
      case "clock/advance" -> {
        requireMethod(write, method, path);
        emulator.clock().advance(Durations.fromJson(required(body, "by"), "by"));
        return clock();
      }
      case "clock/freeze" -> {
        requireMethod(write, method, path);
        if (body.hasNonNull("at")) {
          emulator.clock().freezeAt(Instant.parse(body.get("at").asText()));
        } else {
          emulator.clock().freeze();
        }
        return clock();
      }
      case "clock/unfreeze" -> {
        requireMethod(write, method, path);
        emulator.clock().unfreeze();
        return clock();
      }
      case "clock/reset" -> {
        requireMethod(write, method, path);
        emulator.clock().reset();
        return clock();
      }
      case "auth" -> {
        if (write) {
          JsonNode key = body.get("allowedAccessKeyId");
          emulator.allowedAccessKeyId(key == null || key.isNull() ? null : key.asText());
        } else {
          requireMethod(method.equals("GET"), method, path);
        }
        return NODES.objectNode().put("allowedAccessKeyId", emulator.allowedAccessKeyId());
      }
      case "counters" -> {
        requireMethod(method.equals("GET"), method, path);
        ObjectNode calls = NODES.objectNode();
        emulator.counters().forEach(calls::put);
        ObjectNode out = NODES.objectNode();
        out.set("calls", calls);
        out.put("changesets", emulator.changesetCount());
        ObjectNode max = out.putObject("maxInFlight");
        emulator
            .maxInFlight()
            .forEach(p -> max.put(p.environmentId() + "/" + p.databaseName(), p.max()));
        return out;
      }
      case "in-flight" -> {
        requireMethod(method.equals("GET"), method, path);
        ArrayNode list = NODES.arrayNode();
        for (InFlightPeak p : emulator.maxInFlight()) {
          ObjectNode n =
              list.addObject()
                  .put("environmentId", p.environmentId())
                  .put("databaseName", p.databaseName())
                  .put("maxInFlight", p.max());
          if (p.at() != null) {
            n.put("at", p.at().toString());
          }
          ArrayNode ids = n.putArray("changesetIds");
          p.changesetIds().forEach(ids::add);
        }
        ObjectNode out = NODES.objectNode();
        out.set("databases", list);
        return out;
      }
      case "changesets" -> {
        requireMethod(method.equals("GET"), method, path);
        Map<String, String> q = HttpIo.query(ex.getRequestURI().getRawQuery());
        String env = q.get("environmentId");
        String db = q.get("databaseName");
        if (env == null || db == null) {
          throw new AdminError(400, "query parameters environmentId and databaseName are required");
        }
        ArrayNode list = NODES.arrayNode();
        emulator.changesets(env, db).forEach(v -> list.add(view(v)));
        ObjectNode out = NODES.objectNode();
        out.set("changesets", list);
        return out;
      }
      case "client-tokens" -> {
        requireMethod(method.equals("GET"), method, path);
        ObjectNode out = NODES.objectNode();
        emulator
            .changesetsByClientToken()
            .forEach(
                (token, ids) -> {
                  ArrayNode a = out.putArray(token);
                  ids.forEach(a::add);
                });
        return out;
      }
      case "requests" -> {
        requireMethod(method.equals("GET"), method, path);
        ArrayNode list = NODES.arrayNode();
        for (RequestLog.Entry e : emulator.requestLog()) {
          ObjectNode tags = NODES.objectNode();
          e.sessionTags().forEach(tags::put);
          list.addObject()
              .put("time", e.time().toString())
              .put("requestId", e.requestId())
              .put("method", e.method())
              .put("path", e.path())
              .put("operation", e.operation())
              .put("httpStatus", e.httpStatus())
              .put("outcome", e.outcome())
              .put("changesetId", e.changesetId())
              .put("clientToken", e.clientToken())
              .put("durationMillis", e.durationMillis())
              .put("principal", e.principal())
              .put("roleArn", e.roleArn())
              .set("sessionTags", tags);
        }
        ObjectNode out = NODES.objectNode();
        out.set("requests", list);
        return out;
      }
      case "roles" -> {
        if (write) {
          emulator.addRole(role(body));
        } else {
          requireMethod(method.equals("GET"), method, path);
        }
        ObjectNode out = NODES.objectNode();
        emulator
            .roles()
            .values()
            .forEach(
                r -> {
                  ObjectNode o = out.putObject(r.arn());
                  o.put("environmentId", r.environmentId());
                  r.databases().forEach(o.putArray("databases")::add);
                  ObjectNode tags = o.putObject("requiredSessionTags");
                  r.requiredSessionTags().forEach(tags::put);
                });
        return NODES
            .objectNode()
            .put("credentialLifetime", emulator.credentialLifetime().toString())
            .set("roles", out);
      }
      case "reset" -> {
        requireMethod(write, method, path);
        emulator.reset();
        return NODES.objectNode().put("reset", true);
      }
      default -> throw new AdminError(404, "no admin endpoint " + PREFIX + path);
    }
  }

  private void updateLifecycle(JsonNode body) {
    Lifecycle l = emulator.lifecycle();
    if (body.has("pending")) {
      l.pending(Durations.fromJson(body.get("pending"), "pending"));
    }
    if (body.has("processing")) {
      l.processing(Durations.fromJson(body.get("processing"), "processing"));
    }
    if (body.has("inProgressStatus")) {
      l.inProgressStatus(body.get("inProgressStatus").asText());
    }
    if (body.has("concurrency")) {
      l.concurrency(ConcurrencyPolicy.valueOf(body.get("concurrency").asText()));
    }
    if (body.has("databaseConcurrency")) {
      for (Map.Entry<String, JsonNode> e : body.get("databaseConcurrency").properties()) {
        int slash = e.getKey().lastIndexOf('/');
        if (slash < 0) {
          throw new IllegalArgumentException("databaseConcurrency keys are \"envId/dbName\"");
        }
        l.concurrency(
            e.getKey().substring(0, slash),
            e.getKey().substring(slash + 1),
            e.getValue().isNull() ? null : ConcurrencyPolicy.valueOf(e.getValue().asText()));
      }
    }
    if (body.has("failureRules")) {
      List<FailureRule> rules = new ArrayList<>();
      for (JsonNode r : body.get("failureRules")) {
        rules.add(
            new FailureRule(
                text(r, "s3Path"),
                optionalText(r, "database"),
                optionalText(r, "errorType"),
                optionalText(r, "errorMessage")));
      }
      l.failureRules(rules);
    }
  }

  private void updateFaults(JsonNode body) {
    Faults f = emulator.faults();
    if (body.has("rateLimit")) {
      JsonNode r = body.get("rateLimit");
      if (r.isNull()) {
        f.noRateLimit();
      } else if (r.has("burst")) {
        f.rateLimit(required(r, "perSecond").asDouble(), r.get("burst").asInt());
      } else {
        f.rateLimit(required(r, "perSecond").asDouble());
      }
    }
    if (body.has("seed")) {
      f.seed(body.get("seed").asLong());
    }
    if (body.has("failureRates")) {
      for (Map.Entry<String, JsonNode> e : body.get("failureRates").properties()) {
        f.failureRate(e.getKey(), e.getValue().asDouble());
      }
    }
    if (body.has("dropRate")) {
      f.dropRate(body.get("dropRate").asDouble());
    }
    if (body.has("responseDropRate")) {
      f.responseDropRate(body.get("responseDropRate").asDouble());
    }
    if (body.has("latency")) {
      JsonNode l = body.get("latency");
      if (l.isNull()) {
        f.latency(null, null, 0);
      } else {
        Duration min = Durations.fromJson(required(l, "min"), "latency.min");
        Duration max = l.has("max") ? Durations.fromJson(l.get("max"), "latency.max") : min;
        f.latency(min, max, l.has("probability") ? l.get("probability").asDouble() : 1.0);
      }
    }
    if (body.has("scripted")) {
      for (JsonNode s : body.get("scripted")) {
        String opName = optionalText(s, "operation");
        Operation op = opName == null || opName.equals("*") ? null : Operation.parse(opName);
        int count = s.has("count") ? s.get("count").asInt() : 1;
        String drop = optionalText(s, "drop");
        if ("before".equals(drop) || "true".equals(drop)) {
          f.dropNext(op, count);
        } else if ("after".equals(drop)) {
          String database = optionalText(s, "database");
          int slash = database == null ? -1 : database.lastIndexOf('/');
          if (database != null && slash < 0) {
            throw new IllegalArgumentException("scripted database is \"envId/dbName\"");
          }
          f.dropResponseNext(
              op,
              database == null ? null : database.substring(0, slash),
              database == null ? null : database.substring(slash + 1),
              count);
        } else if (drop != null && !"false".equals(drop)) {
          throw new IllegalArgumentException("scripted drop must be \"before\" or \"after\"");
        } else {
          String type = text(s, "error");
          f.failNext(
              op,
              count,
              type,
              s.has("httpStatus") ? s.get("httpStatus").asInt() : ApiException.statusOf(type, 500),
              optionalText(s, "message"),
              optionalText(s, "reason"));
        }
      }
    }
  }

  private JsonNode databases() {
    ObjectNode envs = NODES.objectNode();
    Lifecycle.Settings s = emulator.lifecycle().settings();
    emulator
        .databases()
        .forEach(
            (env, dbs) -> {
              ObjectNode e = envs.putObject(env);
              dbs.forEach(
                  (db, count) ->
                      e.putObject(db)
                          .put("changesets", count)
                          .put("concurrency", s.concurrencyOf(env, db).name()));
            });
    ObjectNode out = NODES.objectNode();
    out.set("environments", envs);
    return out;
  }

  private JsonNode lifecycle() {
    Lifecycle.Settings s = emulator.lifecycle().settings();
    ObjectNode out = NODES.objectNode();
    out.put("pending", s.pending().toString());
    out.put("processing", s.processing().toString());
    out.put("inProgressStatus", s.inProgressStatus());
    out.put("concurrency", s.concurrency().name());
    ObjectNode per = out.putObject("databaseConcurrency");
    s.databaseConcurrency().forEach((k, v) -> per.put(k, v.name()));
    ArrayNode rules = out.putArray("failureRules");
    for (FailureRule r : s.failureRules()) {
      rules
          .addObject()
          .put("s3Path", r.s3PathGlob())
          .put("database", r.database())
          .put("errorType", r.errorType())
          .put("errorMessage", r.errorMessage());
    }
    return out;
  }

  private JsonNode faults() {
    Faults.Snapshot s = emulator.faults().snapshot();
    ObjectNode out = NODES.objectNode();
    if (s.ratePerSecond() == null) {
      out.putNull("rateLimit");
    } else {
      out.putObject("rateLimit").put("perSecond", s.ratePerSecond()).put("burst", s.rateBurst());
    }
    out.put("seed", s.seed());
    ObjectNode rates = out.putObject("failureRates");
    s.failureRates().forEach(rates::put);
    out.put("dropRate", s.dropRate());
    out.put("responseDropRate", s.responseDropRate());
    if (s.latency() == null) {
      out.putNull("latency");
    } else {
      out.putObject("latency")
          .put("min", s.latency().min().toString())
          .put("max", s.latency().max().toString())
          .put("probability", s.latency().probability());
    }
    ArrayNode scripted = out.putArray("scripted");
    for (Faults.Scripted f : s.scripted()) {
      ObjectNode n =
          scripted
              .addObject()
              .put("operation", f.operation() == null ? "*" : f.operation().wireName())
              .put("count", f.remaining());
      if (f.database() != null) {
        n.put("database", f.database());
      }
      if (f.drop() != Faults.Drop.NONE) {
        n.put("drop", f.drop() == Faults.Drop.BEFORE ? "before" : "after");
      } else {
        n.put("error", f.errorType())
            .put("httpStatus", f.httpStatus())
            .put("message", f.message())
            .put("reason", f.reason());
      }
    }
    return out;
  }

  private JsonNode clock() {
    EmulatorClock c = emulator.clock();
    long now = c.nowMillis();
    return NODES
        .objectNode()
        .put("now", Instant.ofEpochMilli(now).toString())
        .put("epochSeconds", new BigDecimal(WireJson.epochSeconds(now)))
        .put("offsetMillis", c.offsetMillis())
        .put("frozen", c.frozen());
  }

  static ObjectNode view(ChangesetView v) {
    ObjectNode n = NODES.objectNode();
    n.put("changesetId", v.changesetId());
    n.put("environmentId", v.environmentId());
    n.put("databaseName", v.databaseName());
    n.put("clientToken", v.clientToken());
    n.put("status", v.status());
    ArrayNode reqs = n.putArray("changeRequests");
    for (ChangesetView.Request r : v.changeRequests()) {
      ObjectNode o = reqs.addObject().put("changeType", r.changeType());
      if (r.s3Path() != null) {
        o.put("s3Path", r.s3Path());
      }
      o.put("dbPath", r.dbPath());
    }
    n.put("createdTimestamp", v.createdTimestamp().toString());
    n.put("lastModifiedTimestamp", v.lastModifiedTimestamp().toString());
    if (v.activeFromTimestamp() != null) {
      n.put("activeFromTimestamp", v.activeFromTimestamp().toString());
    }
    if (v.errorType() != null) {
      n.putObject("errorInfo")
          .put("errorType", v.errorType())
          .put("errorMessage", v.errorMessage());
    }
    return n;
  }

  private static JsonNode body(HttpExchange ex) throws IOException {
    byte[] bytes = HttpIo.readBody(ex);
    if (bytes.length == 0) {
      return NODES.objectNode();
    }
    JsonNode n;
    try {
      n = WireJson.MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new AdminError(400, "malformed JSON body: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw new AdminError(400, "the body must be a JSON object");
    }
    return n;
  }

  /**
   * A role from {"arn": ..., "environmentId": ..., "databases": [...], "requiredSessionTags":
   * {...}}.
   */
  private static Role role(JsonNode body) {
    java.util.List<String> dbs = new java.util.ArrayList<>();
    required(body, "databases").forEach(d -> dbs.add(d.asText()));
    java.util.Map<String, String> tags = new java.util.LinkedHashMap<>();
    body.path("requiredSessionTags")
        .fields()
        .forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
    return new Role(text(body, "arn"), text(body, "environmentId"), dbs, tags);
  }

  private static JsonNode required(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      throw new AdminError(400, "field '" + field + "' is required");
    }
    return n;
  }

  private static String text(JsonNode body, String field) {
    return required(body, field).asText();
  }

  private static String optionalText(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private static void requireMethod(boolean ok, String method, String path) {
    if (!ok) {
      throw new AdminError(405, method + " is not supported on " + PREFIX + path);
    }
  }

  private static void sendError(HttpExchange ex, int status, String message, String requestId)
      throws IOException {
    HttpIo.send(
        ex,
        status,
        WireJson.MAPPER.writeValueAsBytes(NODES.objectNode().put("error", message)),
        requestId);
  }
}
