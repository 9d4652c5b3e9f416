/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import io.kxops.testkit.ApiServer;
import io.kxops.testkit.Cli;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the install tests share: the chart, the names both installs use, a bare API server. */
final class Install {

  static final Path CHART = Path.of("helm", "kxchangeset-operator");
  static final String CRD = "kxchangesets.finspace.kxops.io";

  /** The KxAccessPolicy CRD, which the install creates beside it. */
  static final String POLICY_CRD = "kxaccesspolicies.finspace.kxops.io";

  /** The namespace of config/default, and of the chart in these tests. */
  static final String NS = "kxchangeset-system";

  /**
   * The chart's release name in these tests; so also its ServiceAccount and objects, like those of
   * config/default. The operator's default Lease has the same name.
   */
  static final String NAME = "kxchangeset-operator";

  private Install() {}

  /**
   * An API server without the CRDs ApiServer installs: the install under test owns it (helm refuses
   * to take over objects it did not create), creates it and upgrades it.
   */
  static ApiServer startWithoutCrd() {
    return ApiServer.startWithoutCrds();
  }

  /**
   * {@code helm template} of the chart as release {@link #NAME} in {@link #NS}, without the {@code
   * helm test} pod (a hook: installing the release does not create it).
   */
  static Manifests helmTemplate(Cli cli, Object... args) {
    List<Object> cmd = new ArrayList<>(List.of("template", NAME, CHART, "-n", NS, "--skip-tests"));
    cmd.addAll(List.of(args));
    return Manifests.parse(cli.helm(cmd.toArray()).ok().stdout());
  }
}
