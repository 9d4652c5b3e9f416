/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hack/provision-binaries.sh fails closed on binaries that are not the ones hack/binaries.sha256
 * lists: a cache holding anything else (here: small stand-ins laid out as a complete cache) stops
 * the run, also with KXOPS_ALLOW_UNPINNED, which only admits binaries that have no listed digest.
 */
class ProvisionDigestsTest {

  static final Path SCRIPT = Path.of("hack/provision-binaries.sh").toAbsolutePath();

  @TempDir Path cache;

  record Run(int exit, String stderr) {}

  @Test
  void aCachedBinaryThatIsNotTheListedOneStopsTheRun() throws Exception {
    fakeCache(cache);
    Run run = provision(Map.of());
    assertThat(run.exit()).as(run.stderr()).isEqualTo(1);
    assertThat(run.stderr())
        .contains("kube-apiserver 1.37.2: sha256")
        .contains("is not the one hack/binaries.sha256 lists")
        .contains("failed its digest check");
  }

  @Test
  void allowingUnpinnedBinariesNeverAdmitsOneWhoseListedDigestDiffers() throws Exception {
    fakeCache(cache);
    Run run = provision(Map.of("KXOPS_ALLOW_UNPINNED", "1"));
    assertThat(run.exit()).as(run.stderr()).isEqualTo(1);
    assertThat(run.stderr()).contains("failed its digest check");
  }

  @Test
  void everyListedLineNamesAKnownBinaryOfThisVersionAndPlatform() throws IOException {
    List<String> lines =
        Files.readAllLines(SCRIPT.resolveSibling("binaries.sha256")).stream()
            .filter(l -> !l.startsWith("#") && !l.isBlank())
            .toList();
    assertThat(lines).hasSize(14);
    assertThat(lines).allMatch(l -> l.matches("[0-9a-f]{64}  \\S+  [0-9.]+  linux-amd64  \\S+"));
  }

  /**
   * The version matrix: --api-server-only provisions another version's API-server layer beside the
   * default one without changing what the default runs (VERSION, bin/), and exports that version
   * and a bin directory of its own. Here from the real, provisioned binaries, linked into a fresh
   * cache root: the run finds them complete and only links and exports.
   */
  @Test
  void anApiServerOnlyRunLeavesTheDefaultVersionAlone() throws Exception {
    Path real = Binaries.kubernetesDir();
    String version = Binaries.kubernetesVersion();
    Path k8s = cache.resolve("kube-api-test/k8s").resolve(real.getFileName());
    Files.createDirectories(k8s);
    for (String b : List.of("kube-apiserver", "kubectl", "etcd", ".complete")) {
      Files.createSymbolicLink(k8s.resolve(b), real.resolve(b));
    }
    Path helm = Binaries.tool("helm").toRealPath().getParent();
    Files.createDirectories(cache.resolve("helm"));
    Files.createSymbolicLink(cache.resolve("helm").resolve(helm.getFileName()), helm);

    ProcessBuilder pb =
        new ProcessBuilder(
            "bash", SCRIPT.toString(), "--offline", "--k8s-version", version, "--api-server-only");
    pb.environment().put("KXOPS_CACHE", cache.toString());
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();

    Path bin = cache.resolve("versions").resolve(version).resolve("bin");
    assertThat(out)
        .contains("export KUBE_API_TEST_API_SERVER_VERSION=" + version)
        .contains("export KXOPS_BIN_DIR=" + bin)
        .doesNotContain("KXOPS_K8S_VERSION");
    assertThat(bin.resolve("kubectl")).isExecutable();
    assertThat(bin.resolve("kubectl").toRealPath()).isEqualTo(real.resolve("kubectl").toRealPath());
    assertThat(bin.resolve("helm")).isExecutable();
    assertThat(cache.resolve("kube-api-test/VERSION")).doesNotExist();
    assertThat(cache.resolve("bin")).doesNotExist();
  }

  @Test
  void theNodePartsStayOnTheDefaultVersion() throws Exception {
    Run run = provision(Map.of("KXOPS_API_SERVER_ONLY", "1", "KXOPS_NODE", "1"));
    assertThat(run.exit()).as(run.stderr()).isEqualTo(1);
    assertThat(run.stderr()).contains("--api-server-only provisions the API-server layer only");
  }

  /** A cache that looks complete: markers and executables, none of them the real binaries. */
  static void fakeCache(Path root) throws IOException {
    Path k8s = root.resolve("kube-api-test/k8s/1.37.2-linux-amd64");
    Path helm = root.resolve("helm/3.22.0-linux-amd64");
    for (Path d : List.of(k8s, helm)) {
      Files.createDirectories(d);
    }
    Files.writeString(k8s.resolve(".complete"), "k8s=1.37.2\netcd=3.7.3\nsource=build\n");
    Files.writeString(helm.resolve(".complete"), "helm=3.22.0\nsource=build\n");
    for (String b : List.of("kube-apiserver", "kubectl", "etcd")) {
      executable(k8s.resolve(b));
    }
    executable(helm.resolve("helm"));
  }

  static void executable(Path p) throws IOException {
    Files.writeString(p, "#!/bin/sh\necho not the real binary\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  Run provision(Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "--offline");
    pb.environment().put("KXOPS_CACHE", cache.toString());
    pb.environment().remove("KXOPS_ALLOW_UNPINNED");
    pb.environment().putAll(env);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Path err = cache.resolve("stderr.txt");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
  }
}
