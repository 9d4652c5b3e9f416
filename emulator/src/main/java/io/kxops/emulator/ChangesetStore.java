/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Registered environments and databases, their changesets and the client-token index. One lock
 * guards it all: the work under it is a few map operations, and one lock makes the token check, the
 * concurrency check and the insert atomic, which "exactly one changeset per token" needs.
 */
final class ChangesetStore {

  /** How long a client token protects against a second changeset (AWS: "expires in 10 minutes"). */
  static final long TOKEN_TTL_MILLIS = Duration.ofMinutes(10).toMillis();

  private static final char[] ID_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
  private static final int ID_LENGTH = 22;

  /**
   * One database: its changesets in creation order, the one that finishes last, and the count of
   * those in flight (created, not final): the current ones by finalAt as of the last create, and
   * the most ever at once.
   */
  private static final class Db {
    final String environmentId;
    final String databaseName;
    final ArrayList<Changeset> changesets = new ArrayList<>();
    Changeset finishesLast;
    final PriorityQueue<Changeset> inFlight =
        new PriorityQueue<>(Comparator.comparingLong((Changeset c) -> c.finalAt));
    long inFlightCountedAt = Long.MIN_VALUE;
    int maxInFlight;
    long maxInFlightAt;
    // Index in changesets of the create that reached maxInFlight.
    int maxInFlightIndex = -1;

    Db(String environmentId, String databaseName) {
      this.environmentId = environmentId;
      this.databaseName = databaseName;
    }
  }

  /** One page of ListKxChangesets. */
  record Page(List<Changeset> changesets, String nextToken) {}

  private final Map<String, Map<String, Db>> environments = new TreeMap<>();
  private final Map<String, Changeset> byId = new HashMap<>();
  private final Map<String, Changeset> byToken = new HashMap<>();

  synchronized void registerEnvironment(String environmentId) {
    environments.computeIfAbsent(environmentId, e -> new TreeMap<>());
  }

  synchronized void registerDatabase(String environmentId, String databaseName) {
    environments
        .computeIfAbsent(environmentId, e -> new TreeMap<>())
        .computeIfAbsent(databaseName, d -> new Db(environmentId, databaseName));
  }

  /** Environment → database → number of changesets, sorted. */
  synchronized Map<String, Map<String, Integer>> databases() {
    Map<String, Map<String, Integer>> out = new TreeMap<>();
    environments.forEach(
        (env, dbs) -> {
          Map<String, Integer> m = new TreeMap<>();
          dbs.forEach((name, db) -> m.put(name, db.changesets.size()));
          out.put(env, m);
        });
    return out;
  }

  /** Creates a changeset, or returns the earlier one its client token still protects. */
  synchronized Changeset create(
      String environmentId,
      String databaseName,
      List<ChangesetView.Request> requests,
      String clientToken,
      long now,
      Lifecycle.Settings settings) {
    Db db = requireDatabase(environmentId, databaseName);

    Changeset earlier = byToken.get(clientToken);
    if (earlier != null && now - earlier.createdAt < TOKEN_TTL_MILLIS) {
      if (earlier.sameRequest(environmentId, databaseName, requests)) {
        return earlier;
      }
      throw ApiException.conflict(
          "clientToken '"
              + clientToken
              + "' was already used within the last 10 minutes for a different request"
              + " (changeset "
              + earlier.id
              + " in "
              + earlier.environmentId
              + "/"
              + earlier.databaseName
              + ")",
          "IDEMPOTENT_PARAMETER_MISMATCH");
    }

    ConcurrencyPolicy policy = settings.concurrencyOf(environmentId, databaseName);
    Changeset inFlight =
        db.finishesLast != null && !db.finishesLast.isFinal(now) ? db.finishesLast : null;
    if (policy == ConcurrencyPolicy.REJECT && inFlight != null) {
      throw ApiException.conflict(
          "Changeset "
              + inFlight.id
              + " of database "
              + databaseName
              + " is still in progress; wait until it is COMPLETED or FAILED",
          "CHANGESET_IN_PROGRESS");
    }

    long processingAt = now + settings.pending().toMillis();
    if (policy == ConcurrencyPolicy.QUEUE && inFlight != null) {
      processingAt = Math.max(processingAt, inFlight.finalAt);
    }
    long finalAt = processingAt + settings.processing().toMillis();
    FailureRule rule = matchingRule(settings.failureRules(), environmentId, databaseName, requests);

    Changeset c =
        new Changeset(
            newId(),
            db.environmentId,
            db.databaseName,
            requests,
            clientToken,
            now,
            processingAt,
            finalAt,
            rule == null ? null : rule.errorType(),
            rule == null ? null : rule.errorMessage());
    db.changesets.add(c);
    if (db.finishesLast == null || c.finalAt >= db.finishesLast.finalAt) {
      db.finishesLast = c;
    }
    countInFlight(db, c, now);
    byId.put(c.id, c);
    byToken.put(clientToken, c);
    return c;
  }

  synchronized Changeset get(String environmentId, String databaseName, String changesetId) {
    requireDatabase(environmentId, databaseName);
    Changeset c = byId.get(changesetId);
    if (c == null
        || !c.environmentId.equals(environmentId)
        || !c.databaseName.equals(databaseName)) {
      throw ApiException.notFound(
          "Changeset "
              + changesetId
              + " not found in database "
              + databaseName
              + " of environment "
              + environmentId);
    }
    return c;
  }

  /** A page of a database's changesets, oldest first; the opaque token encodes the offset. */
  synchronized Page list(String environmentId, String databaseName, String nextToken, int limit) {
    Db db = requireDatabase(environmentId, databaseName);
    int offset = nextToken == null ? 0 : decodeToken(nextToken, db);
    int end = Math.min(db.changesets.size(), offset + limit);
    List<Changeset> page = new ArrayList<>(db.changesets.subList(offset, end));
    return new Page(page, end < db.changesets.size() ? encodeToken(end, db) : null);
  }

  synchronized List<Changeset> changesets(String environmentId, String databaseName) {
    Map<String, Db> dbs = environments.get(environmentId);
    Db db = dbs == null ? null : dbs.get(databaseName);
    return db == null ? List.of() : List.copyOf(db.changesets);
  }

  synchronized Changeset byId(String changesetId) {
    return byId.get(changesetId);
  }

  /** Every client token → the ids of all changesets created with it, in creation order. */
  synchronized Map<String, List<String>> idsByClientToken() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map<String, Db> dbs : environments.values()) {
      for (Db db : dbs.values()) {
        for (Changeset c : db.changesets) {
          out.computeIfAbsent(c.clientToken, t -> new ArrayList<>()).add(c.id);
        }
      }
    }
    out.replaceAll((t, ids) -> List.copyOf(ids));
    return out;
  }

  /** Every registered database's most changesets in flight at once, sorted by env and name. */
  synchronized List<InFlightPeak> inFlightPeaks() {
    List<InFlightPeak> out = new ArrayList<>();
    for (Map<String, Db> dbs : environments.values()) {
      for (Db db : dbs.values()) {
        out.add(peak(db));
      }
    }
    return out;
  }

  /** One database's most changesets in flight at once (max 0 if unknown). */
  synchronized InFlightPeak inFlightPeak(String environmentId, String databaseName) {
    Map<String, Db> dbs = environments.get(environmentId);
    Db db = dbs == null ? null : dbs.get(databaseName);
    return db == null
        ? new InFlightPeak(environmentId, databaseName, 0, null, List.of())
        : peak(db);
  }

  synchronized int size() {
    return byId.size();
  }

  /** Forgets one database's changesets and their tokens; it stays registered, as if new. */
  synchronized void forgetChangesets(String environmentId, String databaseName) {
    Map<String, Db> dbs = environments.get(environmentId);
    Db db = dbs == null ? null : dbs.get(databaseName);
    if (db == null) {
      return;
    }
    for (Changeset c : db.changesets) {
      byId.remove(c.id);
      byToken.remove(c.clientToken, c);
    }
    dbs.put(databaseName, new Db(environmentId, databaseName));
  }

  /** Forgets everything: changesets, tokens, environments and databases. */
  synchronized void clear() {
    environments.clear();
    byId.clear();
    byToken.clear();
  }

  /**
   * Counts the changesets of {@code db} in flight right after {@code created} was added. The clock
   * moving forward only ends changesets, so those final by now leave the queue; when it moved back,
   * changesets final before may be in flight again, and the set is counted afresh.
   */
  private static void countInFlight(Db db, Changeset created, long now) {
    if (now < db.inFlightCountedAt) {
      db.inFlight.clear();
      for (Changeset c : db.changesets) {
        if (!c.isFinal(now)) {
          db.inFlight.add(c);
        }
      }
    } else {
      while (!db.inFlight.isEmpty() && db.inFlight.peek().isFinal(now)) {
        db.inFlight.poll();
      }
      if (!created.isFinal(now)) {
        db.inFlight.add(created);
      }
    }
    db.inFlightCountedAt = now;
    if (db.inFlight.size() > db.maxInFlight) {
      db.maxInFlight = db.inFlight.size();
      db.maxInFlightAt = now;
      db.maxInFlightIndex = db.changesets.size() - 1;
    }
  }

  private static InFlightPeak peak(Db db) {
    if (db.maxInFlight == 0) {
      return new InFlightPeak(db.environmentId, db.databaseName, 0, null, List.of());
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i <= db.maxInFlightIndex; i++) {
      Changeset c = db.changesets.get(i);
      if (!c.isFinal(db.maxInFlightAt)) {
        ids.add(c.id);
      }
    }
    return new InFlightPeak(
        db.environmentId,
        db.databaseName,
        db.maxInFlight,
        Instant.ofEpochMilli(db.maxInFlightAt),
        ids);
  }

  private Db requireDatabase(String environmentId, String databaseName) {
    Map<String, Db> dbs = environments.get(environmentId);
    if (dbs == null) {
      throw ApiException.notFound("Environment " + environmentId + " not found");
    }
    Db db = dbs.get(databaseName);
    if (db == null) {
      throw ApiException.notFound(
          "Database " + databaseName + " not found in environment " + environmentId);
    }
    return db;
  }

  private static FailureRule matchingRule(
      List<FailureRule> rules, String env, String db, List<ChangesetView.Request> requests) {
    for (FailureRule rule : rules) {
      for (ChangesetView.Request r : requests) {
        if (rule.matches(env, db, r.s3Path())) {
          return rule;
        }
      }
    }
    return null;
  }

  private String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] id = new char[ID_LENGTH];
    String s;
    do {
      for (int i = 0; i < id.length; i++) {
        id[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
      }
      s = new String(id);
    } while (byId.containsKey(s));
    return s;
  }

  // The token names its database so that a token of another database is rejected, not misread.
  private static String encodeToken(int offset, Db db) {
    String raw = "v1:" + offset + ":" + Integer.toHexString(databaseHash(db));
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static int decodeToken(String token, Db db) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = raw.split(":", -1);
      if (parts.length == 3
          && parts[0].equals("v1")
          && parts[2].equals(Integer.toHexString(databaseHash(db)))) {
        int offset = Integer.parseInt(parts[1]);
        if (offset >= 0 && offset <= db.changesets.size()) {
          return offset;
        }
      }
    } catch (IllegalArgumentException e) {
      // fall through: not base64 or not a number
    }
    throw ApiException.validation(
        "nextToken: is not a valid pagination token for database " + db.databaseName);
  }

  private static int databaseHash(Db db) {
    return (db.environmentId + "\u0000" + db.databaseName).hashCode();
  }
}
