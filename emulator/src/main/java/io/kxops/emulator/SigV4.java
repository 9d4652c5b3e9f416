/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SigV4 as the emulator checks it. For the start-up access key only the key id and the service
 * scope are checked (the emulator is not told its secret); a request signed with credentials the
 * emulator's STS issued is verified in full against the issued secret ({@link #verify}).
 */
final class SigV4 {
  private static final Pattern CREDENTIAL =
      Pattern.compile(
          "^AWS4-HMAC-SHA256\\s+Credential=([^/,\\s]+)/(\\d{8})/([^/,\\s]+)/([^/,\\s]+)/aws4_request\\s*,"
              + ".*SignedHeaders=([^,\\s]+).*Signature=([0-9a-f]{64}).*$");

  /** The signing scope of a parsed header, with its signed headers and signature. */
  record Credential(
      String accessKeyId,
      String date,
      String region,
      String service,
      String signedHeaders,
      String signature) {
    Credential(String accessKeyId, String date, String region, String service) {
      this(accessKeyId, date, region, service, "", "");
    }
  }

  private SigV4() {}

  /** The credential of a well-formed SigV4 header, or null when absent or malformed. */
  static Credential parse(String authorization) {
    if (authorization == null) {
      return null;
    }
    Matcher m = CREDENTIAL.matcher(authorization.trim());
    return m.matches()
        ? new Credential(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6))
        : null;
  }

  /**
   * Whether {@code c}, the parsed Authorization header of {@code ex} with body {@code body}, is a
   * valid signature made with {@code secret}: the canonical request is built again from what
   * arrived (path segments encoded once more, as the SDK signs every service but S3; the query
   * sorted; the signed headers' values trimmed) and signed with the key derived from the secret.
   */
  static boolean verify(HttpExchange ex, byte[] body, Credential c, String secret) {
    String amzDate = ex.getRequestHeaders().getFirst("X-Amz-Date");
    if (amzDate == null || !amzDate.startsWith(c.date())) {
      return false;
    }
    StringBuilder canonical = new StringBuilder();
    canonical.append(ex.getRequestMethod()).append('\n');
    canonical.append(canonicalPath(ex.getRequestURI().getRawPath())).append('\n');
    canonical.append(canonicalQuery(ex.getRequestURI().getRawQuery())).append('\n');
    for (String name : c.signedHeaders().split(";")) {
      List<String> values = ex.getRequestHeaders().get(name);
      if (values == null) {
        return false;
      }
      List<String> trimmed = new ArrayList<>();
      values.forEach(v -> trimmed.add(v.trim().replaceAll(" +", " ")));
      canonical.append(name).append(':').append(String.join(",", trimmed)).append('\n');
    }
    canonical.append('\n').append(c.signedHeaders()).append('\n');
    String declared = ex.getRequestHeaders().getFirst("X-Amz-Content-Sha256");
    String bodyHash = hex(sha256(body));
    if (declared != null && !declared.equals("UNSIGNED-PAYLOAD") && !declared.equals(bodyHash)) {
      return false;
    }
    canonical.append(declared != null ? declared : bodyHash);
    String scope = c.date() + "/" + c.region() + "/" + c.service() + "/aws4_request";
    String toSign =
        "AWS4-HMAC-SHA256\n"
            + amzDate
            + "\n"
            + scope
            + "\n"
            + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), c.date());
    key = hmac(key, c.region());
    key = hmac(key, c.service());
    key = hmac(key, "aws4_request");
    String expected = hex(hmac(key, toSign));
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        c.signature().getBytes(StandardCharsets.US_ASCII));
  }

  /** Each segment of the raw (already encoded) path encoded once more. */
  static String canonicalPath(String rawPath) {
    if (rawPath == null || rawPath.isEmpty()) {
      return "/";
    }
    String[] segments = rawPath.split("/", -1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) {
        out.append('/');
      }
      out.append(uriEncode(segments[i]));
    }
    return out.toString();
  }

  /** The query's parameters decoded, encoded the SigV4 way, sorted by name then value. */
  static String canonicalQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    List<String[]> params = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = HttpIo.percentDecode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : HttpIo.percentDecode(pair.substring(eq + 1));
      params.add(new String[] {uriEncode(k), uriEncode(v)});
    }
    params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
    List<String> out = new ArrayList<>();
    params.forEach(p -> out.add(p[0] + "=" + p[1]));
    return String.join("&", out);
  }

  /** RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ as %XY (upper-case hex). */
  static String uriEncode(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char ch = (char) (b & 0xff);
      if ((ch >= 'A' && ch <= 'Z')
          || (ch >= 'a' && ch <= 'z')
          || (ch >= '0' && ch <= '9')
          || ch == '-'
          || ch == '_'
          || ch == '.'
          || ch == '~') {
        out.append(ch);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** Throws 403 AccessDeniedException unless the request is signed with {@code allowedKeyId}. */
  static void check(String authorization, String allowedKeyId) {
    check(authorization, allowedKeyId, "finspace");
  }

  /** As {@link #check(String, String)}, for a request to {@code service}. */
  static void check(String authorization, String allowedKeyId, String service) {
    if (allowedKeyId == null) {
      return;
    }
    Credential c = parse(authorization);
    if (c == null) {
      throw ApiException.accessDenied(
          "Missing or malformed SigV4 Authorization header (AWS4-HMAC-SHA256 Credential=...)");
    }
    if (!service.equals(c.service())) {
      throw ApiException.accessDenied(
          "Credential should be scoped to service '" + service + "', not '" + c.service() + "'");
    }
    if (!allowedKeyId.equals(c.accessKeyId())) {
      throw ApiException.accessDenied(
          "The security token included in the request is invalid (access key id "
              + c.accessKeyId()
              + " is not allowed)");
    }
  }
}
