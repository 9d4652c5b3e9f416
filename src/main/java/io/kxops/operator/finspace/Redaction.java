/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes what FinSpace, a proxy in front of it or the AWS SDK says fit to copy into conditions,
 * events and logs: anything shaped like a credential or a request signature is replaced, control
 * characters become spaces, and the text is capped. Such messages sometimes echo the canonical
 * request, the Authorization header or a presigned URL.
 */
public final class Redaction {

  /** The longest message kept, in characters (the hint of its failure is appended after it). */
  public static final int MAX_LENGTH = 1024;

  static final String REDACTED = "[redacted]";

  /** key=value or key: value pairs whose value is a credential or a signature. */
  private static final Pattern SECRET_PARAMETER =
      Pattern.compile(
          "(?i)((?:x-amz-)?(?:credential|signature|security-token|session-token)"
              + "|aws_secret_access_key|aws_session_token|secret_?access_?key|session_?token"
              + "|x-amz-security-token)(\\s*[=:]\\s*)[^\\s&,;\"']+");

  /** AWS access key ids: AKIA (long-term), ASIA (temporary) and the other unique-id prefixes. */
  private static final Pattern ACCESS_KEY_ID =
      Pattern.compile("\\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{12,}\\b");

  /** Hex of a digest or signature. */
  private static final Pattern HEX = Pattern.compile("\\b[0-9a-fA-F]{32,}\\b");

  /** Base64 runs as long as a secret access key or a session token. */
  private static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9/+=]{40,}");

  private static final List<Pattern> WHOLE = List.of(ACCESS_KEY_ID, HEX);

  private Redaction() {}

  /** {@code message} without credentials, signatures or control characters, at most capped. */
  public static String clean(String message) {
    if (message == null) {
      return null;
    }
    // Cap first (generously), so that the patterns never scan megabytes.
    String s = message.length() > 8 * MAX_LENGTH ? message.substring(0, 8 * MAX_LENGTH) : message;
    s = SECRET_PARAMETER.matcher(s).replaceAll("$1$2" + REDACTED);
    for (Pattern p : WHOLE) {
      s = p.matcher(s).replaceAll(REDACTED);
    }
    s = replaceSecretLooking(s);
    s = s.replaceAll("\\p{Cntrl}", " ");
    return cap(s, MAX_LENGTH);
  }

  /** {@code s}, cut to at most {@code max} characters with an ellipsis when it was longer. */
  public static String cap(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    int end = max - 1;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--; // never split a surrogate pair
    }
    return s.substring(0, end) + "…";
  }

  /** Long base64 runs with upper case and digits (not a path of lower-case words). */
  private static String replaceSecretLooking(String s) {
    Matcher m = BASE64_RUN.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String run = m.group();
      boolean secret =
          run.chars().anyMatch(Character::isUpperCase) && run.chars().anyMatch(Character::isDigit);
      m.appendReplacement(out, Matcher.quoteReplacement(secret ? REDACTED : run));
    }
    m.appendTail(out);
    return out.toString();
  }
}
