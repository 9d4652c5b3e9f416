package io.kxops.operator.reconcile;

import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.util.List;
import java.util.function.Function;

/** {@link ClusterView} over JOSDK's informer cache of KxChangesets, indexed by database key. */
public final class CacheClusterView implements ClusterView {

  static final String DATABASE_INDEX = "database";

  private volatile IndexerResourceCache<KxChangeset> cache;

  /** Called once the informer cache exists (JOSDK's prepareEventSources). */
  void attach(IndexerResourceCache<KxChangeset> cache, Function<KxChangeset, String> databaseKey) {
    cache.addIndexer(DATABASE_INDEX, r -> List.of(databaseKey.apply(r)));
    this.cache = cache;
  }

  @Override
  public List<KxChangeset> onDatabase(String databaseKey) {
    IndexerResourceCache<KxChangeset> c = cache;
    return c == null ? List.of() : c.byIndex(DATABASE_INDEX, databaseKey);
  }
}
