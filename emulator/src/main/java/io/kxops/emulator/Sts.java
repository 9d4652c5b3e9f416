/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The emulator's STS: AssumeRole over the Query protocol the AWS SDK speaks ({@code POST /} with a
 * form body, an XML answer), for the roles it was given; and the sessions it issued, against whose
 * secrets FinSpace calls signed with them are verified ({@link #authenticate}).
 */
final class Sts {

  /** The STS XML namespace of API version 2011-06-15. */
  static final String XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

  /** Issued sessions are forgotten this long after they expired. */
  static final Duration FORGET_AFTER = Duration.ofHours(1);

  /** A session STS issued. */
  record Session(
      String accessKeyId,
      String secretAccessKey,
      String sessionToken,
      Role role,
      String sessionName,
      Map<String, String> tags,
      long expiresAtMillis) {

    /** The principal's ARN, as AWS names an assumed-role session. */
    String principalArn() {
      return "arn:aws:sts::" + role.account() + ":assumed-role/" + role.name() + "/" + sessionName;
    }
  }

  /** Who signed a request: an issued session, or a start-up key (then {@code session} is null). */
  record Principal(String accessKeyId, Session session, String region) {
    static final Principal ANONYMOUS = new Principal(null, null, null);

    String describe() {
      return session != null ? session.principalArn() : accessKeyId;
    }
  }

  /** What one AssumeRole did, for the request log. */
  record Outcome(int status, String type, byte[] body, Session issued) {}

  private final EmulatorClock clock;
  private final Map<String, Role> roles = new ConcurrentHashMap<>();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final AtomicReference<Duration> lifetime;

  Sts(EmulatorClock clock, Duration lifetime) {
    this.clock = clock;
    this.lifetime = new AtomicReference<>(lifetime);
  }

  void addRole(Role r) {
    roles.put(r.arn(), r);
  }

  Map<String, Role> roles() {
    return Map.copyOf(roles);
  }

  Duration lifetime() {
    return lifetime.get();
  }

  void lifetime(Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("credential lifetime must be positive");
    }
    lifetime.set(d);
  }

  /** Forgets roles and sessions. */
  void clear() {
    roles.clear();
    sessions.clear();
  }

  /**
   * Who signed {@code ex}: checks the SigV4 header against {@code service}, and verifies a request
   * signed with an issued session against its secret and token. Throws the answer AWS would give
   * (403 with the FinSpace error shape) when it does not hold. A start-up key is checked as before:
   * only its id, against {@code allowedKeyId} (null: any key, or none).
   */
  Principal authenticate(HttpExchange ex, byte[] body, String service, String allowedKeyId) {
    String authorization = ex.getRequestHeaders().getFirst("Authorization");
    SigV4.Credential c = SigV4.parse(authorization);
    Session s = c == null ? null : sessions.get(c.accessKeyId());
    if (s == null && c != null && c.accessKeyId().startsWith("ASIA")) {
      throw new ApiException(
          403,
          "UnrecognizedClientException",
          "The security token included in the request is invalid.",
          null);
    }
    if (s == null) {
      SigV4.check(authorization, allowedKeyId, service);
      return c == null ? Principal.ANONYMOUS : new Principal(c.accessKeyId(), null, c.region());
    }
    if (!service.equals(c.service())) {
      throw ApiException.accessDenied(
          "Credential should be scoped to service '" + service + "', not '" + c.service() + "'");
    }
    if (!s.sessionToken().equals(ex.getRequestHeaders().getFirst("X-Amz-Security-Token"))) {
      throw new ApiException(
          403,
          "UnrecognizedClientException",
          "The security token included in the request is invalid.",
          null);
    }
    if (clock.nowMillis() >= s.expiresAtMillis()) {
      throw new ApiException(
          403,
          "ExpiredTokenException",
          "The security token included in the request is expired",
          null);
    }
    if (!SigV4.verify(ex, body, c, s.secretAccessKey())) {
      throw new ApiException(
          403,
          "InvalidSignatureException",
          "The request signature we calculated does not match the signature you provided. Check"
              + " your AWS Secret Access Key and signing method.",
          null);
    }
    return new Principal(c.accessKeyId(), s, c.region());
  }

  /** Answers one AssumeRole request whose form body is {@code form}, from {@code caller}. */
  Outcome assumeRole(Principal caller, Map<String, String> form) {
    String requestId = HttpIo.requestId();
    if (!"AssumeRole".equals(form.get("Action"))) {
      return error(
          400, "InvalidAction", "Could not find operation " + form.get("Action"), requestId);
    }
    String arn = form.get("RoleArn");
    String sessionName = form.get("RoleSessionName");
    if (arn == null || sessionName == null || !sessionName.matches("[\\w+=,.@-]{2,64}")) {
      return error(
          400,
          "ValidationError",
          "RoleArn and RoleSessionName (2-64 characters of [\\w+=,.@-]) are required",
          requestId);
    }
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 1; form.containsKey("Tags.member." + i + ".Key"); i++) {
      tags.put(form.get("Tags.member." + i + ".Key"), form.get("Tags.member." + i + ".Value"));
    }
    Role role = roles.get(arn);
    String who = caller.describe() == null ? "anonymous" : caller.describe();
    if (role == null) {
      return error(
          403,
          "AccessDenied",
          "User: " + who + " is not authorized to perform: sts:AssumeRole on resource: " + arn,
          requestId);
    }
    for (var required : role.requiredSessionTags().entrySet()) {
      if (!required.getValue().equals(tags.get(required.getKey()))) {
        return error(
            403,
            "AccessDenied",
            "User: "
                + who
                + " is not authorized to perform: sts:TagSession on resource: "
                + arn
                + " (the trust policy requires session tag "
                + required.getKey()
                + "="
                + required.getValue()
                + ")",
            requestId);
      }
    }
    Duration d = lifetime.get();
    String requested = form.get("DurationSeconds");
    if (requested != null && requested.matches("[0-9]{1,6}")) {
      Duration asked = Duration.ofSeconds(Long.parseLong(requested));
      d = asked.compareTo(d) < 0 ? asked : d;
    }
    long now = clock.nowMillis();
    forgetExpired(now);
    Session s =
        new Session(
            "ASIA" + random("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
            random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40),
            "IQoJb3JpZ2luX2VjE"
                + random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 120),
            role,
            sessionName,
            Map.copyOf(tags),
            now + d.toMillis());
    sessions.put(s.accessKeyId(), s);
    String xml =
        "<AssumeRoleResponse xmlns=\""
            + XMLNS
            + "\"><AssumeRoleResult><Credentials><AccessKeyId>"
            + s.accessKeyId()
            + "</AccessKeyId><SecretAccessKey>"
            + xml(s.secretAccessKey())
            + "</SecretAccessKey><SessionToken>"
            + xml(s.sessionToken())
            + "</SessionToken><Expiration>"
            + Instant.ofEpochMilli(s.expiresAtMillis())
            + "</Expiration></Credentials><AssumedRoleUser><Arn>"
            + xml(s.principalArn())
            + "</Arn><AssumedRoleId>AROA"
            + random("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17)
            + ":"
            + xml(sessionName)
            + "</AssumedRoleId></AssumedRoleUser><PackedPolicySize>"
            + (tags.isEmpty() ? 0 : 1)
            + "</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>"
            + requestId
            + "</RequestId></ResponseMetadata></AssumeRoleResponse>";
    return new Outcome(200, "200", xml.getBytes(StandardCharsets.UTF_8), s);
  }

  /** The form parameters of an AssumeRole body (application/x-www-form-urlencoded). */
  static Map<String, String> form(byte[] body) {
    // A form encodes a space as '+'; HttpIo.query keeps '+' (the SDK's path convention).
    String text = new String(body, StandardCharsets.UTF_8).replace("+", "%20");
    return HttpIo.query(text);
  }

  /** Sends an STS answer: XML, with the request id STS sends. */
  static void send(HttpExchange ex, Outcome o) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/xml");
    ex.getResponseHeaders().set("x-amzn-RequestId", HttpIo.requestId());
    ex.sendResponseHeaders(o.status(), o.body().length);
    try (var out = ex.getResponseBody()) {
      out.write(o.body());
    }
  }

  /** An STS error in the Query protocol's shape. */
  static Outcome error(int status, String code, String message, String requestId) {
    String xml =
        "<ErrorResponse xmlns=\""
            + XMLNS
            + "\"><Error><Type>"
            + (status >= 500 ? "Receiver" : "Sender")
            + "</Type><Code>"
            + code
            + "</Code><Message>"
            + xml(message)
            + "</Message></Error><RequestId>"
            + requestId
            + "</RequestId></ErrorResponse>";
    return new Outcome(status, code, xml.getBytes(StandardCharsets.UTF_8), null);
  }

  private void forgetExpired(long now) {
    sessions.values().removeIf(s -> now > s.expiresAtMillis() + FORGET_AFTER.toMillis());
  }

  private static String random(String alphabet, int n) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  private static String xml(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
