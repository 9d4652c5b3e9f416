/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.kxops.operator.testing.MonitoringFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped monitoring, checked by Prometheus's own promtool (hack/promtool.sh builds it): the
 * alert rules load, their unit tests pass, and every Grafana dashboard query parses. That every
 * metric they name is exported is checked against the running operator (OperatorE2EIT) and the
 * sandbox's (SandboxIT).
 */
class MonitoringIT {

  static final Path WORK = Path.of("target", "monitoring-it");
  static String promtool;

  record Run(int exit, String output) {}

  static Run run(String... cmd) throws IOException, InterruptedException {
    Files.createDirectories(WORK);
    Path out = Files.createTempFile(WORK, "out-", ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    // The first hack/promtool.sh builds promtool from Go modules: minutes.
    assertThat(p.waitFor(30, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), Files.readString(out));
  }

  @BeforeAll
  static void findPromtool() throws Exception {
    Path path = WORK.resolve("promtool-path");
    Files.createDirectories(WORK);
    Process p =
        new ProcessBuilder("bash", "hack/promtool.sh")
            .redirectOutput(path.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    assertThat(p.waitFor(30, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("hack/promtool.sh").isZero();
    promtool = Files.readString(path).strip();
  }

  @Test
  void alertRulesLoad() throws Exception {
    Run r = run(promtool, "check", "rules", MonitoringFiles.RULES.toString());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS: 4 rules found");
  }

  @Test
  void alertRulesFireWhenTheyShouldAndOnlyThen() throws Exception {
    Run r = run(promtool, "test", "rules", MonitoringFiles.RULE_TESTS.toString());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void everyDashboardQueryParses() throws Exception {
    // promtool parses PromQL when it checks rules: each query becomes a recording rule.
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    List<String> queries = MonitoringFiles.dashboardQueries();
    for (int i = 0; i < queries.size(); i++) {
      rules
          .append("      - record: dashboard_query_")
          .append(i)
          .append("\n        expr: '")
          .append(queries.get(i).replace("'", "''"))
          .append("'\n");
    }
    Path file = WORK.resolve("dashboard-queries.yaml");
    Files.writeString(file, rules);
    Run r = run(promtool, "check", "rules", file.toString());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS: " + queries.size() + " rules found");
  }

  @Test
  void aBrokenQueryIsCaught() throws Exception {
    // The check above can fail: promtool rejects a query that does not parse.
    Path file = WORK.resolve("broken.yaml");
    Files.writeString(
        file,
        "groups:\n  - name: x\n    rules:\n      - record: x\n        expr: 'sum(rate(x[5m])'\n");
    assertThat(run(promtool, "check", "rules", file.toString()).exit()).isNotZero();
  }
}
