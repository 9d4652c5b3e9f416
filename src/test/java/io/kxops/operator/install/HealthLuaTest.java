/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.ChangeRequest;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.Operation;
import io.kxops.operator.status.StatusMapper;
import io.kxops.operator.testing.FinSpaceErrors;
import io.kxops.operator.testing.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health check (config/argocd/health.lua), run by luaj on the statuses the operator
 * itself computes (StatusMapper), so the check and the operator cannot drift apart unnoticed.
 */
class HealthLuaTest {

  static final Path SCRIPT = Path.of("config", "argocd", "health.lua");
  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final String REGION = "us-east-1";
  static final Duration STALL_AFTER = Duration.ofMinutes(10);

  static String script;

  record Health(String status, String message) {}

  @BeforeAll
  static void load() throws IOException {
    script = Files.readString(SCRIPT);
  }

  static KxChangeset resource() {
    return Resources.changeset(
        "trades-2020-01-02",
        T0,
        ChangeRequest.put("s3://bucket/trades/2020.01.02/", "/2020.01.02/"));
  }

  static Changeset changeset(String status, String errorType, String errorMessage) {
    KxChangeset r = resource();
    return new Changeset(
        "Msm0c8y8XB1k8zYZFNhRug",
        status,
        errorType,
        errorMessage,
        r.getSpec().getChangeRequests(),
        T0.plusSeconds(1),
        T0.plusSeconds(30),
        "COMPLETED".equals(status) ? T0.plusSeconds(30) : null);
  }

  static KxChangeset with(KxChangesetStatus status) {
    KxChangeset r = resource();
    r.setStatus(status);
    return r;
  }

  static KxChangeset mirrored(String status) {
    return with(StatusMapper.mirror(resource(), REGION, changeset(status, null, null), T0));
  }

  /** Runs the script the way Argo CD does: a global {@code obj}, the returned table read back. */
  @SuppressWarnings("unchecked")
  static Health health(KxChangeset r) {
    Map<String, Object> obj = Serialization.jsonMapper().convertValue(r, Map.class);
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(obj));
    LuaValue hs = globals.load(script, "health.lua").call();
    return new Health(hs.get("status").tojstring(), hs.get("message").tojstring());
  }

  static LuaValue lua(Object v) {
    if (v instanceof Map<?, ?> m) {
      LuaTable t = new LuaTable();
      m.forEach((k, x) -> t.set(k.toString(), lua(x)));
      return t;
    }
    if (v instanceof List<?> l) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < l.size(); i++) {
        t.set(i + 1, lua(l.get(i)));
      }
      return t;
    }
    if (v instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    }
    if (v instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return v == null ? LuaValue.NIL : LuaValue.valueOf(v.toString());
  }

  @Test
  void noStatusYetIsProgressingWaitingForTheOperator() {
    assertThat(health(resource())).isEqualTo(new Health("Progressing", "Waiting for the operator"));
    assertThat(health(with(new KxChangesetStatus())))
        .isEqualTo(new Health("Progressing", "Waiting for the operator"));
  }

  @Test
  void queuedIsProgressingNamingTheChangesetItWaitsFor() {
    KxChangeset r = with(StatusMapper.queued(resource(), REGION, "kdb/trades-2020-01-01", T0));
    assertThat(health(r))
        .isEqualTo(new Health("Progressing", "waiting for kdb/trades-2020-01-01 to finish"));
  }

  @Test
  void pendingProcessingAndInProgressAreProgressing() {
    for (String status : List.of("PENDING", "PROCESSING", "IN_PROGRESS")) {
      assertThat(health(mirrored(status)))
          .as(status)
          .isEqualTo(
              new Health(
                  "Progressing", "changeset Msm0c8y8XB1k8zYZFNhRug is " + status + " in FinSpace"));
    }
  }

  @Test
  void completedIsHealthy() {
    assertThat(health(mirrored("COMPLETED")))
        .isEqualTo(
            new Health(
                "Healthy",
                "changeset Msm0c8y8XB1k8zYZFNhRug is COMPLETED; active from"
                    + " 2026-11-28T10:00:30Z"));
  }

  @Test
  void failedIsDegradedWithFinSpacesError() {
    KxChangeset r =
        with(
            StatusMapper.mirror(
                resource(),
                REGION,
                changeset(
                    "FAILED", "The inputs to this request are invalid.", "s3Path does not exist"),
                T0));
    assertThat(health(r))
        .isEqualTo(
            new Health(
                "Degraded",
                "changeset Msm0c8y8XB1k8zYZFNhRug FAILED: The inputs to this request are invalid."
                    + " s3Path does not exist"));
  }

  /** The status after calls failing with {@code e} since T0, seen at {@code now}. */
  static io.kxops.operator.api.v1alpha1.KxChangesetStatus failedSince(
      KxChangeset r, io.kxops.operator.finspace.FinSpaceException e, java.time.Instant now) {
    KxChangeset first = with(StatusMapper.callFailed(r, REGION, e, T0, STALL_AFTER));
    first.setSpec(r.getSpec());
    first.setMetadata(r.getMetadata());
    return StatusMapper.callFailed(first, REGION, e, now, STALL_AFTER);
  }

  @Test
  void rejectedCreateIsDegraded() {
    var e = FinSpaceErrors.of(Operation.CREATE, "ValidationException", 400);
    KxChangeset r = with(failedSince(resource(), e, T0));
    assertThat(health(r)).isEqualTo(new Health("Degraded", e.getMessage()));
  }

  @Test
  void accessDeniedIsProgressingUntilItStallsThenDegraded() {
    var e = FinSpaceErrors.of(Operation.CREATE, "AccessDeniedException", 403);
    KxChangeset early = with(failedSince(resource(), e, T0.plus(Duration.ofMinutes(1))));
    assertThat(health(early)).isEqualTo(new Health("Progressing", e.getMessage()));

    KxChangeset stalled = with(failedSince(resource(), e, T0.plus(Duration.ofMinutes(11))));
    Health h = health(stalled);
    assertThat(h.status()).isEqualTo("Degraded");
    assertThat(h.message()).startsWith(e.getMessage()).contains("still retried slowly");
  }

  @Test
  void throttledWhileProcessingIsProgressingWithTheReconcilingMessage() {
    KxChangeset processing = mirrored("IN_PROGRESS");
    var e = FinSpaceErrors.of(Operation.GET, "ThrottlingException", 400);
    KxChangeset r = with(failedSince(processing, e, T0.plusSeconds(40)));
    assertThat(health(r)).isEqualTo(new Health("Progressing", e.getMessage()));
  }

  @Test
  void conditionsOfAnOlderGenerationAreNotTrusted() {
    // A rejected create, then the user fixes the spec: generation 2 is not judged by 1's Stalled.
    var e = FinSpaceErrors.of(Operation.CREATE, "ValidationException", 400);
    KxChangeset r = with(failedSince(resource(), e, T0));
    r.getMetadata().setGeneration(2L);
    assertThat(health(r))
        .isEqualTo(new Health("Progressing", "Waiting for the operator to observe generation 2"));
  }
}
