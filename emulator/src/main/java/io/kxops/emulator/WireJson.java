/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes the restJson1 response bodies with exactly the model's members: unset members left out,
 * timestamps as epoch seconds with a millisecond fraction (a JSON number, e.g. 1689193516.836).
 */
final class WireJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private WireJson() {}

  /** Epoch milliseconds as epoch seconds with three decimals: 1689193516836 → "1689193516.836". */
  static String epochSeconds(long millis) {
    long seconds = Math.floorDiv(millis, 1000);
    int fraction = Math.floorMod(millis, 1000);
    return seconds + "." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + fraction;
  }

  /** CreateKxChangesetResponse: has no activeFromTimestamp member. */
  static byte[] createResponse(Changeset c, long now, String inProgressStatus) {
    return write(g -> changeset(g, c, now, inProgressStatus, false));
  }

  /** GetKxChangesetResponse. */
  static byte[] getResponse(Changeset c, long now, String inProgressStatus) {
    return write(g -> changeset(g, c, now, inProgressStatus, true));
  }

  /** ListKxChangesetsResponse: entries with the five list members only. */
  static byte[] listResponse(
      List<Changeset> page, String nextToken, long now, String inProgressStatus) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeArrayFieldStart("kxChangesets");
          for (Changeset c : page) {
            g.writeStartObject();
            g.writeStringField("changesetId", c.id);
            timestamp(g, "createdTimestamp", c.createdAt);
            if (c.completed(now)) {
              timestamp(g, "activeFromTimestamp", c.activeFrom());
            }
            timestamp(g, "lastModifiedTimestamp", c.lastModified(now));
            g.writeStringField("status", c.status(now, inProgressStatus));
            g.writeEndObject();
          }
          g.writeEndArray();
          if (nextToken != null) {
            g.writeStringField("nextToken", nextToken);
          }
          g.writeEndObject();
        });
  }

  /** The error body both SDKs parse: __type, message and, for ConflictException, reason. */
  static byte[] error(ApiException e) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeStringField("__type", e.type);
          g.writeStringField("message", e.getMessage());
          if (e.reason != null) {
            g.writeStringField("reason", e.reason);
          }
          g.writeEndObject();
        });
  }

  private static void changeset(
      JsonGenerator g, Changeset c, long now, String inProgressStatus, boolean withActiveFrom)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("changesetId", c.id);
    g.writeStringField("databaseName", c.databaseName);
    g.writeStringField("environmentId", c.environmentId);
    g.writeArrayFieldStart("changeRequests");
    for (ChangesetView.Request r : c.requests) {
      g.writeStartObject();
      g.writeStringField("changeType", r.changeType());
      if (r.s3Path() != null) {
        g.writeStringField("s3Path", r.s3Path());
      }
      g.writeStringField("dbPath", r.dbPath());
      g.writeEndObject();
    }
    g.writeEndArray();
    timestamp(g, "createdTimestamp", c.createdAt);
    if (withActiveFrom && c.completed(now)) {
      timestamp(g, "activeFromTimestamp", c.activeFrom());
    }
    timestamp(g, "lastModifiedTimestamp", c.lastModified(now));
    g.writeStringField("status", c.status(now, inProgressStatus));
    if (c.failed(now)) {
      g.writeObjectFieldStart("errorInfo");
      g.writeStringField("errorMessage", c.errorMessage);
      g.writeStringField("errorType", c.errorType);
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private static void timestamp(JsonGenerator g, String field, long millis) throws IOException {
    g.writeFieldName(field);
    g.writeNumber(epochSeconds(millis));
  }

  /** A body writer that may throw IOException. */
  interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  static byte[] write(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
