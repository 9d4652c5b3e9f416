/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Caller;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.status.ResourceCheck;
import io.kxops.operator.status.StatusMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconcile rules for one KxChangeset, free of JOSDK and fabric8: the order of the steps a
 * resource goes through, each step a class of its own. Every status write goes through the {@link
 * StatusStore}; a failed FinSpace call is thrown as a {@link ReconcileFailure} (so the reconciler's
 * retry applies) and recorded by {@link #failed}.
 *
 * <p>A resource without a create intent is admitted in this order: {@link AccessGate} (its
 * namespace's access policy), {@link Dependencies} (spec.dependsOn), {@link QueueGate} (the
 * database's limit, under this process's lock), {@link RepeatGate} (REFUSE_REPEATED_HISTORY); then
 * {@link Creation} records the intent, confirms it and creates. A recorded intent is finished by
 * {@link Resumption}, an import by {@link Imports}; {@link Recorder} writes every answer of
 * FinSpace (a changeset created, adopted or polled, a failed call).
 *
 * <p>The create protocol, which both promises rest on:
 *
 * <ol>
 *   <li>Admission is decided under a per-database lock of this process, on a view that includes
 *       this process's own writes: no two threads admit past the limit.
 *   <li>The create intent (target, generation, digest of the requests, token, time) is written
 *       before CreateKxChangeset, with the resource's resourceVersion as precondition. From then on
 *       the API server freezes the spec, and every process counts the resource as in flight.
 *   <li>The intent is confirmed: once this process's watch has delivered it, the view holds every
 *       intent written before it by any process. If the limit is now exceeded (another process
 *       admitted at the same time), the intent is withdrawn before anything reached FinSpace.
 *   <li>A retry of an intent resends exactly what it records, with the same token. When that is not
 *       safe (the token may have expired, the spec no longer matches, or the database is over its
 *       limit), FinSpace is asked whether the intent's create took effect: a changeset created
 *       after the intent with its requests, claimed by no other resource, is adopted; none means
 *       nothing was created; more than one candidate is Stalled for a person to choose.
 * </ol>
 */
public final class ChangesetLogic {

  /**
   * Tunables from the operator configuration.
   *
   * @param confirmTimeout how long a reconcile thread waits for the operator's own watch to deliver
   *     a fresh create intent ({@link #CONFIRM_TIMEOUT} in the operator)
   * @param queueYieldAfter how long a waiting resource may be unable to create (failing, Stalled)
   *     before it gives its turn to the next one ({@link DatabaseQueue})
   * @param refuseRepeatedHistory REFUSE_REPEATED_HISTORY: refuse to create what repeats a changeset
   *     made before the resource ({@link RepeatCheck})
   */
  public record Settings(
      String defaultRegion,
      int maxInFlightPerDatabase,
      Duration adoptAfter,
      Duration accessDeniedStallAfter,
      Duration confirmTimeout,
      Duration queueYieldAfter,
      boolean refuseRepeatedHistory) {

    /** With REFUSE_REPEATED_HISTORY on, its default. */
    public Settings(
        String defaultRegion,
        int maxInFlightPerDatabase,
        Duration adoptAfter,
        Duration accessDeniedStallAfter,
        Duration confirmTimeout,
        Duration queueYieldAfter) {
      this(
          defaultRegion,
          maxInFlightPerDatabase,
          adoptAfter,
          accessDeniedStallAfter,
          confirmTimeout,
          queueYieldAfter,
          true);
    }

    /** With REFUSE_REPEATED_HISTORY set to {@code refuse}. */
    public Settings withRefuseRepeatedHistory(boolean refuse) {
      return new Settings(
          defaultRegion,
          maxInFlightPerDatabase,
          adoptAfter,
          accessDeniedStallAfter,
          confirmTimeout,
          queueYieldAfter,
          refuse);
    }

    /** With the default {@link #QUEUE_YIELD_AFTER}. */
    public Settings(
        String defaultRegion,
        int maxInFlightPerDatabase,
        Duration adoptAfter,
        Duration accessDeniedStallAfter,
        Duration confirmTimeout) {
      this(
          defaultRegion,
          maxInFlightPerDatabase,
          adoptAfter,
          accessDeniedStallAfter,
          confirmTimeout,
          QUEUE_YIELD_AFTER);
    }
  }

  /** The default of QUEUE_YIELD_AFTER. */
  public static final Duration QUEUE_YIELD_AFTER = Duration.ofMinutes(5);

  /**
   * The operator's confirm timeout. Not a setting: a watch that lags longer only delays the create
   * (the intent is withdrawn and the resource retried), and a longer wait would hold a reconcile
   * thread.
   */
  public static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(10);

  /** How far FinSpace's clock may run behind the operator's ({@link Intents#CLOCK_SKEW}). */
  public static final Duration CLOCK_SKEW = Intents.CLOCK_SKEW;

  /** How long FinSpace honours a client token ({@link Intents#TOKEN_LIFETIME}). */
  public static final Duration TOKEN_LIFETIME = Intents.TOKEN_LIFETIME;

  /** How long an intent's create may still be sent with its token ({@link Intents#SEND_WINDOW}). */
  public static final Duration SEND_WINDOW = Intents.SEND_WINDOW;

  /** The annotation that resolves AdoptionAmbiguous ({@link Adoption#ADOPT_ANNOTATION}). */
  public static final String ADOPT_ANNOTATION = Adoption.ADOPT_ANNOTATION;

  /** The adopt annotation's value that creates a new changeset ({@link Adoption#ADOPT_NONE}). */
  public static final String ADOPT_NONE = Adoption.ADOPT_NONE;

  /** The annotation that confirms a deliberate re-run ({@link RepeatCheck#ANNOTATION}). */
  public static final String RERUN_ANNOTATION = RepeatCheck.ANNOTATION;

  private static final Logger LOG = LoggerFactory.getLogger(ChangesetLogic.class);

  private final ClusterView cluster;
  private final Clock clock;
  private final Settings settings;
  private final Targets targets;
  private final FinSpaceCalls calls;
  private final AccessGate access;
  private final Dependencies dependencies;
  private final QueueGate queue;
  private final RepeatGate repeatGate;
  private final Recorder recorder;
  private final Creation creation;
  private final Resumption resumption;
  private final Imports imports;

  /** Without access policies: every namespace may target anything (the protocol's tests). */
  public ChangesetLogic(
      FinSpace finspace, ClusterView cluster, Clock clock, Settings settings, PollSchedule polls) {
    this(finspace, cluster, clock, settings, polls, AccessPolicies.NONE, AccessCheck.Rules.OPEN);
  }

  public ChangesetLogic(
      FinSpace finspace,
      ClusterView cluster,
      Clock clock,
      Settings settings,
      PollSchedule polls,
      AccessPolicies policies,
      AccessCheck.Rules rules) {
    this.cluster = cluster;
    this.clock = clock;
    this.settings = settings;
    this.targets = new Targets(settings.defaultRegion());
    this.calls = new FinSpaceCalls(finspace, policies);
    this.access = new AccessGate(policies, rules, settings.defaultRegion(), polls, clock);
    this.dependencies = new Dependencies(cluster, targets::of, clock, polls);
    this.queue =
        new QueueGate(
            cluster, settings.maxInFlightPerDatabase(), settings.queueYieldAfter(), polls, clock);
    RepeatCheck repeats = new RepeatCheck();
    this.repeatGate = new RepeatGate(repeats, cluster, calls, clock);
    this.recorder =
        new Recorder(calls, targets, repeats, polls, settings.accessDeniedStallAfter(), clock);
    this.creation =
        new Creation(
            cluster,
            queue,
            calls,
            recorder,
            polls,
            clock,
            settings.maxInFlightPerDatabase(),
            settings.confirmTimeout(),
            settings.adoptAfter());
    this.resumption =
        new Resumption(cluster, access, queue, creation, recorder, calls, polls, clock);
    this.imports = new Imports(clock, polls);
  }

  /**
   * The database a resource's changeset goes to: the recorded intent's target once there is one,
   * else the region recorded with its changeset, else the spec's (region defaulting to the
   * operator's).
   */
  public DatabaseRef targetOf(KxChangeset r) {
    return targets.of(r);
  }

  /** One reconciliation. Throws {@link ReconcileFailure} when a FinSpace call fails. */
  public Outcome reconcile(KxChangeset r, StatusStore store) {
    KxChangesetStatus s = r.getStatus();
    Optional<ResourceCheck.Problem> problem = ResourceCheck.problem(r);
    if (problem.isPresent()) {
      LOG.warn("not acted on: {}", problem.get().message());
      store.write(r, StatusMapper.invalid(r, problem.get(), now()));
      return Outcome.idle();
    }
    if (StatusMapper.hasChangeset(s)) {
      return StatusMapper.isFinal(s) ? Outcome.idle() : recorder.poll(r, store);
    }
    if (Imports.requested(r)) {
      // An import sends no create, but it reads the database as the namespace's role: the
      // namespace's access policy applies to it as to any other KxChangeset.
      DatabaseRef db = targetOf(r);
      Optional<Outcome> refused = access.refuse(r, db, store);
      if (refused.isPresent()) {
        return refused.get();
      }
      // A create that may have made the changeset wrote its intent before the changeset existed,
      // so before this resource was created: the view must be at least as fresh as this resource
      // in every namespace. With several watched namespaces each has a watch of its own, and the
      // one that delivered this import says nothing about the others (awaitSeen reads them).
      if (!cluster.awaitSeen(r, settings.confirmTimeout())) {
        return imports.viewBehind(r, db, store);
      }
      // The resources in flight first, then the claims: a create recorded between the two reads
      // is then an unrecorded create in the first or a claim in the second, never in neither.
      List<KxChangeset> inFlight = DatabaseQueue.others(r, cluster.onDatabase(db.key()));
      List<KxChangeset> claims =
          DatabaseQueue.others(r, cluster.claiming(db, Imports.importedId(r)));
      return imports.reconcile(r, db, claims, inFlight, calls.of(r), store);
    }
    if (StatusMapper.hasIntent(s)) {
      return resumption.resume(r, store);
    }
    if (StatusMapper.isRejected(r)) {
      return Outcome.idle(); // FinSpace refused this spec; an edit brings a new generation
    }
    if (settings.refuseRepeatedHistory() && RepeatCheck.refusedAsIs(r)) {
      return Outcome.idle(); // waits for a spec edit or the allow-rerun-of annotation
    }
    return admit(r, store);
  }

  /** No intent yet: queue, or record the intent and create. */
  private Outcome admit(KxChangeset r, StatusStore store) {
    DatabaseRef db = targetOf(r);
    Optional<Outcome> refused = access.refuse(r, db, store);
    if (refused.isPresent()) {
      return refused.get();
    }
    // spec.dependsOn first, outside the database's lock: it may read the API server.
    Optional<Outcome> held = dependencies.hold(r, db, store);
    if (held.isPresent()) {
      return held.get();
    }
    r = Dependencies.released(r);
    if (settings.refuseRepeatedHistory()) {
      // The check reads FinSpace, so it runs outside the admission lock, and only once the queue
      // lets this resource through (a waiter costs no call); the queue is asked again below.
      synchronized (queue.lockOf(db)) {
        Optional<Outcome> queued = queue.queueIfBlocked(r, db, store);
        if (queued.isPresent()) {
          return queued.get();
        }
      }
      Optional<Outcome> repeat = repeatGate.refuse(r, db, store);
      if (repeat.isPresent()) {
        return repeat.get();
      }
    }
    KxChangeset written;
    synchronized (queue.lockOf(db)) {
      Optional<Outcome> queued = queue.queueIfBlocked(r, db, store);
      if (queued.isPresent()) {
        return queued.get();
      }
      written = creation.recordIntent(r, db, store);
    }
    return creation.confirmAndCreate(written, db, store);
  }

  /**
   * Records a failed FinSpace call on {@code latest} (the resource as it was when the call failed)
   * as its failure's reaction says.
   */
  public Outcome failed(KxChangeset latest, FinSpaceException e, StatusStore store) {
    return recorder.failed(latest, e, store);
  }

  /**
   * The changesets of {@code finished}'s database that may start now that it is done: the next in
   * the queue, and those whose spec.dependsOn names it.
   */
  public List<KxChangeset> toWake(KxChangeset finished) {
    List<KxChangeset> peers =
        cluster.onDatabase(targetOf(finished).key()).stream()
            .filter(r -> !DatabaseQueue.sameResource(r, finished))
            .toList();
    List<KxChangeset> out =
        new ArrayList<>(
            DatabaseQueue.next(
                peers, settings.maxInFlightPerDatabase(), now(), settings.queueYieldAfter()));
    for (KxChangeset d : Dependencies.dependantsOf(finished, peers)) {
      if (DatabaseQueue.waiting(d)
          && out.stream().noneMatch(o -> DatabaseQueue.sameResource(o, d))) {
        out.add(d);
      }
    }
    return out;
  }

  /**
   * The waiting changesets whose spec.dependsOn names {@code r}: woken when {@code r} first
   * appears, so that one applied before its dependency does not wait out its backoff.
   */
  public List<KxChangeset> dependantsOf(KxChangeset r) {
    return Dependencies.dependantsOf(r, cluster.onDatabase(targetOf(r).key())).stream()
        .filter(DatabaseQueue::waiting)
        .toList();
  }

  /** Who a resource's FinSpace calls are made as: its namespace, and its policy's role. */
  public Caller callerOf(KxChangeset r) {
    return calls.callerOf(r);
  }

  private Instant now() {
    return clock.instant();
  }
}
