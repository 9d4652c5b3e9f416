/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.testing.Resources.DB;
import static io.kxops.operator.testing.Resources.ENV;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxAccessPolicy;
import io.kxops.operator.api.v1alpha1.KxAccessPolicySpec;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.finspace.Caller;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The re-check before every create decision, on the reconcile logic with the in-memory FinSpace: a
 * resource outside its namespace's policy is Stalled Forbidden and nothing reaches FinSpace; a
 * recorded intent is kept; the calls are made as the policy's role.
 */
class AccessGateTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef TRADES = new DatabaseRef("us-east-1", ENV, DB);
  static final String ROLE = "arn:aws:iam::111122223333:role/kxops-kdb";

  MutableClock clock;
  FakeFinSpace finspace;
  List<Caller> callers;
  List<KxChangeset> cluster;
  Map<String, KxAccessPolicy> policies;
  ChangesetLogic logic;

  /** Status writes that record a changeset id are lost (the operator dies right after). */
  boolean loseChangesetWrites;

  final StatusStore store =
      (r, next) -> {
        if (loseChangesetWrites && next != null && next.getChangesetId() != null) {
          return r;
        }
        r.setStatus(next);
        return r;
      };

  @BeforeEach
  void setUp() {
    clock = new MutableClock(T0);
    finspace = new FakeFinSpace(clock);
    finspace.registerDatabase(TRADES);
    callers = new ArrayList<>();
    cluster = new ArrayList<>();
    policies = new HashMap<>();
    logic = logic(new AccessCheck.Rules("finspace-access", false, Set.of()));
  }

  ChangesetLogic logic(AccessCheck.Rules rules) {
    // Records who each call was made as, then calls the fake.
    FinSpace recording =
        new FinSpace() {
          Caller as = Caller.OPERATOR;

          @Override
          public Changeset create(
              DatabaseRef db, List<ChangeRequest> requests, String token, Instant sendBy) {
            callers.add(as);
            return finspace.create(db, requests, token, sendBy);
          }

          @Override
          public Changeset get(DatabaseRef db, String id) {
            callers.add(as);
            return finspace.get(db, id);
          }

          @Override
          public List<ChangesetSummary> list(DatabaseRef db) {
            callers.add(as);
            return finspace.list(db);
          }

          @Override
          public FinSpace as(Caller caller) {
            FinSpace outer = this;
            return new FinSpace() {
              @Override
              public Changeset create(DatabaseRef db, List<ChangeRequest> r, String t, Instant s) {
                callers.add(caller);
                return finspace.create(db, r, t, s);
              }

              @Override
              public Changeset get(DatabaseRef db, String id) {
                callers.add(caller);
                return finspace.get(db, id);
              }

              @Override
              public List<ChangesetSummary> list(DatabaseRef db) {
                callers.add(caller);
                return finspace.list(db);
              }
            };
          }
        };
    ClusterView view =
        new ClusterView() {
          @Override
          public List<KxChangeset> onDatabase(String key) {
            return cluster.stream().filter(r -> logic.targetOf(r).key().equals(key)).toList();
          }

          @Override
          public java.util.Optional<KxChangeset> named(String namespace, String name) {
            return cluster.stream()
                .filter(r -> namespace.equals(r.getMetadata().getNamespace()))
                .filter(r -> name.equals(r.getMetadata().getName()))
                .findFirst();
          }

          @Override
          public boolean awaitSeen(KxChangeset written, Duration timeout) {
            return true;
          }
        };
    return new ChangesetLogic(
        recording,
        view,
        clock,
        new ChangesetLogic.Settings(
            "us-east-1", 1, Duration.ofMinutes(7), Duration.ofMinutes(10), Duration.ofSeconds(1)),
        new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5),
        ns -> policies.get(ns),
        rules);
  }

  static KxAccessPolicy policy(List<String> dbs, String role) {
    KxAccessPolicy p = new KxAccessPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName("finspace-access").withNamespace("kdb").build());
    KxAccessPolicySpec s = new KxAccessPolicySpec();
    s.setEnvironmentIds(List.of(ENV));
    s.setDatabaseNames(dbs);
    s.setS3Prefixes(List.of("s3://bucket/db/"));
    s.setRoleArn(role);
    p.setSpec(s);
    return p;
  }

  Outcome step(KxChangeset r) {
    try {
      return logic.reconcile(r, store);
    } catch (ReconcileFailure e) {
      return logic.failed(e.latest(), e.failure(), store);
    }
  }

  KxChangeset add(String name) {
    KxChangeset r = Resources.changeset(name, T0);
    cluster.add(r);
    return r;
  }

  static String stalledReason(KxChangeset r) {
    var c = Conditions.find(r.getStatus().getConditions(), Conditions.STALLED);
    return c == null || !Conditions.TRUE.equals(c.getStatus()) ? null : c.getReason();
  }

  @Test
  void outsideItsPolicyAResourceIsForbiddenAndNothingReachesFinSpace() {
    policies.put("kdb", policy(List.of("quotes"), null));
    KxChangeset r = add("p1");

    Outcome o = step(r);

    assertThat(stalledReason(r)).isEqualTo(Reasons.FORBIDDEN);
    assertThat(Conditions.find(r.getStatus().getConditions(), Conditions.READY).getMessage())
        .isEqualTo(
            "spec.databaseName: 'trades' matches none of the databaseNames [quotes] of"
                + " KxAccessPolicy kdb/finspace-access");
    assertThat(r.getStatus().getCreateIntent()).isNull();
    assertThat(o.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.warning()).isTrue();
              assertThat(e.reason()).isEqualTo("Forbidden");
              assertThat(e.message()).contains("spec.databaseName", "kdb/finspace-access");
            });
    assertThat(finspace.calls(Operation.CREATE) + finspace.calls(Operation.LIST)).isZero();

    // Again: no second event, still nothing sent.
    assertThat(step(r).events()).isEmpty();
    assertThat(finspace.calls(Operation.CREATE)).isZero();

    // Loosened: created on the next reconciliation.
    policies.put("kdb", policy(List.of("trades"), null));
    step(r);
    assertThat(r.getStatus().getChangesetId()).isNotNull();
    assertThat(stalledReason(r)).isNull();
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(1);
  }

  @Test
  void aLongForbiddenMessageIsRecordedOnceNotEveryReconciliation() {
    policies.put("kdb", policy(List.of("trades"), null));
    ChangeRequest[] outside = new ChangeRequest[32];
    for (int i = 0; i < outside.length; i++) {
      outside[i] =
          ChangeRequest.put("s3://elsewhere/a-rather-long-prefix/" + i + "/", "/p" + i + "/");
    }
    KxChangeset r = Resources.changeset("many", T0, outside);
    cluster.add(r);

    assertThat(step(r).events()).hasSize(1);
    assertThat(Conditions.find(r.getStatus().getConditions(), Conditions.STALLED).getMessage())
        .hasSizeLessThanOrEqualTo(Conditions.MAX_MESSAGE);
    assertThat(step(r).events()).isEmpty();
  }

  @Test
  void aRecordedIntentIsKeptNotWithdrawnWhileForbiddenAndResumedOnceAllowed() {
    policies.put("kdb", policy(List.of("trades"), null));
    KxChangeset r = add("p1");
    // The create took effect, but its id was never recorded: the resource only has its intent.
    loseChangesetWrites = true;
    step(r);
    loseChangesetWrites = false;
    CreateIntent intent = r.getStatus().getCreateIntent();
    assertThat(intent).isNotNull();
    assertThat(r.getStatus().getChangesetId()).isNull();
    int creates = finspace.calls(Operation.CREATE);

    policies.put("kdb", policy(List.of("quotes"), null));
    step(r);

    assertThat(stalledReason(r)).isEqualTo(Reasons.FORBIDDEN);
    assertThat(r.getStatus().getCreateIntent()).isEqualTo(intent);
    assertThat(DatabaseQueue.inFlight(r)).as("keeps its database's slot").isTrue();
    assertThat(Conditions.find(r.getStatus().getConditions(), Conditions.STALLED).getMessage())
        .contains("its create may have reached FinSpace");
    assertThat(finspace.calls(Operation.CREATE)).isEqualTo(creates);

    policies.put("kdb", policy(List.of("trades"), null));
    step(r);
    assertThat(r.getStatus().getChangesetId()).isNotNull();
    assertThat(finspace.createdWith(r.getMetadata().getUid())).isEqualTo(1);
  }

  @Test
  void everyCallOfAResourceIsMadeAsItsPolicysRole() {
    policies.put("kdb", policy(List.of("trades"), ROLE));
    KxChangeset r = add("p1");
    step(r);
    step(r);

    assertThat(callers).isNotEmpty().containsOnly(new Caller("kdb", ROLE));

    policies.put("kdb", policy(List.of("trades"), null));
    callers.clear();
    step(r);
    assertThat(callers).containsOnly(new Caller("kdb", null));
  }

  @Test
  void aRegionOutsideAllowedRegionsIsForbiddenWithoutAnyPolicy() {
    logic = logic(new AccessCheck.Rules("finspace-access", false, Set.of("eu-west-1")));
    KxChangeset r = add("p1");

    step(r);

    assertThat(stalledReason(r)).isEqualTo(Reasons.FORBIDDEN);
    assertThat(Conditions.find(r.getStatus().getConditions(), Conditions.STALLED).getMessage())
        .startsWith("spec.region: region 'us-east-1' (the operator's region: none is set) is not");
    assertThat(finspace.calls(Operation.CREATE)).isZero();
  }

  @Test
  void anImportOutsideItsPolicyIsForbiddenUnreadAndInsideItIsReadAsThePolicysRole() {
    Changeset existing =
        finspace.inject(
            TRADES, List.of(ChangeRequest.put("s3://bucket/db/p1/", "/p1/")), T0.minusSeconds(60));
    policies.put("kdb", policy(List.of("quotes"), ROLE));
    KxChangeset r = add("p1");
    r.getSpec().setChangesetId(existing.id());

    step(r);

    assertThat(stalledReason(r)).isEqualTo(Reasons.FORBIDDEN);
    assertThat(finspace.calls(Operation.GET)).isZero();
    assertThat(r.getStatus().getChangesetId()).isNull();

    policies.put("kdb", policy(List.of("trades"), ROLE));
    step(r);

    assertThat(r.getStatus().getChangesetId()).isEqualTo(existing.id());
    assertThat(callers).containsOnly(new Caller("kdb", ROLE));
    assertThat(finspace.calls(Operation.CREATE)).isZero();
  }
}
