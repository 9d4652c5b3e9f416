/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.testing;

import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.finspace.Operation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stateful in-memory FinSpace for unit tests: databases must be registered, client tokens protect
 * for 10 minutes of the given clock, statuses move only when the test says so, and the next calls
 * of an operation can be made to fail.
 */
public final class FakeFinSpace implements FinSpace {

  public static final Duration TOKEN_LIFETIME = Duration.ofMinutes(10);

  private final Clock clock;
  private final Map<String, Map<String, Changeset>> byDatabase = new HashMap<>();
  private final Map<String, Token> tokens = new HashMap<>();
  private final Map<Operation, Deque<FinSpaceException>> failures = new EnumMap<>(Operation.class);
  private final Map<Operation, AtomicInteger> calls = new EnumMap<>(Operation.class);
  private final AtomicInteger ids = new AtomicInteger();
  private String createdStatus = "PENDING";
  private Runnable afterNextList = () -> {};

  private record Token(String changesetId, String databaseKey, Instant issued) {}

  /** Client token of each changeset the operator created (injected ones have none). */
  private final Map<String, String> tokenOf = new HashMap<>();

  public FakeFinSpace(Clock clock) {
    this.clock = clock;
    for (Operation op : Operation.values()) {
      failures.put(op, new ArrayDeque<>());
      calls.put(op, new AtomicInteger());
    }
  }

  public synchronized void registerDatabase(DatabaseRef db) {
    byDatabase.putIfAbsent(db.key(), new LinkedHashMap<>());
  }

  /** The next call of {@code op} throws {@code e} (queued: call repeatedly for more). */
  public synchronized void failNext(Operation op, FinSpaceException e) {
    failures.get(op).add(e);
  }

  /**
   * Every create with {@code clientToken} throws {@code e} until called again with null (a
   * namespace whose role STS refuses, say), whatever other creates do.
   */
  public synchronized void refuseCreatesWith(String clientToken, FinSpaceException e) {
    if (e == null) {
      refusedTokens.remove(clientToken);
    } else {
      refusedTokens.put(clientToken, e);
    }
  }

  private final Map<String, FinSpaceException> refusedTokens = new HashMap<>();

  /** The status new changesets are created in; null: FinSpace's answer carries none. */
  public synchronized void createdStatus(String status) {
    createdStatus = status;
  }

  /** Runs {@code action} inside the next List, after FinSpace's changesets have been read. */
  public synchronized void afterNextList(Runnable action) {
    afterNextList = action;
  }

  /** Moves a changeset to {@code status}; COMPLETED sets activeFromTimestamp. */
  public synchronized void setStatus(String id, String status, String errorType, String message) {
    for (Map<String, Changeset> db : byDatabase.values()) {
      Changeset c = db.get(id);
      if (c != null) {
        Instant now = clock.instant();
        db.put(
            id,
            new Changeset(
                id,
                status,
                errorType,
                message,
                c.changeRequests(),
                c.createdTimestamp(),
                now,
                Changeset.COMPLETED.equals(status) ? now : null));
        return;
      }
    }
    throw new IllegalArgumentException("no changeset " + id);
  }

  public void setStatus(String id, String status) {
    setStatus(id, status, null, null);
  }

  /** Puts a changeset into FinSpace as if someone else (or an earlier attempt) created it. */
  public synchronized Changeset inject(DatabaseRef db, List<ChangeRequest> requests, Instant at) {
    String id = nextId();
    Changeset c = new Changeset(id, "PENDING", null, null, List.copyOf(requests), at, at, null);
    database(db).put(id, c);
    return c;
  }

  public synchronized List<Changeset> changesets(DatabaseRef db) {
    return new ArrayList<>(database(db).values());
  }

  /** The client token changeset {@code id} was created with, or null. */
  public synchronized String tokenOf(String id) {
    return tokenOf.get(id);
  }

  /** How many changesets were created with {@code clientToken}. */
  public synchronized long createdWith(String clientToken) {
    return tokenOf.values().stream().filter(clientToken::equals).count();
  }

  /** Every changeset of every database. */
  public synchronized List<Changeset> all() {
    List<Changeset> out = new ArrayList<>();
    byDatabase.values().forEach(m -> out.addAll(m.values()));
    return out;
  }

  /** The databases' keys, each with its changesets that are not final. */
  public synchronized Map<String, List<Changeset>> inFlightByDatabase() {
    Map<String, List<Changeset>> out = new HashMap<>();
    byDatabase.forEach(
        (k, m) -> out.put(k, m.values().stream().filter(c -> !c.isFinal()).toList()));
    return out;
  }

  public int calls(Operation op) {
    return calls.get(op).get();
  }

  @Override
  public synchronized Changeset create(
      DatabaseRef db, List<ChangeRequest> requests, String clientToken, Instant sendBy) {
    // The send deadline is the caller's (SdkFinSpace checks it on the operator's clock); tests that
    // model it check it in their own FinSpace wrapper.
    enter(Operation.CREATE);
    if (refusedTokens.containsKey(clientToken)) {
      throw refusedTokens.get(clientToken);
    }
    Map<String, Changeset> changesets = database(db, Operation.CREATE);
    Instant now = clock.instant();
    Token t = tokens.get(clientToken);
    if (t != null && Duration.between(t.issued(), now).compareTo(TOKEN_LIFETIME) < 0) {
      Changeset earlier = byDatabase.get(t.databaseKey()).get(t.changesetId());
      if (t.databaseKey().equals(db.key()) && earlier.changeRequests().equals(requests)) {
        return earlier;
      }
      throw FinSpaceException.of(
          Operation.CREATE,
          "ConflictException",
          "IDEMPOTENT_PARAMETER_MISMATCH",
          409,
          "CreateKxChangeset: clientToken was already used for a different request (changeset "
              + earlier.id()
              + ")",
          null);
    }
    String id = nextId();
    Changeset c =
        new Changeset(id, createdStatus, null, null, List.copyOf(requests), now, now, null);
    changesets.put(id, c);
    tokens.put(clientToken, new Token(id, db.key(), now));
    tokenOf.put(id, clientToken);
    return c;
  }

  @Override
  public synchronized Changeset get(DatabaseRef db, String changesetId) {
    enter(Operation.GET);
    Changeset c = database(db, Operation.GET).get(changesetId);
    if (c == null) {
      throw FinSpaceErrors.of(Operation.GET, "ResourceNotFoundException", 404);
    }
    return c;
  }

  @Override
  public synchronized List<ChangesetSummary> list(DatabaseRef db) {
    enter(Operation.LIST);
    List<ChangesetSummary> out =
        database(db, Operation.LIST).values().stream()
            .map(c -> new ChangesetSummary(c.id(), c.status(), c.createdTimestamp()))
            .toList();
    Runnable action = afterNextList;
    afterNextList = () -> {};
    action.run();
    return out;
  }

  private void enter(Operation op) {
    calls.get(op).incrementAndGet();
    FinSpaceException e = failures.get(op).poll();
    if (e != null) {
      throw e;
    }
  }

  private Map<String, Changeset> database(DatabaseRef db) {
    return database(db, Operation.CREATE);
  }

  private Map<String, Changeset> database(DatabaseRef db, Operation op) {
    Map<String, Changeset> m = byDatabase.get(db.key());
    if (m == null) {
      throw FinSpaceErrors.of(op, "ResourceNotFoundException", 404);
    }
    return m;
  }

  private String nextId() {
    return String.format("cs%020d", ids.incrementAndGet());
  }
}
