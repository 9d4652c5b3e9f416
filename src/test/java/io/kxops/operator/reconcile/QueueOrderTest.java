/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The queue order compares creation times as text only where text order is time order. */
class QueueOrderTest {

  static KxChangeset created(String name, String timestamp) {
    KxChangeset r = new KxChangeset();
    r.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("kdb")
            .withCreationTimestamp(timestamp)
            .build());
    return r;
  }

  @Test
  void onlyTheApiServersFixedWidthUtcFormIsComparedAsText() {
    assertThat(DatabaseQueue.canonical("2026-12-05T23:04:37Z")).isTrue();
    assertThat(DatabaseQueue.canonical("2026-12-05T23:04:37.5Z")).isFalse();
    assertThat(DatabaseQueue.canonical("2026-12-05T23:04:37+01:00")).isFalse();
    assertThat(DatabaseQueue.canonical("2026-12-05 23:04:37Z")).isFalse();
    assertThat(DatabaseQueue.canonical("2026-12-0x T23:04:3Z")).isFalse();
    assertThat(DatabaseQueue.canonical(null)).isFalse();
  }

  @Test
  void theOrderIsTheOrderOfTheInstantsWhateverTheirForm() {
    // As text, "…:37+01:00" sorts after "…:30Z" though it is an hour earlier, and "…:37.5Z" after
    // "…:37Z" on its own merits only: the order must still follow the instants.
    Random random = new Random(17);
    DateTimeFormatter offset = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
    List<KxChangeset> rs = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      Instant t = Instant.parse("2026-12-05T10:00:00Z").plusSeconds(random.nextInt(7200));
      String text =
          switch (i % 4) {
            case 0, 1 -> t.toString(); // the API server's form
            case 2 -> t.plusMillis(random.nextInt(1000)).toString();
            default -> t.atOffset(ZoneOffset.ofHours(random.nextInt(5) - 2)).format(offset);
          };
      rs.add(created(String.format("cs-%03d", i), text));
    }
    List<KxChangeset> sorted = new ArrayList<>(rs);
    sorted.sort(DatabaseQueue.ORDER);
    List<KxChangeset> expected = new ArrayList<>(rs);
    expected.sort(
        Comparator.comparing(
                (KxChangeset r) ->
                    offset.parse(r.getMetadata().getCreationTimestamp(), Instant::from))
            .thenComparing(r -> r.getMetadata().getName()));
    assertThat(sorted).containsExactlyElementsOf(expected);
  }

  @Test
  void sameSecondGoesByNameAndUnparseableTimesGoLast() {
    KxChangeset b = created("b", "2026-12-05T10:00:00Z");
    KxChangeset a = created("a", "2026-12-05T10:00:00Z");
    KxChangeset odd = created("0", "yesterday");
    KxChangeset later = created("c", "2026-12-05T10:00:01Z");
    List<KxChangeset> rs = new ArrayList<>(List.of(odd, later, b, a));
    rs.sort(DatabaseQueue.ORDER);
    assertThat(rs).containsExactly(a, b, later, odd);
  }
}
