/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.kxops.operator.api.v1alpha1.CreateIntent;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import io.kxops.operator.finspace.DatabaseRef;
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

  static final String REGION = "us-east-1";

  /** The index key of the resources on {@link Resources#DB}. */
  static final String KEY = new DatabaseRef(REGION, Resources.ENV, Resources.DB).key();

  /** The database of a resource: its intent's when it has one, else its spec's (as Targets.of). */
  static DatabaseRef target(KxChangeset r) {
    CreateIntent intent = r.getStatus() == null ? null : r.getStatus().getCreateIntent();
    return intent != null
        ? new DatabaseRef(intent.getRegion(), intent.getEnvironmentId(), intent.getDatabaseName())
        : new DatabaseRef(REGION, r.getSpec().getEnvironmentId(), r.getSpec().getDatabaseName());
  }

  FakeCache cache = new FakeCache();
  CacheClusterView view = new CacheClusterView();
  KxChangeset inFlight;

  @BeforeEach
  void setUp() {
    view.attach(cache, CacheClusterViewTest::target);
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
    byName.attach(cache, CacheClusterViewTest::target);
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
    assertThat(view.onDatabase(KEY))
        .singleElement()
        .satisfies(r -> assertThat(r.getStatus().getStatus()).isEqualTo("COMPLETED"));
  }

  @Test
  void theInformersCopyWinsOnceItCatchesUp() {
    view.remember(written(inFlight, "101", "COMPLETED"));
    KxChangeset later = written(inFlight, "105", "COMPLETED");
    later.getMetadata().setLabels(Map.of("seen", "by-informer"));
    cache.put(later);
    assertThat(view.onDatabase(KEY))
        .singleElement()
        .satisfies(
            r -> assertThat(r.getMetadata().getLabels()).containsEntry("seen", "by-informer"));
  }

  @Test
  void aDeletedResourceIsNotResurrected() {
    view.remember(written(inFlight, "101", "COMPLETED"));
    cache.items.clear();
    assertThat(view.onDatabase(KEY)).isEmpty();
  }

  @Test
  void aNonNumericResourceVersionFallsBackToTheCache() {
    view.remember(written(inFlight, "abc", "COMPLETED"));
    List<KxChangeset> seen = new ArrayList<>(view.onDatabase(KEY));
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
            (ns, notOlderThan, selector) -> {
              asked.add(ns + "@" + notOlderThan);
              return "other".equals(ns) ? List.of(rival) : List.of();
            });
    FakeCache own = new FakeCache();
    multi.attach(own, CacheClusterViewTest::target);
    KxChangeset mine = written(inFlight, "200", "PENDING");
    own.put(mine);

    assertThat(multi.awaitSeen(mine, java.time.Duration.ofSeconds(1))).isTrue();
    assertThat(asked).containsExactly("other@200");
    assertThat(multi.onDatabase(KEY)).extracting(r -> r.getMetadata().getName()).contains("rival");
  }

  @Test
  void withSeveralNamespacesAFailedReadIsNoConfirmation() {
    CacheClusterView multi =
        new CacheClusterView(
            List.of(inFlight.getMetadata().getNamespace(), "other"),
            (ns, notOlderThan, selector) -> {
              throw new IllegalStateException("API server unavailable");
            });
    FakeCache own = new FakeCache();
    multi.attach(own, CacheClusterViewTest::target);
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
            (ns, notOlderThan, selector) -> "other".equals(ns) ? List.of(rival) : List.of());
    FakeCache own = new FakeCache();
    multi.attach(own, CacheClusterViewTest::target);
    own.put(rival);
    KxChangeset completed = written(rival, "250", "COMPLETED");
    completed.getMetadata().setNamespace("other");
    multi.remember(completed);
    KxChangeset mine = written(inFlight, "200", "PENDING");
    own.put(mine);

    assertThat(multi.awaitSeen(mine, java.time.Duration.ofSeconds(1))).isTrue();
    assertThat(multi.onDatabase(KEY))
        .filteredOn(r -> "rival".equals(r.getMetadata().getName()))
        .singleElement()
        .satisfies(r -> assertThat(r.getStatus().getStatus()).isEqualTo("COMPLETED"));
  }

  /**
   * An API server that holds {@code resources} and answers a fresh LIST as a real one would: the
   * selectors the view sends are those of {@link FinalFilter#bySpec} and {@link
   * FinalFilter#byIntent}. Counts the LISTs and the objects they return.
   */
  static final class FreshServer implements CacheClusterView.FreshList {
    final List<KxChangeset> resources = new ArrayList<>();
    final List<String> lists = new ArrayList<>();
    int objectsRead;

    @Override
    public List<KxChangeset> list(String namespace, String notOlderThan, String fieldSelector) {
      lists.add(
          namespace + "@" + notOlderThan + (fieldSelector == null ? "" : "?" + fieldSelector));
      List<KxChangeset> out =
          resources.stream()
              .filter(r -> namespace.equals(r.getMetadata().getNamespace()))
              .filter(r -> selects(fieldSelector, r))
              .toList();
      objectsRead += out.size();
      return out;
    }

    static boolean selects(String fieldSelector, KxChangeset r) {
      if (fieldSelector == null) {
        return true;
      }
      CreateIntent intent = r.getStatus() == null ? null : r.getStatus().getCreateIntent();
      return fieldSelector.equals(
              FinalFilter.bySpec(
                  new DatabaseRef(
                      REGION, r.getSpec().getEnvironmentId(), r.getSpec().getDatabaseName())))
          || intent != null
              && fieldSelector.equals(
                  FinalFilter.byIntent(
                      new DatabaseRef(
                          intent.getRegion(),
                          intent.getEnvironmentId(),
                          intent.getDatabaseName())));
    }
  }

  /**
   * A resource in flight in {@code namespace}: spec on {@code specDb}, intent on {@code intentDb}.
   */
  static KxChangeset inFlight(String namespace, String name, String specDb, String intentDb) {
    KxChangeset r = Resources.changeset(name, Instant.parse("2026-11-28T10:00:00Z"));
    r.getMetadata().setNamespace(namespace);
    r.getMetadata().setResourceVersion("150");
    r.getSpec().setDatabaseName(specDb);
    KxChangesetStatus s = new KxChangesetStatus();
    s.setCreateIntent(
        new CreateIntent(
            REGION,
            Resources.ENV,
            intentDb,
            1L,
            "0".repeat(64),
            r.getMetadata().getUid(),
            "2026-11-28T10:00:00Z"));
    s.setStatus("PENDING");
    r.setStatus(s);
    return r;
  }

  /**
   * The cost of a confirmation with several watched namespaces: it reads the other namespaces'
   * resources of the written resource's database, selected by spec and by create intent, not every
   * resource of those namespaces (a burst of creates made that quadratic). A resource whose intent
   * names the database and whose spec was edited to another is still read; one whose spec names it
   * but whose intent another is read and left out of the database.
   */
  @Test
  void withSeveralNamespacesAConfirmationReadsOnlyTheResourcesOfItsDatabase() {
    FreshServer server = new FreshServer();
    List<String> namespaces = List.of("kdb", "team-b", "team-c");
    int databases = 20;
    int perDatabase = 3;
    for (String ns : namespaces) {
      for (int d = 0; d < databases; d++) {
        String db = d == 0 ? Resources.DB : "db-" + d;
        for (int i = 0; i < perDatabase; i++) {
          server.resources.add(inFlight(ns, ns + "-" + db + "-" + i, db, db));
        }
      }
    }
    KxChangeset edited = inFlight("team-b", "edited", "quotes", Resources.DB);
    KxChangeset elsewhere = inFlight("team-c", "elsewhere", Resources.DB, "quotes");
    server.resources.add(edited);
    server.resources.add(elsewhere);
    CacheClusterView multi = new CacheClusterView(namespaces, server, selector -> List.of());
    FakeCache own = new FakeCache();
    multi.attach(own, CacheClusterViewTest::target);
    KxChangeset mine = inFlight("kdb", "mine", Resources.DB, Resources.DB);
    mine.getMetadata().setResourceVersion("200");
    own.put(mine);

    assertThat(multi.awaitSeen(mine, java.time.Duration.ofSeconds(1))).isTrue();

    assertThat(multi.onDatabase(KEY))
        .extracting(r -> r.getMetadata().getName())
        .contains("edited", "team-b-trades-0", "team-c-trades-2")
        .doesNotContain("elsewhere", "team-b-db-1-0");
    // The others' resources of trades (3 each), the edited one, and the one only its spec puts
    // there; each may be read twice (by spec and by intent). Not the 2 x 61 of the namespaces.
    int ofTheDatabase = 2 * perDatabase + 2;
    assertThat(server.objectsRead).isLessThanOrEqualTo(2 * ofTheDatabase);
  }

  /**
   * A resource created on trades whose spec was edited to quotes since (an API server without the
   * CEL freeze) is on trades: a confirmation on trades reads it (by its intent), one on quotes does
   * not count it.
   */
  @Test
  void aResourceWhoseSpecWasEditedAfterItsIntentIsReadForItsIntentsDatabase() {
    FreshServer server = new FreshServer();
    server.resources.add(inFlight("other", "edited", "quotes", Resources.DB));
    CacheClusterView multi = new CacheClusterView(List.of("kdb", "other"), server, s -> List.of());
    FakeCache own = new FakeCache();
    multi.attach(own, CacheClusterViewTest::target);
    KxChangeset mine = inFlight("kdb", "mine", Resources.DB, Resources.DB);
    mine.getMetadata().setResourceVersion("200");
    own.put(mine);
    KxChangeset onQuotes = inFlight("kdb", "on-quotes", "quotes", "quotes");
    onQuotes.getMetadata().setResourceVersion("201");
    own.put(onQuotes);

    assertThat(multi.awaitSeen(mine, java.time.Duration.ofSeconds(1))).isTrue();
    assertThat(multi.awaitSeen(onQuotes, java.time.Duration.ofSeconds(1))).isTrue();

    assertThat(multi.onDatabase(KEY)).extracting(r -> r.getMetadata().getName()).contains("edited");
    assertThat(multi.onDatabase(new DatabaseRef(REGION, Resources.ENV, "quotes").key()))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("on-quotes");
    assertThat(server.lists).hasSize(4).allMatch(l -> l.startsWith("other@20"));
  }

  /**
   * Without selectable fields (Kubernetes 1.30: the view has no reader of final resources either) a
   * confirmation reads each other namespace whole, as before, and keeps its database's.
   */
  @Test
  void withoutSelectableFieldsAConfirmationReadsEachOtherNamespaceWhole() {
    FreshServer server = new FreshServer();
    server.resources.add(inFlight("other", "edited", "quotes", Resources.DB));
    server.resources.add(inFlight("other", "elsewhere", "quotes", "quotes"));
    CacheClusterView multi = new CacheClusterView(List.of("kdb", "other"), server);
    FakeCache own = new FakeCache();
    multi.attach(own, CacheClusterViewTest::target);
    KxChangeset mine = inFlight("kdb", "mine", Resources.DB, Resources.DB);
    mine.getMetadata().setResourceVersion("200");
    own.put(mine);

    assertThat(multi.awaitSeen(mine, java.time.Duration.ofSeconds(1))).isTrue();

    assertThat(server.lists).containsExactly("other@200");
    assertThat(server.objectsRead).isEqualTo(2);
    assertThat(multi.onDatabase(KEY))
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("mine", "edited");
  }
}
