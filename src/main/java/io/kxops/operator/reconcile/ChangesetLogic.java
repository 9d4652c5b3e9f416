/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Caller;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
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
 * The reconcile rules for one KxChangeset, free of JOSDK and fabric8: queue, record a create
 * intent, create once, adopt, poll. Every status write goes through the {@link StatusStore}; a
 * failed FinSpace call is thrown as a {@link ReconcileFailure} (so the reconciler's retry applies)
 * and recorded by {@link #failed}.
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
 *
 * <p>The one production class over 400 lines, on purpose: the protocol's steps stay together so
 * that a resource's path reads top to bottom. What stands alone is beside it: the adoption rules
 * ({@link Adoption}), the queue ({@link DatabaseQueue}), the intent ({@link Intents}), the status
 * ({@code StatusMapper}).
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

  /** How far FinSpace's clock may run behind the operator's when matching creation times. */
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

  /** How long FinSpace honours a client token ("expires in 10 minutes"). */
  public static final Duration TOKEN_LIFETIME = Duration.ofMinutes(10);

  /**
   * How long after its create intent an attempt of that create may still be transmitted with the
   * intent's token: the token's lifetime, less twice the clock skew (the process that wrote the
   * intent and the one sending may each be off by it) and 10 s for the request to arrive. Every
   * create carries this deadline down to the HTTP layer ({@link FinSpace#create}), so neither a
   * throttled SDK retry nor a paused process can resend after FinSpace forgot the token.
   */
  public static final Duration SEND_WINDOW =
      TOKEN_LIFETIME.minus(CLOCK_SKEW.multipliedBy(2)).minus(Duration.ofSeconds(10));

  /** How long a request handed to the network before its send deadline takes to reach FinSpace. */
  static final Duration TRANSIT = Duration.ofSeconds(10);

  /**
   * Annotation a person sets on a resource Stalled with AdoptionAmbiguous: the id of the changeset
   * that is this resource's, or {@value #ADOPT_NONE} to create a new one.
   */
  public static final String ADOPT_ANNOTATION = "finspace.kxops.io/adopt-changeset";

  public static final String ADOPT_NONE = "none";

  /**
   * Annotation that confirms a deliberate re-run of requests a changeset of the database already
   * ran (REFUSE_REPEATED_HISTORY): its value is the id of the changeset the refusal names.
   */
  public static final String RERUN_ANNOTATION = "finspace.kxops.io/allow-rerun-of";

  private static final Logger LOG = LoggerFactory.getLogger(ChangesetLogic.class);

  private final FinSpaceCalls calls;
  private final Targets targets;
  private final ClusterView cluster;
  private final Clock clock;
  private final Settings settings;
  private final PollSchedule polls;
  private final Imports imports;
  private final RepeatCheck repeats;
  private final RepeatGate repeatGate;
  private final Dependencies dependencies;
  private final QueueGate queue;
  private final Recorder recorder;
  private final Creation creation;
  private final AccessGate access;

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
    this.access = new AccessGate(policies, rules, settings.defaultRegion(), polls, clock);
    this.calls = new FinSpaceCalls(finspace, policies);
    this.queue =
        new QueueGate(
            cluster, settings.maxInFlightPerDatabase(), settings.queueYieldAfter(), polls, clock);
    this.targets = new Targets(settings.defaultRegion());
    this.cluster = cluster;
    this.clock = clock;
    this.settings = settings;
    this.polls = polls;
    this.imports = new Imports(clock, polls);
    this.repeats = new RepeatCheck(clock);
    this.repeatGate = new RepeatGate(repeats, calls, clock);
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
    this.dependencies = new Dependencies(cluster, this::targetOf, clock, polls);
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
      return refused.isPresent()
          ? refused.get()
          : imports.reconcile(
              r,
              db,
              others(r, cluster.claiming(db, Imports.importedId(r))),
              others(r, cluster.onDatabase(db.key())),
              calls.of(r),
              store);
    }
    if (StatusMapper.hasIntent(s)) {
      return resume(r, store);
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

  /** An intent exists but no changeset id: finish what it started, exactly once. */
  private Outcome resume(KxChangeset r, StatusStore store) {
    CreateIntent intent = r.getStatus().getCreateIntent();
    DatabaseRef db = Intents.target(intent);
    // Every way on from here may send CreateKxChangeset (a resend, a create after the List) or
    // adopt one: checked like a first create. A refused intent is kept, not withdrawn (see
    // AccessGate).
    Optional<Outcome> refused = access.refuse(r, db, store);
    if (refused.isPresent()) {
      return refused.get();
    }
    String pick = Adoption.pick(r);
    if (pick != null && Adoption.isAmbiguous(r)) {
      return resolveByPick(r, db, pick, store);
    }
    boolean sameSpec = Intents.matchesSpec(intent, Targets.ofSpec(r, intent), r);
    boolean overLimit = queue.overLimit(r, db);
    boolean tokenFresh = creation.tokenFresh(intent);
    if (sameSpec && tokenFresh && !overLimit && !Adoption.isAmbiguous(r)) {
      // A retry while FinSpace still honours the token: the same token and body make FinSpace
      // return this intent's changeset if it made one, and make it once if not. No guessing.
      return creation.resend(r, store);
    }
    // The token may have expired (or the spec or the database's queue changed): ask FinSpace
    // whether the intent's create took effect before sending anything.
    // Whatever FinSpace lists took effect before it; whatever it does not, took effect after this.
    Instant listedAt = now();
    FinSpace api = calls.of(r);
    List<ChangesetSummary> listed = FinSpaceCalls.call(r, () -> api.list(db));
    Adoption.Lookup found = lookup(r, intent, db, listed);
    if (found.changeset() != null) {
      // Before adopting, read the other resources on a view at least as fresh as the List: a
      // rival whose create is in the List wrote its intent before that create, so once this
      // process's watch has delivered a write made after the List, the rival's intent (or its
      // recorded changeset id) is in the view. The write is the resumed-attempt mark, with the
      // resourceVersion as precondition like every other.
      KxChangeset marked = creation.markResumed(r, store);
      if (marked == null) {
        return Outcome.requeue(polls.initial());
      }
      r = marked;
      overLimit = queue.overLimit(r, db);
      found = lookup(r, intent, db, listed);
    }
    if (found.changeset() != null) {
      Changeset cs = found.changeset();
      LOG.info("adopted changeset {}: an earlier create of this intent took effect", cs.id());
      return recorder.recorded(
          r,
          db,
          cs,
          Outcome.Event.normal(
              "ChangesetAdopted",
              "Recorded FinSpace changeset "
                  + cs.id()
                  + ", which an earlier attempt of this resource's create made (created "
                  + StatusMapper.rfc3339(cs.createdTimestamp())
                  + ", after the create intent of "
                  + intent.getAttemptedAt()
                  + ", with its change requests)"),
          store);
    }
    if (found.ambiguity() != null) {
      boolean wasInFlight = DatabaseQueue.inFlight(r);
      KxChangeset written =
          store.write(
              r, StatusMapper.ambiguous(r, found.ambiguity(), found.candidatesFinal(), now()));
      if (wasInFlight && !DatabaseQueue.inFlight(written)) {
        return new Outcome(written.getStatus(), Optional.of(polls.max()), List.of(), true, true);
      }
      return Outcome.requeue(polls.max());
    }
    // FinSpace holds nothing this intent made.
    if (!sameSpec) {
      store.write(r, StatusMapper.specChanged(r, now()));
      return Outcome.requeue(polls.max());
    }
    if (overLimit && !creation.mayGoAheadOfUnrecorded(r, db, listed)) {
      // Keep the intent: another process may be about to send it (withdrawing it then would let a
      // later, fresh intent miss that changeset). Wait for the others to finish.
      return Outcome.requeue(polls.initial());
    }
    return creation.createAfterList(r, store, listedAt, listed);
  }

  /** A person chose with the adopt annotation. */
  private Outcome resolveByPick(KxChangeset r, DatabaseRef db, String pick, StatusStore store) {
    if (ADOPT_NONE.equals(pick)) {
      CreateIntent intent = r.getStatus().getCreateIntent();
      if (!Intents.matchesSpec(intent, Targets.ofSpec(r, intent), r)) {
        store.write(r, StatusMapper.specChanged(r, now()));
        return Outcome.requeue(polls.max());
      }
      if (!DatabaseQueue.inFlight(r)) {
        // AdoptionAmbiguousFinal gave the database's slot up and the queue moved on: take a slot
        // again as any new create does (queue, a fresh intent, its confirmation).
        return readmit(r, db, store);
      }
      return creation.createAfterList(r, store, now(), null);
    }
    Changeset cs = FinSpaceCalls.call(r, () -> calls.of(r).get(db, pick));
    String rejected = Adoption.rejectPick(r, pick, cs, othersOn(r, db));
    if (rejected != null) {
      store.write(r, StatusMapper.ambiguous(r, rejected, false, now()));
      return Outcome.requeue(polls.max());
    }
    return recorder.recorded(
        r,
        db,
        cs,
        Outcome.Event.normal(
            "ChangesetAdopted",
            "Adopted FinSpace changeset "
                + cs.id()
                + " as chosen by annotation "
                + ADOPT_ANNOTATION),
        store);
  }

  /** Admits a resource whose intent no longer holds a slot, like {@link #admit} a new one. */
  private Outcome readmit(KxChangeset r, DatabaseRef db, StatusStore store) {
    Optional<Outcome> refused = access.refuse(r, db, store);
    if (refused.isPresent()) {
      return refused.get();
    }
    KxChangeset written;
    synchronized (queue.lockOf(db)) {
      Optional<KxChangeset> blocker = queue.blocker(r, db);
      if (blocker.isPresent()) {
        LOG.debug("adopt-changeset=none waits behind {}", QueueGate.describe(r, blocker.get(), db));
        return Outcome.requeue(polls.max());
      }
      written = creation.recordIntent(r, db, store);
    }
    return creation.confirmAndCreate(written, db, store);
  }

  /** Whether the intent's create took effect, as {@code listed} shows (see {@link Adoption}). */
  private Adoption.Lookup lookup(
      KxChangeset r, CreateIntent intent, DatabaseRef db, List<ChangesetSummary> listed) {
    return Adoption.lookup(
        r,
        intent,
        listed,
        othersOn(r, db),
        id -> FinSpaceCalls.call(r, () -> calls.of(r).get(db, id)));
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

  private static List<KxChangeset> others(KxChangeset r, List<KxChangeset> all) {
    return all.stream().filter(o -> !DatabaseQueue.sameResource(o, r)).toList();
  }

  /**
   * The other resources of {@code db}, final ones included: the view first, then the final ones it
   * leaves out (read after it, so a resource that became final in between is in one or the other).
   */
  private List<KxChangeset> othersOn(KxChangeset r, DatabaseRef db) {
    List<KxChangeset> all = new ArrayList<>(cluster.onDatabase(db.key()));
    all.addAll(cluster.finalOn(db));
    return all.stream().filter(o -> !DatabaseQueue.sameResource(o, r)).toList();
  }

  /**
   * Records a failed FinSpace call on {@code latest} (the resource as it was when the call failed)
   * as its failure's reaction says.
   */
  public Outcome failed(KxChangeset latest, FinSpaceException e, StatusStore store) {
    return recorder.failed(latest, e, store);
  }

  /** Who a resource's FinSpace calls are made as: its namespace, and its policy's role. */
  public Caller callerOf(KxChangeset r) {
    return calls.callerOf(r);
  }

  private Instant now() {
    return clock.instant();
  }
}
