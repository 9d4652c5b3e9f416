/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** FinSpace's ErrorInfo shape, mirrored verbatim. */
@JsonClassDescription("The reason FinSpace gave for a FAILED changeset.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"errorType", "errorMessage"})
public class ErrorInfo {

  @JsonPropertyDescription(
      "FinSpace's error type sentence, verbatim, for example 'The inputs to this request are"
          + " invalid.'")
  private String errorType;

  @JsonPropertyDescription("FinSpace's error message.")
  private String errorMessage;

  public ErrorInfo() {}

  public ErrorInfo(String errorType, String errorMessage) {
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }

  public ErrorInfo copy() {
    return new ErrorInfo(errorType, errorMessage);
  }

  public String getErrorType() {
    return errorType;
  }

  public void setErrorType(String errorType) {
    this.errorType = errorType;
  }

  public String getErrorMessage() {
    return errorMessage;
  }

  public void setErrorMessage(String errorMessage) {
    this.errorMessage = errorMessage;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ErrorInfo other
        && Objects.equals(errorType, other.errorType)
        && Objects.equals(errorMessage, other.errorMessage);
  }

  @Override
  public int hashCode() {
    return Objects.hash(errorType, errorMessage);
  }
}
