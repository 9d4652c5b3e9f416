package io.kxops.operator.reconcile;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetStatus;
import java.util.Objects;

/**
 * The one place status is written: a server-side apply of the whole status subresource, skipped
 * when nothing changed. JOSDK caches the result, so the next reconciliation (and the queue of the
 * same database) reads what was written.
 */
public final class StatusWriter {

  /**
   * Writes {@code next} unless it equals the resource's current status; returns true if written.
   */
  public boolean write(Context<KxChangeset> context, KxChangeset resource, KxChangesetStatus next) {
    if (next == null || Objects.equals(resource.getStatus(), next)) {
      return false;
    }
    KxChangeset patch = new KxChangeset();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(resource.getMetadata().getName())
            .withNamespace(resource.getMetadata().getNamespace())
            .build());
    patch.setStatus(next);
    context.resourceOperations().serverSideApplyPrimaryStatus(patch);
    return true;
  }
}
