/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.controller;

/** Test access to the event recorder's naming rule. */
public final class EventRecorderNames {
  private EventRecorderNames() {}

  public static String eventName(String resourceName) {
    return EventRecorder.eventName(resourceName);
  }
}
