/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.testing.MonitoringFiles;
import org.junit.jupiter.api.Test;

/** The metric-name extraction the monitoring checks rely on, and what the shipped files name. */
class MonitoringFilesTest {

  @Test
  void extractsOnlyMetricNames() {
    assertThat(
            MonitoringFiles.metricNames(
                "sum by (operation, outcome) (rate(kxchangeset_finspace_calls_seconds_count"
                    + "{outcome!=\"success\", x=~\"a|b\"}[5m])) / on() group_left"
                    + " sum(up offset 5m) > bool 0.2 or vector(0)"))
        .containsExactlyInAnyOrder("kxchangeset_finspace_calls_seconds_count", "up");
    assertThat(
            MonitoringFiles.metricNames(
                "histogram_quantile(0.95, sum by (le) (rate(a_bucket[15m])))"))
        .containsExactly("a_bucket");
  }

  @Test
  void everyQueryNamesAnOperatorMetric() {
    for (String q : MonitoringFiles.ruleExpressions()) {
      assertThat(MonitoringFiles.metricNames(q)).as(q).isNotEmpty();
    }
    assertThat(MonitoringFiles.dashboardQueries()).hasSizeGreaterThan(10);
    for (String q : MonitoringFiles.dashboardQueries()) {
      assertThat(MonitoringFiles.metricNames(q)).as(q).isNotEmpty();
    }
    assertThat(MonitoringFiles.allMetricNames())
        .allSatisfy(n -> assertThat(n).matches("(kxchangeset|jvm|process)_[a-z0-9_]+"));
  }
}
