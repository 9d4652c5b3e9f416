/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator's jar started where it cannot reach a cluster: it stops at once with one line that
 * says what to do, and no stack trace.
 */
class StartupErrorsIT {

  static final Path JAR = Path.of("target", "kxchangeset-operator.jar");
  static final Path WORK = Path.of("target", "startup-errors-it");

  record Run(int exit, String output, Duration took) {}

  static Run run(Map<String, String> env) throws IOException, InterruptedException {
    // A home without .kube/config, whatever the machine's user has.
    Path home = Files.createDirectories(WORK.resolve("empty-home")).toAbsolutePath();
    Path out = WORK.resolve("out-" + System.nanoTime() + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java, "-XX:TieredStopAtLevel=1", "-Duser.home=" + home, "-jar", JAR.toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", System.getenv("PATH"));
    pb.environment().put("HOME", home.toString());
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the operator exits by itself").isTrue();
    return new Run(p.exitValue(), Files.readString(out), Duration.ofNanos(System.nanoTime() - t0));
  }

  @Test
  void noKubeconfigAndNotInAPod() throws Exception {
    Run r = run(Map.of());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.output().strip().lines().toList())
        .singleElement()
        .asString()
        .startsWith("start-up failed: no Kubernetes API server to talk to")
        .contains("set KUBECONFIG");
    assertThat(r.took()).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  void anUnreachableApiServer() throws Exception {
    Path kubeconfig =
        Files.writeString(
            Files.createDirectories(WORK).resolve("unreachable-kubeconfig"),
            String.join(
                "\n",
                List.of(
                    "apiVersion: v1",
                    "kind: Config",
                    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
                    "users: [{name: u, user: {token: t}}]",
                    "contexts: [{name: x, context: {cluster: c, user: u}}]",
                    "current-context: x",
                    "")));
    Run r =
        run(
            Map.of(
                "AWS_REGION",
                "us-east-1",
                "KUBECONFIG",
                kubeconfig.toAbsolutePath().toString(),
                "LOG_FORMAT",
                "text",
                // fabric8 retries a refused connection for about 20 s by default; not needed here.
                "KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT",
                "1"));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.output())
        .contains("start-up failed: cannot reach the Kubernetes API server at https://127.0.0.1:1/")
        .contains("check KUBECONFIG")
        .doesNotContain("\tat ")
        .doesNotContain("An error has occurred");
  }
}
