/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the access key id from a SigV4 Authorization header. The signature itself is not verified:
 * the emulator only checks that the request is signed for service {@code finspace} with an allowed
 * key id, which is what a test of credential wiring needs.
 */
final class SigV4 {
  private static final Pattern CREDENTIAL =
      Pattern.compile(
          "^AWS4-HMAC-SHA256\\s+Credential=([^/,\\s]+)/(\\d{8})/([^/,\\s]+)/([^/,\\s]+)/aws4_request\\s*,"
              + ".*SignedHeaders=[^,\\s]+.*Signature=[0-9a-f]{64}.*$");

  /** The signing scope of a parsed header. */
  record Credential(String accessKeyId, String date, String region, String service) {}

  private SigV4() {}

  /** The credential of a well-formed SigV4 header, or null when absent or malformed. */
  static Credential parse(String authorization) {
    if (authorization == null) {
      return null;
    }
    Matcher m = CREDENTIAL.matcher(authorization.trim());
    return m.matches() ? new Credential(m.group(1), m.group(2), m.group(3), m.group(4)) : null;
  }

  /** Throws 403 AccessDeniedException unless the request is signed with {@code allowedKeyId}. */
  static void check(String authorization, String allowedKeyId) {
    if (allowedKeyId == null) {
      return;
    }
    Credential c = parse(authorization);
    if (c == null) {
      throw ApiException.accessDenied(
          "Missing or malformed SigV4 Authorization header (AWS4-HMAC-SHA256 Credential=...)");
    }
    if (!"finspace".equals(c.service())) {
      throw ApiException.accessDenied(
          "Credential should be scoped to service 'finspace', not '" + c.service() + "'");
    }
    if (!allowedKeyId.equals(c.accessKeyId())) {
      throw ApiException.accessDenied(
          "The security token included in the request is invalid (access key id "
              + c.accessKeyId()
              + " is not allowed)");
    }
  }
}
