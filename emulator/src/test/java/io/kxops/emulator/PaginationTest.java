/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.finspace.model.KxChangesetListEntry;
import software.amazon.awssdk.services.finspace.model.ListKxChangesetsResponse;
import software.amazon.awssdk.services.finspace.model.ValidationException;

/** ListKxChangesets pages with an opaque nextToken, oldest first, no token on the last page. */
class PaginationTest extends EmulatorFixture {

  @BeforeAll
  static void start() {
    startWith(FinSpaceEmulator.builder().database(ENV, DB).database(ENV, "quotes"));
  }

  @Test
  void thePaginatorWalksAllPagesInCreationOrder() {
    List<String> created = createChangesets(DB, 25);

    List<ListKxChangesetsResponse> pages =
        sdk
            .listKxChangesetsPaginator(b -> b.environmentId(ENV).databaseName(DB).maxResults(10))
            .stream()
            .toList();

    assertThat(pages).extracting(p -> p.kxChangesets().size()).containsExactly(10, 10, 5);
    assertThat(pages.get(0).nextToken()).isNotBlank();
    assertThat(pages.get(2).nextToken()).isNull();
    assertThat(pages.stream().flatMap(p -> p.kxChangesets().stream()))
        .extracting(KxChangesetListEntry::changesetId)
        .containsExactlyElementsOf(created);
    assertThat(emu.counter(Operation.LIST_KX_CHANGESETS, "200")).isEqualTo(3);
  }

  @Test
  void withoutMaxResultsOrWithZeroThePageHasTenEntries() {
    createChangesets(DB, 12);

    ListKxChangesetsResponse first =
        sdk.listKxChangesets(b -> b.environmentId(ENV).databaseName(DB));
    ListKxChangesetsResponse zero =
        sdk.listKxChangesets(b -> b.environmentId(ENV).databaseName(DB).maxResults(0));

    assertThat(first.kxChangesets()).hasSize(10);
    assertThat(first.nextToken()).isNotNull();
    assertThat(zero.kxChangesets()).hasSize(10);
    ListKxChangesetsResponse second =
        sdk.listKxChangesets(
            b -> b.environmentId(ENV).databaseName(DB).nextToken(first.nextToken()));
    assertThat(second.kxChangesets()).hasSize(2);
    assertThat(second.nextToken()).isNull();
  }

  @Test
  void oneFullPageHasNoNextToken() {
    createChangesets(DB, 100);

    ListKxChangesetsResponse all =
        sdk.listKxChangesets(b -> b.environmentId(ENV).databaseName(DB).maxResults(100));

    assertThat(all.kxChangesets()).hasSize(100);
    assertThat(all.nextToken()).isNull();
  }

  @Test
  void anEmptyDatabaseListsNothing() {
    ListKxChangesetsResponse r = sdk.listKxChangesets(b -> b.environmentId(ENV).databaseName(DB));
    assertThat(r.kxChangesets()).isEmpty();
    assertThat(r.nextToken()).isNull();
  }

  @Test
  void aTokenOfAnotherDatabaseIsRejected() {
    createChangesets(DB, 3);
    String token =
        sdk.listKxChangesets(b -> b.environmentId(ENV).databaseName(DB).maxResults(1)).nextToken();

    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                sdk.listKxChangesets(
                    b -> b.environmentId(ENV).databaseName("quotes").nextToken(token)));

    assertThat(e.getMessage()).contains("nextToken: is not a valid pagination token");
  }

  @Test
  void pagesStayStableWhileNewChangesetsArrive() {
    List<String> created = createChangesets(DB, 4);
    ListKxChangesetsResponse first =
        sdk.listKxChangesets(b -> b.environmentId(ENV).databaseName(DB).maxResults(2));
    created.addAll(createChangesets(DB, 1));

    ListKxChangesetsResponse rest =
        sdk.listKxChangesets(
            b -> b.environmentId(ENV).databaseName(DB).maxResults(10).nextToken(first.nextToken()));

    assertThat(rest.kxChangesets())
        .extracting(KxChangesetListEntry::changesetId)
        .containsExactlyElementsOf(created.subList(2, 5));
  }

  private static List<String> createChangesets(String db, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(
          emu.createChangeset(
                  ENV,
                  db,
                  List.of(new ChangesetView.Request("DELETE", null, "/2020.01." + i + "/")))
              .changesetId());
    }
    return ids;
  }
}
