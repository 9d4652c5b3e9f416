/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounded per-region cache: least recently used out, closed only once no call uses it. */
class RegionClientsTest {

  static final class Client implements AutoCloseable {
    final String region;
    boolean closed;

    Client(String region) {
      this.region = region;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  final List<Client> built = new ArrayList<>();
  final RegionClients<Client> clients =
      new RegionClients<>(
          r -> {
            Client c = new Client(r);
            built.add(c);
            return c;
          },
          2);

  @Test
  void theLeastRecentlyUsedClientIsClosedBeyondTheBound() {
    clients.with("a", c -> c);
    clients.with("b", c -> c);
    clients.with("a", c -> c);
    clients.with("c", c -> c);

    assertThat(clients.regions()).containsExactly("a", "c");
    assertThat(built)
        .extracting(c -> c.region + ":" + c.closed)
        .containsExactly("a:false", "b:true", "c:false");
  }

  @Test
  void aClientInUseIsClosedOnlyWhenItsCallEnds() {
    Client seen =
        clients.with(
            "a",
            a -> {
              clients.with("b", c -> c);
              clients.with("c", c -> c); // evicts a, which this call still uses
              assertThat(a.closed).isFalse();
              return a;
            });
    assertThat(seen.closed).isTrue();
    assertThat(clients.regions()).containsExactly("b", "c");
  }

  @Test
  void closeClosesEveryClient() {
    clients.with("a", c -> c);
    clients.with("b", c -> c);
    clients.close();
    assertThat(built).allMatch(c -> c.closed);
  }
}
