/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Small HTTP helpers shared by the API and admin handlers. */
final class HttpIo {
  static final int MAX_BODY_BYTES = 1 << 20;

  private HttpIo() {}

  /** A request id shaped like AWS's (a UUID); ThreadLocalRandom avoids SecureRandom contention. */
  static String requestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = r.nextLong();
    long lo = r.nextLong();
    hi = (hi & ~0xF000L) | 0x4000L; // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
    return new java.util.UUID(hi, lo).toString();
  }

  static void send(HttpExchange ex, int status, byte[] body, String requestId) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.getResponseHeaders().set("x-amzn-RequestId", requestId);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Reads the request body; a body over 1 MiB is refused rather than buffered. */
  static byte[] readBody(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        if (out.size() + n > MAX_BODY_BYTES) {
          throw new IllegalArgumentException("request body larger than 1 MiB");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }

  /**
   * Percent-decodes a path segment or query component as UTF-8. Unlike URLDecoder it leaves '+'
   * alone: the SDK sends a literal '+' as %2B and a space as %20.
   */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    int i = 0;
    while (i < s.length()) {
      if (s.charAt(i) == '%') {
        int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
        int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("malformed percent-encoding in '" + s + "'");
        }
        out.write(hi * 16 + lo);
        i += 3;
      } else {
        int next = s.indexOf('%', i);
        int end = next < 0 ? s.length() : next;
        byte[] b = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        i = end;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The decoded query parameters; the first value wins. */
  static Map<String, String> query(String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = percentDecode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : percentDecode(pair.substring(eq + 1));
      params.putIfAbsent(key, value);
    }
    return params;
  }
}
