/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An IAM role the emulator's STS lets callers assume: the environment and databases its sessions
 * may call FinSpace on (an exact name, or a prefix followed by {@code *}), and the session tags an
 * AssumeRole must pass (a trust policy's {@code aws:RequestTag} conditions).
 */
public record Role(
    String arn,
    String environmentId,
    List<String> databases,
    Map<String, String> requiredSessionTags) {

  public Role {
    if (arn == null || !arn.matches("arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}")) {
      throw new IllegalArgumentException(
          "role arn: '" + arn + "' is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)");
    }
    databases = List.copyOf(databases);
    requiredSessionTags = Map.copyOf(requiredSessionTags);
  }

  /** A role whose sessions may call FinSpace on these databases of one environment. */
  public static Role of(String arn, String environmentId, String... databases) {
    return new Role(arn, environmentId, List.of(databases), Map.of());
  }

  /** The same role, whose AssumeRole must also pass session tag {@code key=value}. */
  public Role requiringSessionTag(String key, String value) {
    Map<String, String> tags = new LinkedHashMap<>(requiredSessionTags);
    tags.put(key, value);
    return new Role(arn, environmentId, databases, tags);
  }

  /** The account id in the ARN. */
  public String account() {
    return arn.split(":")[4];
  }

  /** The role's name: the ARN's last path element. */
  public String name() {
    String path = arn.substring(arn.indexOf(":role/") + ":role/".length());
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Whether a session of this role may call FinSpace on {@code environmentId/databaseName}. */
  public boolean allows(String environmentId, String databaseName) {
    if (!this.environmentId.equals(environmentId)) {
      return false;
    }
    for (String d : databases) {
      if (d.endsWith("*")
          ? databaseName.startsWith(d.substring(0, d.length() - 1))
          : d.equals(databaseName)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Parses the command-line form {@code ARN=ENV/DB[,DB...]}: e.g. {@code
   * arn:aws:iam::111122223333:role/team-a=env1/trades,quotes-*}.
   */
  static Role parse(String spec) {
    int eq = spec.lastIndexOf('=');
    int slash = eq < 0 ? -1 : spec.indexOf('/', eq);
    if (eq <= 0 || slash < 0 || slash == spec.length() - 1) {
      throw new IllegalArgumentException("--role needs ARN=ENV/DB[,DB...], got '" + spec + "'");
    }
    return new Role(
        spec.substring(0, eq),
        spec.substring(eq + 1, slash),
        List.of(spec.substring(slash + 1).split(",")),
        Map.of());
  }
}
