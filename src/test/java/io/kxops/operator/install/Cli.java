package io.kxops.operator.install;

import io.kxops.operator.it.ApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs helm and kubectl as subprocesses, with a timeout, output captured. Binaries come from {@code
 * KXOPS_BIN_DIR}, else {@code ~/.cache/kxops/bin} (what hack/provision-binaries.sh fills). Helm's
 * cache/config/data directories live under the work directory, not in the user's home.
 */
final class Cli {

  static final Duration TIMEOUT = Duration.ofMinutes(2);

  /** A finished command. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {

    /** Returns this result if the command succeeded, else fails with its output. */
    Result ok() {
      if (exitCode != 0) {
        throw new AssertionError(
            String.join(" ", command) + " exited " + exitCode + "\n" + stderr + "\n" + stdout);
      }
      return this;
    }
  }

  private final Path workDir;
  private final Map<String, String> env = new HashMap<>();
  private int runs;

  /**
   * @param workDir scratch directory, emptied first
   * @param api the cluster helm and kubectl talk to
   */
  Cli(Path workDir, ApiServer api) {
    this.workDir = workDir;
    try {
      deleteRecursively(workDir);
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path kubeconfig = api.writeKubeconfig(workDir.resolve("kubeconfig"));
    env.put("HELM_CACHE_HOME", workDir.resolve("helm/cache").toAbsolutePath().toString());
    env.put("HELM_CONFIG_HOME", workDir.resolve("helm/config").toAbsolutePath().toString());
    env.put("HELM_DATA_HOME", workDir.resolve("helm/data").toAbsolutePath().toString());
    env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
  }

  Path workDir() {
    return workDir;
  }

  static Path binDir() {
    String env = System.getenv("KXOPS_BIN_DIR");
    Path dir =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache", "kxops", "bin");
    for (String tool : List.of("helm", "kubectl")) {
      if (!Files.isExecutable(dir.resolve(tool))) {
        throw new IllegalStateException(
            "no "
                + tool
                + " in "
                + dir
                + " (set KXOPS_BIN_DIR); provision it with hack/provision-binaries.sh");
      }
    }
    return dir;
  }

  Result helm(Object... args) {
    return run("helm", args);
  }

  Result kubectl(Object... args) {
    return run("kubectl", args);
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private Result run(String tool, Object... args) {
    List<String> command = new ArrayList<>();
    command.add(binDir().resolve(tool).toString());
    for (Object a : args) {
      command.add(a.toString());
    }
    int n = ++runs;
    Path out = workDir.resolve(tool + "-" + n + ".out");
    Path err = workDir.resolve(tool + "-" + n + ".err");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", command) + " did not finish in " + TIMEOUT);
      }
      return new Result(command, p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
