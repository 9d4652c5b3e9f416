/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static io.kxops.operator.testing.Resources.DB;
import static io.kxops.operator.testing.Resources.ENV;
import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.api.v1alpha1.CallFailure;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.Condition;
import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.Conditions;
import io.kxops.operator.status.Reasons;
import io.kxops.operator.testing.FakeFinSpace;
import io.kxops.operator.testing.MutableClock;
import io.kxops.operator.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Resources the API server admits but the reconcile logic cannot act on (written under an older
 * CRD, or through the status subresource by anyone allowed to): each is Stalled with a reason that
 * says what is wrong, no FinSpace call is made for it, and nothing throws.
 */
class OddResourceTest {

  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final DatabaseRef TRADES = new DatabaseRef("us-east-1", ENV, DB);

  MutableClock clock;
  FakeFinSpace finspace;
  List<KxChangeset> cluster;
  ChangesetLogic logic;

  final StatusStore store =
      (r, next) -> {
        r.setStatus(next);
        return r;
      };

  @BeforeEach
  void setUp() {
    clock = new MutableClock(T0);
    finspace = new FakeFinSpace(clock);
    finspace.registerDatabase(TRADES);
    cluster = new ArrayList<>();
    logic =
        new ChangesetLogic(
            finspace,
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
            },
            clock,
            new ChangesetLogic.Settings(
                "us-east-1",
                1,
                Duration.ofMinutes(9),
                Duration.ofMinutes(10),
                ChangesetLogic.CONFIRM_TIMEOUT),
            new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.5));
  }

  KxChangeset add(String name, Consumer<KxChangeset> odd) {
    KxChangeset r = Resources.changeset(name, T0);
    odd.accept(r);
    cluster.add(r);
    return r;
  }

  static CreateIntent intent(KxChangeset r, String attemptedAt) {
    return new CreateIntent(
        "us-east-1",
        ENV,
        DB,
        1L,
        Intents.digest(r.getSpec().getChangeRequests()),
        r.getMetadata().getUid(),
        attemptedAt);
  }

  static KxChangesetStatus withIntent(CreateIntent i) {
    KxChangesetStatus s = new KxChangesetStatus();
    s.setRegion("us-east-1");
    s.setCreateIntent(i);
    return s;
  }

  /** Reconciles {@code r} and returns its Stalled condition, having made no FinSpace call. */
  Condition stalledWithoutCalls(KxChangeset r) {
    logic.reconcile(r, store);
    for (Operation op : Operation.values()) {
      assertThat(finspace.calls(op)).as("%s calls", op).isZero();
    }
    Condition stalled = Conditions.find(r.getStatus().getConditions(), Conditions.STALLED);
    assertThat(stalled).as("Stalled condition").isNotNull();
    assertThat(stalled.getStatus()).isEqualTo("True");
    return stalled;
  }

  @Test
  void noSpecIsStalledAsInvalidSpecAndIndexedUnderNoDatabase() {
    KxChangeset r = add("no-spec", x -> x.setSpec(null));
    assertThat(logic.targetOf(r).key()).isNotBlank();
    Condition c = stalledWithoutCalls(r);
    assertThat(c.getReason()).isEqualTo(Reasons.INVALID_SPEC);
    assertThat(c.getMessage()).contains("no spec");
  }

  @Test
  void aSpecWithoutItsRequiredFieldsIsStalledAsInvalidSpec() {
    List<Consumer<KxChangeset>> odd =
        List.of(
            x -> x.setSpec(new KxChangesetSpec()),
            x -> x.getSpec().setEnvironmentId(null),
            x -> x.getSpec().setDatabaseName(null),
            x -> x.getSpec().setChangeRequests(List.of()),
            x -> x.getSpec().setChangeRequests(Arrays.asList((ChangeRequest) null)),
            x -> x.getSpec().setChangeRequests(List.of(new ChangeRequest())));
    int i = 0;
    for (Consumer<KxChangeset> o : odd) {
      KxChangeset r = add("odd-spec-" + i++, o);
      assertThat(logic.targetOf(r).key()).isNotBlank();
      assertThat(stalledWithoutCalls(r).getReason())
          .as(r.getMetadata().getName())
          .isEqualTo(Reasons.INVALID_SPEC);
    }
  }

  @Test
  void anIntentWhoseTimeIsNoTimeIsStalledAsInvalidStatus() {
    KxChangeset r = add("bad-time", x -> x.setStatus(withIntent(intent(x, "yesterday"))));
    Condition c = stalledWithoutCalls(r);
    assertThat(c.getReason()).isEqualTo(Reasons.INVALID_STATUS);
    assertThat(c.getMessage()).contains("status.createIntent.attemptedAt");
  }

  @Test
  void anIntentWithoutItsTargetIsStalledAsInvalidStatus() {
    KxChangeset r =
        add(
            "no-target",
            x -> {
              CreateIntent i = intent(x, T0.toString());
              i.setDatabaseName(null);
              x.setStatus(withIntent(i));
            });
    assertThat(logic.targetOf(r).key()).isNotBlank();
    assertThat(stalledWithoutCalls(r).getReason()).isEqualTo(Reasons.INVALID_STATUS);
  }

  @Test
  void anIntentWithAnotherResourcesTokenIsNeverSent() {
    // Whoever may write status must not make this resource resend another one's create.
    KxChangeset r =
        add(
            "foreign-token",
            x -> {
              CreateIntent i = intent(x, T0.toString());
              i.setClientToken("0b1e7f8c-0000-4000-8000-000000000000");
              x.setStatus(withIntent(i));
            });
    Condition c = stalledWithoutCalls(r);
    assertThat(c.getReason()).isEqualTo(Reasons.INVALID_STATUS);
    assertThat(c.getMessage()).contains("clientToken");
  }

  @Test
  void oddTimestampsInAStatusDoNotBreakAPollOrAFailure() {
    KxChangeset r = add("odd-times", x -> {});
    logic.reconcile(r, store); // created
    r.getStatus().setCreatedTimestamp("not a time");
    r.getStatus().setFailure(new CallFailure("Throttled", "not a time either"));
    var outcome = logic.reconcile(r, store);
    assertThat(outcome.requeueAfter()).isPresent();
    assertThat(r.getStatus().getCreatedTimestamp()).isNotEqualTo("not a time");
    finspace.failNext(
        Operation.GET,
        io.kxops.operator.finspace.FinSpaceException.of(
            Operation.GET, "ThrottlingException", 400, "slow down", null));
    r.getStatus().setFailure(new CallFailure("Throttled", "not a time either"));
    try {
      logic.reconcile(r, store);
    } catch (ReconcileFailure e) {
      logic.failed(e.latest(), e.failure(), store);
    }
    assertThat(Instant.parse(r.getStatus().getFailure().getSince())).isEqualTo(T0);
  }

  @Test
  void anUnknownFinSpaceStatusIsInProgress() {
    KxChangeset r = add("unknown-status", x -> {});
    logic.reconcile(r, store);
    r.getStatus().setStatus("\n\u0000WEIRD");
    var outcome = logic.reconcile(r, store);
    assertThat(outcome.requeueAfter()).isPresent();
  }
}
