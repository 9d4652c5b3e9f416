/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.finspace;

/** The FinSpace operations the operator calls, named as in the API. */
public enum Operation {
  CREATE("CreateKxChangeset"),
  GET("GetKxChangeset"),
  LIST("ListKxChangesets");

  private final String apiName;

  Operation(String apiName) {
    this.apiName = apiName;
  }

  public String apiName() {
    return apiName;
  }
}
