/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.testing.Resources;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads see this process's own status writes before the informer delivers them. */
class CacheClusterViewTest {

  /** An informer cache the test updates by hand, i.e. late. */
  static final class FakeCache implements IndexerResourceCache<KxChangeset> {
    final Map<String, KxChangeset> items = new ConcurrentHashMap<>();
    Function<KxChangeset, List<String>> indexer;

    @Override
    public void addIndexers(Map<String, Function<KxChangeset, List<String>>> indexers) {
      indexer = indexers.get(CacheClusterView.DATABASE_INDEX);
    }

    @Override
    public List<KxChangeset> byIndex(String name, String key) {
      return items.values().stream().filter(r -> indexer.apply(r).contains(key)).toList();
    }

    @Override
    public Optional<KxChangeset> get(ResourceID id) {
      return items.values().stream().filter(r -> ResourceID.fromResource(r).equals(id)).findFirst();
    }

    @Override
    public Stream<ResourceID> keys() {
      return items.values().stream().map(ResourceID::fromResource);
    }

    @Override
    public Stream<KxChangeset> list(Predicate<KxChangeset> p) {
      return items.values().stream().filter(p);
    }

    @Override
    public Stream<KxChangeset> list(String namespace, Predicate<KxChangeset> p) {
      return list(p).filter(r -> namespace.equals(r.getMetadata().getNamespace()));
    }

    void put(KxChangeset r) {
      items.put(r.getMetadata().getUid(), r);
    }
  }

  FakeCache cache = new FakeCache();
  CacheClusterView view = new CacheClusterView();
  KxChangeset inFlight;

  @BeforeEach
  void setUp() {
    view.attach(cache, r -> r.getSpec().getDatabaseName());
    inFlight = Resources.changeset("first", Instant.parse("2026-11-28T10:00:00Z"));
    inFlight.getMetadata().setResourceVersion("100");
    inFlight.setStatus(status("PROCESSING"));
    cache.put(inFlight);
  }

  static KxChangesetStatus status(String s) {
    KxChangesetStatus st = new KxChangesetStatus();
    st.setChangesetId("Msm0c8y8XB1k8zYZFNhRug");
    st.setStatus(s);
    return st;
  }

  static KxChangeset written(KxChangeset r, String rv, String s) {
    KxChangeset w = Resources.changeset(r.getMetadata().getName(), Instant.EPOCH);
    w.getMetadata().setUid(r.getMetadata().getUid());
    w.getMetadata().setResourceVersion(rv);
    w.setSpec(r.getSpec());
    w.setStatus(status(s));
    return w;
  }

  /**
   * spec.dependsOn reads a dependency by name: the informer's copy (with this process's newer write
   * over it) when it has one, else the API server (a final one has left the informer).
   */
  @Test
  void aResourceIsReadByNameFromTheCacheElseFromTheApiServer() {
    KxChangeset done = Resources.changeset("done", Instant.parse("2026-11-28T09:00:00Z"));
    done.setStatus(status("COMPLETED"));
    List<String> gets = new java.util.ArrayList<>();
    CacheClusterView byName =
        new CacheClusterView(
            List.of(),
            null,
            null,
            (ns, name) -> {
              gets.add(ns + "/" + name);
              return "done".equals(name) ? done : null;
            });
    byName.attach(cache, r -> r.getSpec().getDatabaseName());
    byName.remember(written(inFlight, "101", "COMPLETED"));

    assertThat(byName.named("kdb", "first"))
        .hasValueSatisfying(r -> assertThat(r.getStatus().getStatus()).isEqualTo("COMPLETED"));
    assertThat(gets).as("a cached resource is not read again").isEmpty();
    assertThat(byName.named("kdb", "done")).containsSame(done);
    assertThat(byName.named("kdb", "nothing")).isEmpty();
    assertThat(gets).containsExactly("kdb/done", "kdb/nothing");
  }

  @Test
  void aWriteIsSeenBeforeTheInformerDeliversIt() {
    view.remember(written(inFlight, "101", "COMPLETED"));
    assertThat(view.onDatabase(Resources.DB))
        .singleElement()
        .satisfies(r -> assertThat(r.getStatus().getStatus()).isEqualTo("COMPLETED"));
  }

  @Test
  void theInformersCopyWinsOnceItCatchesUp() {
    view.remember(written(inFlight, "101", "COMPLETED"));
    KxChangeset later = written(inFlight, "105", "COMPLETED");
    later.getMetadata().setLabels(Map.of("seen", "by-informer"));
    cache.put(later);
    assertThat(view.onDatabase(Resources.DB))
        .singleElement()
        .satisfies(
            r -> assertThat(r.getMetadata().getLabels()).containsEntry("seen", "by-informer"));
  }

  @Test
  void aDeletedResourceIsNotResurrected() {
    view.remember(written(inFlight, "101", "COMPLETED"));
    cache.items.clear();
    assertThat(view.onDatabase(Resources.DB)).isEmpty();
  }

  @Test
  void aNonNumericResourceVersionFallsBackToTheCache() {
    view.remember(written(inFlight, "abc", "COMPLETED"));
    List<KxChangeset> seen = new ArrayList<>(view.onDatabase(Resources.DB));
    assertThat(seen.get(0).getStatus().getStatus()).isEqualTo("PROCESSING");
  }

  @Test
  void withSeveralNamespacesAConfirmationReadsTheOthersFromTheApiServer() {
    // JOSDK runs one informer per namespace: "other"'s has not delivered its in-flight resource.
    KxChangeset rival = Resources.changeset("rival", Instant.parse("2026-11-28T10:00:00Z"));
    rival.getMetadata().setNamespace("other");
    rival.getMetadata().setResourceVersion("150");
    rival.setStatus(status("PROCESSING"));
    List<String> asked = new ArrayList<>();
    CacheClusterView multi =
        new CacheClusterView(
            List.of(inFlight.getMetadata().getNamespace(), "other"),
            (ns, notOlderThan) -> {
              asked.add(ns + "@" + notOlderThan);
              return "other".equals(ns) ? List.of(rival) : List.of();
            });
    FakeCache own = new FakeCache();
    multi.attach(own, r -> r.getSpec().getDatabaseName());
    KxChangeset mine = written(inFlight, "200", "PENDING");
    own.put(mine);

    assertThat(multi.awaitSeen(mine, java.time.Duration.ofSeconds(1))).isTrue();
    assertThat(asked).containsExactly("other@200");
    assertThat(multi.onDatabase(Resources.DB))
        .extracting(r -> r.getMetadata().getName())
        .contains("rival");
  }

  @Test
  void withSeveralNamespacesAFailedReadIsNoConfirmation() {
    CacheClusterView multi =
        new CacheClusterView(
            List.of(inFlight.getMetadata().getNamespace(), "other"),
            (ns, notOlderThan) -> {
              throw new IllegalStateException("API server unavailable");
            });
    FakeCache own = new FakeCache();
    multi.attach(own, r -> r.getSpec().getDatabaseName());
    KxChangeset mine = written(inFlight, "200", "PENDING");
    own.put(mine);
    assertThat(multi.awaitSeen(mine, java.time.Duration.ofSeconds(1))).isFalse();
  }

  @Test
  void withOneInformerNoReadIsMade() {
    KxChangeset mine = written(inFlight, "200", "PENDING");
    cache.put(mine);
    assertThat(view.awaitSeen(mine, java.time.Duration.ofSeconds(1))).isTrue();
  }

  /**
   * This process completed "rival" (namespace "other") at rv 250; the informer of "other" still
   * holds rv 150 (in flight). A confirmation at rv 200 reads "other": the LIST answers as of rv 200
   * or later, where rival still carries its rv 150 — and that copy replaced this process's newer
   * write, so the view counted rival in flight again until the informer caught up (a woken
   * successor queued again, and waited for its slow requeue).
   */
  @Test
  void withSeveralNamespacesAListedCopyNeverHidesThisProcessesNewerWrite() {
    KxChangeset rival = Resources.changeset("rival", Instant.parse("2026-11-28T10:00:00Z"));
    rival.getMetadata().setNamespace("other");
    rival.getMetadata().setResourceVersion("150");
    rival.setStatus(status("PROCESSING"));
    CacheClusterView multi =
        new CacheClusterView(
            List.of(inFlight.getMetadata().getNamespace(), "other"),
            (ns, notOlderThan) -> "other".equals(ns) ? List.of(rival) : List.of());
    FakeCache own = new FakeCache();
    multi.attach(own, r -> r.getSpec().getDatabaseName());
    own.put(rival);
    KxChangeset completed = written(rival, "250", "COMPLETED");
    completed.getMetadata().setNamespace("other");
    multi.remember(completed);
    KxChangeset mine = written(inFlight, "200", "PENDING");
    own.put(mine);

    assertThat(multi.awaitSeen(mine, java.time.Duration.ofSeconds(1))).isTrue();
    assertThat(multi.onDatabase(Resources.DB))
        .filteredOn(r -> "rival".equals(r.getMetadata().getName()))
        .singleElement()
        .satisfies(r -> assertThat(r.getStatus().getStatus()).isEqualTo("COMPLETED"));
  }
}
