/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import software.amazon.awssdk.services.finspace.FinspaceClient;

/**
 * Run in a child JVM by {@link EndpointConventionTest}: a client built from the environment only
 * (AWS_ENDPOINT_URL_FINSPACE, AWS_REGION, AWS_ACCESS_KEY_ID...) creates a changeset.
 */
public final class EndpointEnvProbe {
  private EndpointEnvProbe() {}

  public static void main(String[] args) {
    TestClients.quietLogging();
    try (FinspaceClient client = FinspaceClient.create()) {
      String id =
          client
              .createKxChangeset(
                  b ->
                      b.environmentId(args[0])
                          .databaseName(args[1])
                          .changeRequests(TestClients.onePut())
                          .clientToken(args[2]))
              .changesetId();
      System.out.println("created " + id);
    }
  }
}
