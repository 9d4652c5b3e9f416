/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks every constraint of the service model on the server side, because neither SDK does (the
 * SDK clients send out-of-range values unchecked, so the server is the only place). Each violation
 * message names the field, e.g. {@code changeRequests[1].dbPath: must start and end with '/'};
 * indexes are 0-based; all violations of a request are reported together, separated by "; ".
 */
final class Validator {

  // Smithy patterns are not implicitly anchored: ".*\S.*" means "contains a non-blank character".
  static final Pattern NON_BLANK = Pattern.compile("\\S");
  static final Pattern DATABASE_NAME = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9-_]*[a-zA-Z0-9]$");
  static final Pattern S3_PATH =
      Pattern.compile("^s3:\\/\\/[a-z0-9][a-z0-9-.]{1,61}[a-z0-9]\\/([^\\/]+\\/)*[^\\/]*$");
  static final Pattern DB_PATH = Pattern.compile("^(\\*)*[\\/\\?\\*]([^\\/]+\\/){0,2}[^\\/]*$");
  static final Pattern CLIENT_TOKEN = Pattern.compile("^[a-zA-Z0-9-]+$");
  static final Pattern CHANGESET_ID = Pattern.compile("^[a-zA-Z0-9]+$");

  static final int MAX_CHANGE_REQUESTS = 32;
  static final int MAX_RESULTS = 100;

  /** A validated Create body. */
  record CreateInput(List<ChangesetView.Request> requests, String clientToken) {}

  private final List<String> violations = new ArrayList<>();

  private Validator() {}

  static void checkEnvironment(String environmentId) {
    Validator v = new Validator();
    v.environment(environmentId);
    v.throwIfAny();
  }

  static void checkDatabase(String environmentId, String databaseName) {
    Validator v = new Validator();
    v.labels(environmentId, databaseName);
    v.throwIfAny();
  }

  static void checkGet(String environmentId, String databaseName, String changesetId) {
    Validator v = new Validator();
    v.labels(environmentId, databaseName);
    v.length("changesetId", changesetId, 1, 26);
    v.pattern("changesetId", changesetId, CHANGESET_ID);
    v.throwIfAny();
  }

  /** Returns the page size asked for (0 or absent = the default), or throws. */
  static int checkList(
      String environmentId, String databaseName, String maxResults, String nextToken) {
    Validator v = new Validator();
    v.labels(environmentId, databaseName);
    int limit = 0;
    if (maxResults != null) {
      try {
        limit = Integer.parseInt(maxResults.trim());
      } catch (NumberFormatException e) {
        limit = -1;
      }
      v.require(limit >= 0 && limit <= MAX_RESULTS, "maxResults: must be an integer from 0 to 100");
    }
    if (nextToken != null) {
      v.length("nextToken", nextToken, 1, 1000);
    }
    v.throwIfAny();
    return limit;
  }

  static CreateInput checkCreate(String environmentId, String databaseName, JsonNode body) {
    Validator v = new Validator();
    v.labels(environmentId, databaseName);
    List<ChangesetView.Request> requests = new ArrayList<>();
    JsonNode list = body.get("changeRequests");
    if (list == null || list.isNull()) {
      v.violations.add("changeRequests: is required");
    } else if (!list.isArray()) {
      v.violations.add("changeRequests: must be a list");
    } else {
      v.require(
          list.size() >= 1 && list.size() <= MAX_CHANGE_REQUESTS,
          "changeRequests: must have from 1 to 32 items, has " + list.size());
      for (int i = 0; i < list.size(); i++) {
        requests.add(v.changeRequest("changeRequests[" + i + "]", list.get(i)));
      }
    }
    String token = v.string(body, "clientToken", "clientToken");
    if (token == null) {
      v.violations.add("clientToken: is required");
    } else {
      v.length("clientToken", token, 1, 64);
      v.pattern("clientToken", token, CLIENT_TOKEN);
    }
    v.throwIfAny();
    return new CreateInput(List.copyOf(requests), token);
  }

  private ChangesetView.Request changeRequest(String field, JsonNode node) {
    if (node == null || !node.isObject()) {
      violations.add(field + ": must be an object");
      return null;
    }
    String type = string(node, "changeType", field + ".changeType");
    String s3Path = string(node, "s3Path", field + ".s3Path");
    String dbPath = string(node, "dbPath", field + ".dbPath");

    if (type == null) {
      violations.add(field + ".changeType: is required");
    } else if (type.equals("PUT")) {
      type = "PUT"; // share one instance across all stored requests
    } else if (type.equals("DELETE")) {
      type = "DELETE";
    } else {
      violations.add(field + ".changeType: must be one of PUT, DELETE");
    }

    if (s3Path == null) {
      require(!"PUT".equals(type), field + ".s3Path: is required for PUT");
    } else if ("DELETE".equals(type)) {
      violations.add(field + ".s3Path: must not be set for DELETE");
    } else {
      length(field + ".s3Path", s3Path, 9, 1093);
      pattern(field + ".s3Path", s3Path, S3_PATH);
    }

    if (dbPath == null) {
      violations.add(field + ".dbPath: is required");
    } else {
      length(field + ".dbPath", dbPath, 1, 1025);
      pattern(field + ".dbPath", dbPath, DB_PATH);
      require(
          dbPath.length() >= 1 && dbPath.startsWith("/") && dbPath.endsWith("/"),
          field + ".dbPath: must start and end with '/'");
    }
    return new ChangesetView.Request(type, s3Path, dbPath);
  }

  private void labels(String environmentId, String databaseName) {
    environment(environmentId);
    length("databaseName", databaseName, 3, 63);
    pattern("databaseName", databaseName, DATABASE_NAME);
  }

  private void environment(String environmentId) {
    length("environmentId", environmentId, 1, 32);
    require(
        NON_BLANK.matcher(environmentId).find(),
        "environmentId: must contain a non-whitespace character");
  }

  /** A string member; JSON null counts as absent (restJson1), other types are violations. */
  private String string(JsonNode parent, String member, String field) {
    JsonNode n = parent.get(member);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      violations.add(field + ": must be a string");
      return null;
    }
    return n.textValue();
  }

  // Smithy's length counts Unicode code points, not UTF-16 chars.
  private void length(String field, String value, int min, int max) {
    int n = value.codePointCount(0, value.length());
    require(
        n >= min && n <= max, field + ": length must be from " + min + " to " + max + ", is " + n);
  }

  private void pattern(String field, String value, Pattern p) {
    require(p.matcher(value).matches(), field + ": must match the pattern " + p.pattern());
  }

  private void require(boolean ok, String violation) {
    if (!ok) {
      violations.add(violation);
    }
  }

  private void throwIfAny() {
    if (!violations.isEmpty()) {
      throw ApiException.validation(String.join("; ", violations));
    }
  }
}
