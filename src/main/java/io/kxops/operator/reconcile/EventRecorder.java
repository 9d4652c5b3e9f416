package io.kxops.operator.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records Kubernetes events (core/v1) on a KxChangeset; a failure to record is only logged. */
public final class EventRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  private final KubernetesClient client;
  private final String component;
  private final String instance;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, String component, String instance, Clock clock) {
    this.client = client;
    this.component = component;
    this.instance = instance;
    this.clock = clock;
  }

  public void record(KxChangeset r, Outcome.Event e) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                r.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
            .withNamespace(r.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(r.getApiVersion())
                    .withKind(r.getKind())
                    .withName(r.getMetadata().getName())
                    .withNamespace(r.getMetadata().getNamespace())
                    .withUid(r.getMetadata().getUid())
                    .withResourceVersion(r.getMetadata().getResourceVersion())
                    .build())
            .withType(e.warning() ? "Warning" : "Normal")
            .withReason(e.reason())
            .withMessage(truncate(e.message()))
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(component)
            .withHost(instance)
            .endSource()
            .withReportingComponent(component)
            .withReportingInstance(instance)
            .build();
    try {
      client.v1().events().inNamespace(r.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException ex) {
      LOG.warn("could not record event {}: {}", e.reason(), ex.getMessage());
    }
  }

  private static String truncate(String s) {
    return s == null || s.length() <= 1024 ? s : s.substring(0, 1021) + "...";
  }
}
