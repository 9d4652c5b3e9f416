/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Caller;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.status.ResourceCheck;
import io.kxops.operator.status.StatusMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * REFUSE_REPEATED_HISTORY: before a create intent is recorded, looks for a changeset of the
 * database, created before the resource, that holds exactly the resource's change requests and is
 * COMPLETED or still running. Such a resource is most likely history applied again (a rebuilt
 * cluster, a backup restored without status), not a new change; it is refused ({@link
 * Reasons#REPEATS_HISTORY}) until a person imports the changeset or confirms the re-run with {@link
 * #ANNOTATION}.
 *
 * <p>Cost: ListKxChangesets carries no requests, so every changeset is read once (GetKxChangeset)
 * and its digest kept for the life of the process ({@link HistoryCache}). A List is reused for
 * every resource created at most {@link #APPLIED_TOGETHER} after the newest KxChangeset of the
 * database this process saw before the List started, so a burst applied at once costs one List per
 * database and caller; checks of one database take turns, so that concurrent ones share it. Only a
 * List made as the resource's own caller (its namespace and role) is reused for it: a role that may
 * not read the database must fail there, before any create intent is recorded, and not on a create
 * sent with another namespace's List (a create FinSpace denied keeps its intent, and with it the
 * database's slot). What it shows is completed by what this process itself created or polled since.
 * A refusal never rests on a reused List: it is made again for it (what ran may have failed since).
 *
 * <p>So every changeset created before the resource is seen, except one created by another client
 * less than {@link #APPLIED_TOGETHER} before the resource, after the List in use: made while the
 * resource was being applied, which is a burst, not history. The window is measured on one clock,
 * the API server's (creation timestamps): a resource seen before the List started was created
 * before it, whatever the operator's own clock says (it may run ahead, or jump).
 */
final class RepeatCheck {

  /**
   * Confirms a deliberate re-run: its value must be the id of the changeset the refusal names (the
   * newest that holds the same requests), so that an annotation kept in Git cannot re-run a later
   * one unseen — after a rebuild, the resource's own earlier run is newer than what it names.
   */
  static final String ANNOTATION = "finspace.kxops.io/allow-rerun-of";

  /**
   * How long after the newest resource seen before a List started another resource may have been
   * created and still be checked against that List: resources applied together (one {@code kubectl
   * apply}, one sync) share one List.
   */
  static final Duration APPLIED_TOGETHER = Duration.ofSeconds(10);

  /** How a refusal's condition message begins; the id that follows is the one to confirm. */
  static final String PREFIX = "spec.changeRequests repeat FinSpace changeset ";

  private static final Pattern REPEATED = Pattern.compile(Pattern.quote(PREFIX) + "(\\S+)");

  /**
   * The newest changeset created before the resource with the same requests, and how many such
   * changesets there are.
   */
  record Repeat(ChangesetSummary newest, int count) {}

  private final HistoryCache cache = new HistoryCache();

  /**
   * The changeset {@code r}'s requests repeat, if any, read as {@code caller} through {@code api}.
   * Throws FinSpace's failures as they come: no answer is no permission to create.
   *
   * @param seen the database's KxChangesets in this process's view, read before this call: each was
   *     created before any List this call starts
   */
  Optional<Repeat> find(
      KxChangeset r, DatabaseRef db, List<KxChangeset> seen, Caller caller, FinSpace api) {
    Instant created = ResourceCheck.parse(r.getMetadata().getCreationTimestamp());
    if (created == null) {
      return Optional.empty(); // the API server always sets it; nothing was created before "never"
    }
    String digest = Intents.digest(r.getSpec().getChangeRequests());
    Instant newestSeen = newest(created, seen);
    HistoryCache.Database memory = cache.of(db.key());
    synchronized (memory) {
      HistoryCache.Listing listing = memory.last(caller);
      boolean reused = covers(listing, created);
      if (!reused) {
        listing = list(memory, db, newestSeen, caller, api);
      }
      Optional<Repeat> repeat = match(created, digest, listing, memory, db, api);
      if (repeat.isPresent() && reused) {
        repeat = match(created, digest, list(memory, db, newestSeen, caller, api), memory, db, api);
      }
      return repeat;
    }
  }

  private static HistoryCache.Listing list(
      HistoryCache.Database memory,
      DatabaseRef db,
      Instant newestSeen,
      Caller caller,
      FinSpace api) {
    HistoryCache.Listing listing = new HistoryCache.Listing(newestSeen, api.list(db));
    memory.last(caller, listing);
    return listing;
  }

  /** The changesets created before {@code created} with the digest {@code digest}, newest first. */
  private static Optional<Repeat> match(
      Instant created,
      String digest,
      HistoryCache.Listing listing,
      HistoryCache.Database memory,
      DatabaseRef db,
      FinSpace api) {
    List<ChangesetSummary> before =
        memory.with(listing.entries()).stream()
            .filter(e -> createdBefore(e, created))
            .filter(e -> !Changeset.FAILED.equals(e.status()))
            .sorted(NEWEST_FIRST)
            .toList();
    List<ChangesetSummary> same = new ArrayList<>();
    for (ChangesetSummary e : before) {
      String known = memory.digest(e.id());
      if (known == null) {
        Changeset cs = api.get(db, e.id());
        known = Intents.digest(cs.changeRequests());
        memory.digest(e.id(), known);
      }
      if (known.equals(digest)) {
        same.add(e);
      }
    }
    return same.isEmpty() ? Optional.empty() : Optional.of(new Repeat(same.get(0), same.size()));
  }

  /**
   * Remembers the requests of a changeset FinSpace answered with (a create, a poll): the next check
   * of its database need not read it again.
   */
  void remember(DatabaseRef db, Changeset cs) {
    if (cs.changeRequests() != null && !cs.changeRequests().isEmpty()) {
      HistoryCache.Database memory = cache.of(db.key());
      memory.digest(cs.id(), Intents.digest(cs.changeRequests()));
      memory.made(new ChangesetSummary(cs.id(), cs.status(), cs.createdTimestamp()));
    }
  }

  /** True when {@code listing} may be used for a resource created at {@code created}. */
  private static boolean covers(HistoryCache.Listing listing, Instant created) {
    return listing != null && !created.isAfter(listing.newestSeen().plus(APPLIED_TOGETHER));
  }

  /** The newest creationTimestamp of {@code r} (created at {@code created}) and {@code seen}. */
  private static Instant newest(Instant created, List<KxChangeset> seen) {
    Instant newest = created;
    for (KxChangeset o : seen) {
      Instant t = ResourceCheck.parse(o.getMetadata().getCreationTimestamp());
      if (t != null && t.isAfter(newest)) {
        newest = t;
      }
    }
    return newest;
  }

  private static boolean createdBefore(ChangesetSummary e, Instant created) {
    return e.createdTimestamp() != null && e.createdTimestamp().isBefore(created);
  }

  private static final Comparator<ChangesetSummary> NEWEST_FIRST =
      Comparator.comparing(ChangesetSummary::createdTimestamp)
          .thenComparing(ChangesetSummary::id)
          .reversed();

  /** True when {@code r}'s {@link #ANNOTATION} confirms re-running {@code repeat}'s changeset. */
  static boolean confirmed(KxChangeset r, Repeat repeat) {
    return repeat.newest().id().equals(annotation(r));
  }

  /** The value of {@link #ANNOTATION}, trimmed, or null. */
  static String annotation(KxChangeset r) {
    Map<String, String> a = r.getMetadata().getAnnotations();
    String v = a == null ? null : a.get(ANNOTATION);
    return v == null || v.isBlank() ? null : v.trim();
  }

  /**
   * True when {@code r} was refused as a repeat of history for its current spec and nothing a
   * person can do to let it go has happened since (a spec edit, or {@link #ANNOTATION} set to the
   * changeset the refusal names): it is left alone, and it holds no turn in its database's queue.
   */
  static boolean refusedAsIs(KxChangeset r) {
    var s = r.getStatus();
    if (s == null || StatusMapper.hasIntent(s) || StatusMapper.hasChangeset(s)) {
      return false;
    }
    var stalled = Conditions.stalledWith(r, Reasons.REPEATS_HISTORY);
    if (stalled == null) {
      return false;
    }
    Long generation = r.getMetadata().getGeneration();
    boolean sameSpec =
        generation == null
            || stalled.getObservedGeneration() == null
            || generation.equals(stalled.getObservedGeneration());
    String named = repeatedId(stalled.getMessage());
    return sameSpec && (named == null || !named.equals(annotation(r)));
  }

  /** The changeset id a refusal's message names, or null. */
  static String repeatedId(String message) {
    if (message == null) {
      return null;
    }
    Matcher m = REPEATED.matcher(message);
    return m.find() ? m.group(1) : null;
  }

  /** The refusal's condition message: what is repeated, and both ways out. */
  static String message(KxChangeset r, DatabaseRef db, Repeat repeat) {
    ChangesetSummary cs = repeat.newest();
    String others =
        repeat.count() > 1
            ? "; " + (repeat.count() - 1) + " earlier changeset(s) hold them too"
            : "";
    String annotated = annotation(r);
    String stale =
        annotated == null
            ? ""
            : " (annotation "
                + ANNOTATION
                + " names "
                + annotated
                + ", not the newest changeset with these requests)";
    return PREFIX
        + cs.id()
        + " of database "
        + db
        + " ("
        + cs.status()
        + ", created "
        + StatusMapper.rfc3339(cs.createdTimestamp())
        + ", before this KxChangeset was created at "
        + r.getMetadata().getCreationTimestamp()
        + others
        + "), so nothing was created: this looks like history applied again (a rebuilt cluster,"
        + " a restored backup)"
        + stale
        + ". If this KxChangeset stands for that changeset, import it: set spec.changesetId: "
        + cs.id()
        + " (or delete this KxChangeset if another one already mirrors it). If running the same requests again is deliberate (the files at the S3 path"
        + " changed), annotate it: "
        + ANNOTATION
        + "="
        + cs.id();
  }
}
