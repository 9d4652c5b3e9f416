/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.services.finspace.FinspaceClient;

/**
 * One emulator per test class and the real SDK client (one attempt per call) pointed at it; the
 * emulator is reset before each test. Subclasses start it in their own {@code @BeforeAll}.
 */
abstract class EmulatorFixture {
  static final String ENV = "env1";
  static final String DB = "trades";

  static FinSpaceEmulator emu;
  static FinspaceClient sdk;

  static void startWith(FinSpaceEmulator.Builder builder) {
    emu = builder.start();
    sdk = TestClients.noRetries(emu.endpoint());
  }

  @AfterAll
  static void stop() {
    sdk.close();
    emu.close();
  }

  @BeforeEach
  void reset() {
    emu.reset();
  }
}
