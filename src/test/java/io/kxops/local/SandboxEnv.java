/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the running sandbox tells its user: target/sandbox/env (source it), kubeconfig, examples/,
 * and the how-to printed once it is ready.
 */
final class SandboxEnv {

  static final String ENVIRONMENT_ID = "jlcenjvtkgzrdek2qqv7ic";
  static final String DATABASE = "trades";
  static final String NAMESPACE = "default";
  static final String ACCESS_KEY_ID = "AKIDSANDBOX";
  static final String SECRET_ACCESS_KEY = "sandbox-secret";
  static final String REGION = "us-east-1";

  private SandboxEnv() {}

  /** Writes {@code dir}/kubeconfig (from the cluster's), env and examples/. */
  static void write(Path dir, Path clusterKubeconfig, Map<String, String> values, Path binDir)
      throws IOException {
    Files.copy(clusterKubeconfig, dir.resolve("kubeconfig"), StandardCopyOption.REPLACE_EXISTING);
    Path examples = dir.resolve("examples");
    Files.createDirectories(examples);
    Files.writeString(
        examples.resolve("changeset.yaml"),
        example(
            "trades-2020-01-06", "s3://kdb-staging-prod/trades/hdb/2020.01.06/", "/2020.01.06/"));
    Files.writeString(
        examples.resolve("failing-changeset.yaml"),
        example("trades-bad-2020-01-07", "s3://kdb-staging-prod/bad/2020.01.07/", "/2020.01.07/"));
    Path tmp = dir.resolve("env.tmp");
    Files.writeString(tmp, envFile(values, binDir));
    Files.move(
        tmp,
        dir.resolve("env"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** The variables of the env file. */
  static Map<String, String> values(Path dir, SandboxOptions options, long operatorPid) {
    Map<String, String> v = new LinkedHashMap<>();
    String emu = "http://127.0.0.1:" + options.emulatorPort();
    v.put("KUBECONFIG", dir.resolve("kubeconfig").toString());
    v.put("AWS_ENDPOINT_URL_FINSPACE", emu);
    v.put("AWS_REGION", REGION);
    // AWS CLI v1 reads only AWS_DEFAULT_REGION ("You must specify a region" without it).
    v.put("AWS_DEFAULT_REGION", REGION);
    v.put("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID);
    v.put("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY);
    v.put("FINSPACE_EMULATOR_ADMIN_URL", emu + "/_emulator");
    v.put("FINSPACE_ENVIRONMENT_ID", ENVIRONMENT_ID);
    v.put("FINSPACE_DATABASE_NAMES", DATABASE);
    v.put("SANDBOX_NAMESPACE", NAMESPACE);
    v.put("SANDBOX_PID", Long.toString(ProcessHandle.current().pid()));
    v.put("SANDBOX_OPERATOR_PID", operatorPid < 0 ? "" : Long.toString(operatorPid));
    v.put("SANDBOX_METRICS_URL", "http://127.0.0.1:" + options.metricsPort() + "/metrics");
    v.put("SANDBOX_HEALTH_URL", "http://127.0.0.1:" + options.healthPort() + "/readyz");
    return v;
  }

  /** Shell lines {@code export KEY=value}; then kubectl's directory prepended to PATH. */
  static String envFile(Map<String, String> values, Path binDir) {
    StringBuilder sb = new StringBuilder();
    sb.append("# The local sandbox (hack/sandbox.sh). Use: source target/sandbox/env\n");
    sb.append("# Removed when the sandbox stops. KEY=value lines, one per variable.\n");
    values.forEach(
        (k, v) -> sb.append("export ").append(k).append('=').append(shellQuote(v)).append('\n'));
    if (binDir != null) {
      sb.append("export KXOPS_BIN_DIR=").append(shellQuote(binDir.toString())).append('\n');
      sb.append("# kubectl (and helm) from the binaries cache\n");
      sb.append("export PATH=\"$KXOPS_BIN_DIR:$PATH\"\n");
    }
    return sb.toString();
  }

  static String shellQuote(String v) {
    if (v.matches("[A-Za-z0-9_./:@%+,=-]*")) {
      return v;
    }
    return "'" + v.replace("'", "'\\''") + "'";
  }

  static String example(String name, String s3Path, String dbPath) {
    return """
        # A KxChangeset of the sandbox: copy and edit it, then kubectl apply -f it.
        apiVersion: finspace.kxops.io/v1alpha1
        kind: KxChangeset
        metadata:
          name: %s
        spec:
          environmentId: %s
          databaseName: %s
          changeRequests:
          - changeType: PUT
            s3Path: %s
            dbPath: %s
        """
        .formatted(name, ENVIRONMENT_ID, DATABASE, s3Path, dbPath);
  }

  /** Printed once the sandbox is ready. */
  static List<String> howTo(Path root) {
    return List.of(
        "",
        "The sandbox is running. In another terminal (from " + root + "):",
        "",
        "  source target/sandbox/env          # KUBECONFIG, AWS_*, FINSPACE_*; kubectl on PATH",
        "  kubectl get kxcs -A -w             # watch every KxChangeset, all namespaces",
        "",
        "  # your own changeset (copy and edit the example, or write one like config/samples/*)",
        "  kubectl apply -f target/sandbox/examples/changeset.yaml",
        "",
        "  # make one fail: a failure rule on the emulator's admin API, then a PUT matching it",
        "  curl -s -X PUT \"$FINSPACE_EMULATOR_ADMIN_URL/lifecycle\" -d '{\"failureRules\":"
            + "[{\"s3Path\":\"s3://kdb-staging-prod/bad/*\",\"errorMessage\":\"no such object\"}]}'; echo",
        "  kubectl apply -f target/sandbox/examples/failing-changeset.yaml",
        "  kubectl wait --for=condition=Stalled kxcs/trades-bad-2020-01-07 --timeout=60s",
        "",
        "  # the emulator's view: curl -s \"$FINSPACE_EMULATOR_ADMIN_URL/changesets"
            + "?environmentId=$FINSPACE_ENVIRONMENT_ID&databaseName=trades\"",
        "  # logs: target/sandbox/operator.log, target/sandbox/cluster/*.log",
        "",
        "Ctrl-C here (or kill $SANDBOX_PID) stops everything. Changes of any KxChangeset follow:");
  }
}
