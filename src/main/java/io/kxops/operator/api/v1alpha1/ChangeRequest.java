/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** One PUT or DELETE of a FinSpace changeset, field for field as in the ChangeRequest shape. */
@JsonClassDescription("One change to the database: a PUT of S3 files or a DELETE of a path.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"changeType", "s3Path", "dbPath"})
@ValidationRule(
    value = "self.changeType != 'PUT' || has(self.s3Path)",
    message = "s3Path is required when changeType is PUT",
    fieldPath = ".s3Path",
    reason = "FieldValueRequired")
@ValidationRule(
    value = "self.changeType != 'DELETE' || !has(self.s3Path)",
    message = "s3Path must not be set when changeType is DELETE: a DELETE only names the dbPath",
    fieldPath = ".s3Path",
    reason = "FieldValueForbidden")
public class ChangeRequest {

  /** The model's S3Path pattern. */
  public static final String S3_PATH_PATTERN =
      "^s3:\\/\\/[a-z0-9][a-z0-9-.]{1,61}[a-z0-9]\\/([^\\/]+\\/)*[^\\/]*$";

  /** The model's DbPath pattern. */
  public static final String DB_PATH_PATTERN = "^(\\*)*[\\/\\?\\*]([^\\/]+\\/){0,2}[^\\/]*$";

  @Required
  @JsonPropertyDescription(
      "PUT adds or replaces files at dbPath from s3Path; DELETE removes dbPath from the"
          + " database.")
  private ChangeType changeType;

  @Size(min = 9, max = 1093)
  @ValidationRule(
      value = "self.matches(r'" + S3_PATH_PATTERN + "')",
      message =
          "s3Path must be an S3 URI s3://bucket/key: a bucket of 3-63 lower-case letters, digits,"
              + " '.' or '-', then '/' and a key without empty segments ('//'), for example"
              + " s3://kdb-staging/trades/2020.01.02/ or s3://kdb-staging/trades/sym")
  @JsonPropertyDescription(
      "S3 location of the files to PUT, for example s3://bucket/db/2020.01.02/ (a directory,"
          + " ending with '/') or s3://bucket/db/sym (a single file). Required for PUT, not"
          + " allowed for DELETE.")
  private String s3Path;

  @Required
  @Size(min = 1, max = 1025)
  @ValidationRule(
      value = "self.matches(r'" + DB_PATH_PATTERN + "')",
      message =
          "dbPath must be / or a directory at most two directories deep below it, without empty"
              + " segments ('//'), for example /2020.01.02/ or /2020.01.02/part/")
  @ValidationRule(
      value = "self.startsWith('/') && self.endsWith('/')",
      message = "dbPath must start and end with '/', for example /2020.01.02/ or /")
  @JsonPropertyDescription(
      "Target directory inside the database, starting and ending with '/', for example"
          + " /2020.01.02/ for a partition or / for the root (where a sym file goes).")
  private String dbPath;

  public ChangeRequest() {}

  public ChangeRequest(ChangeType changeType, String s3Path, String dbPath) {
    this.changeType = changeType;
    this.s3Path = s3Path;
    this.dbPath = dbPath;
  }

  /** A PUT of {@code s3Path} into {@code dbPath}. */
  public static ChangeRequest put(String s3Path, String dbPath) {
    return new ChangeRequest(ChangeType.PUT, s3Path, dbPath);
  }

  /** A DELETE of {@code dbPath}. */
  public static ChangeRequest delete(String dbPath) {
    return new ChangeRequest(ChangeType.DELETE, null, dbPath);
  }

  public ChangeType getChangeType() {
    return changeType;
  }

  public void setChangeType(ChangeType changeType) {
    this.changeType = changeType;
  }

  public String getS3Path() {
    return s3Path;
  }

  public void setS3Path(String s3Path) {
    this.s3Path = s3Path;
  }

  public String getDbPath() {
    return dbPath;
  }

  public void setDbPath(String dbPath) {
    this.dbPath = dbPath;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChangeRequest other
        && changeType == other.changeType
        && Objects.equals(s3Path, other.s3Path)
        && Objects.equals(dbPath, other.dbPath);
  }

  @Override
  public int hashCode() {
    return Objects.hash(changeType, s3Path, dbPath);
  }

  @Override
  public String toString() {
    return changeType + (s3Path == null ? "" : " " + s3Path) + " -> " + dbPath;
  }
}
