/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The one runner of helm and kubectl (from {@link Binaries#binDir()}) for every test, the sandbox's
 * IT and the harnesses: subprocesses with a timeout, output captured to files in a work directory,
 * KUBECONFIG set, and Helm's cache/config/data directories under the work directory, not in the
 * user's home.
 */
public final class Cli {

  public static final Duration TIMEOUT = Duration.ofMinutes(2);

  /** A finished command. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {

    /** Returns this result if the command succeeded, else fails with its output. */
    public Result ok() {
      if (exitCode != 0) {
        throw new AssertionError(
            String.join(" ", command) + " exited " + exitCode + "\n" + stderr + "\n" + stdout);
      }
      return this;
    }

    /** Standard output, then standard error. */
    public String output() {
      return stdout + stderr;
    }
  }

  private final Path workDir;

  /** Numbers every command's output files, unique across runners sharing a work directory. */
  private static final AtomicInteger RUNS = new AtomicInteger();

  private final Map<String, String> env = new HashMap<>();

  /**
   * A runner against {@code api}; the work directory is emptied first.
   *
   * @param workDir scratch directory (the kubeconfig, each command's output)
   */
  public Cli(Path workDir, ApiServer api) {
    this(emptied(workDir), api.writeKubeconfig(workDir.resolve("kubeconfig")));
  }

  /** A runner against the cluster of {@code kubeconfig}; output goes to {@code workDir}. */
  public Cli(Path workDir, Path kubeconfig) {
    this.workDir = workDir;
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    env.put("HELM_CACHE_HOME", workDir.resolve("helm/cache").toAbsolutePath().toString());
    env.put("HELM_CONFIG_HOME", workDir.resolve("helm/config").toAbsolutePath().toString());
    env.put("HELM_DATA_HOME", workDir.resolve("helm/data").toAbsolutePath().toString());
    env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
  }

  public Path workDir() {
    return workDir;
  }

  public Result helm(Object... args) {
    return run("helm", args);
  }

  public Result kubectl(Object... args) {
    return run("kubectl", args);
  }

  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static Path emptied(Path dir) {
    try {
      deleteRecursively(dir);
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Result run(String tool, Object... args) {
    List<String> command = new ArrayList<>();
    command.add(Binaries.tool(tool).toString());
    for (Object a : args) {
      command.add(a.toString());
    }
    int n = RUNS.incrementAndGet();
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
