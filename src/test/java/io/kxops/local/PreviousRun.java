/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import io.kxops.local.Console.StepFailed;
import io.kxops.testkit.LocalCluster;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Before the sandbox starts: another sandbox of this checkout, leftovers, busy ports. */
final class PreviousRun {

  private PreviousRun() {}

  /** Refuses to start next to a running sandbox; kills what a killed one left running. */
  static void cleanUp(Console console, Path dir, Path clusterDir) {
    console.step(
        "clean up after a previous run",
        () -> {
          Path pidFile = dir.resolve("sandbox.pid");
          Optional<ProcessHandle> other =
              Processes.readPid(pidFile)
                  .flatMap(ProcessHandle::of)
                  .filter(h -> h.pid() != ProcessHandle.current().pid())
                  .filter(ProcessHandle::isAlive)
                  .filter(
                      h ->
                          Processes.commandLine(h)
                              .contains(SandboxMain.SANDBOX_MARKER + dir + " "));
          if (other.isPresent()) {
            throw new StepFailed(
                "a sandbox of this checkout is already running (pid "
                    + other.get().pid()
                    + "); stop it first: kill "
                    + other.get().pid());
          }
          // Operator first, then the cluster; all killed at once, then awaited together.
          List<ProcessHandle> leftovers = new ArrayList<>();
          Processes.readPid(dir.resolve("operator.pid"))
              .flatMap(ProcessHandle::of)
              .filter(h -> Processes.commandLine(h).contains(SandboxMain.OPERATOR_MARKER + dir))
              .ifPresent(leftovers::add);
          leftovers.addAll(clusterProcesses(clusterDir));
          List<String> killed = new ArrayList<>();
          for (ProcessHandle h : leftovers) {
            String name =
                Processes.commandLine(h).contains(SandboxMain.OPERATOR_MARKER)
                    ? "operator"
                    : Processes.executable(h);
            killed.add(name + " " + h.pid());
            h.destroyForcibly();
          }
          Processes.awaitGone(leftovers, Duration.ofSeconds(20));
          LocalCluster.killLeftovers(clusterDir);
          for (String f : List.of("env", "kubeconfig", "operator.pid")) {
            Files.deleteIfExists(dir.resolve(f));
          }
          Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
          return killed.isEmpty() ? "nothing left over" : "killed " + String.join(", ", killed);
        });
  }

  /** The live processes the cluster's pid file names (only those still running from its dir). */
  static List<ProcessHandle> clusterProcesses(Path clusterDir) {
    List<ProcessHandle> out = new ArrayList<>();
    Path pids = clusterDir.resolve("pids");
    if (!Files.exists(pids)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(pids)) {
        if (!line.isBlank()) {
          ProcessHandle.of(Long.parseLong(line.trim()))
              .filter(h -> Processes.commandLine(h).contains(clusterDir.toString()))
              .ifPresent(out::add);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // nothing to report
    }
    return out;
  }

  /** Fails, naming them, if any of the sandbox's ports is taken (after a short grace). */
  static void checkPorts(SandboxOptions options) {
    // Processes the clean-up just killed can hold their ports a little longer: a killed
    // multi-threaded process (a JVM, Go) shows as a zombie once its main thread is gone, but
    // its sockets close only when the last thread has exited.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<String> busy = busyPorts(options);
    while (!busy.isEmpty() && System.nanoTime() < deadline) {
      Processes.sleep(100);
      busy = busyPorts(options);
    }
    if (!busy.isEmpty()) {
      throw new StepFailed(
          "port(s) in use: "
              + String.join(", ", busy)
              + "; choose other ports with --port-base N (uses N to N+5)");
    }
  }

  private static List<String> busyPorts(SandboxOptions options) {
    List<String> busy = new ArrayList<>();
    options
        .ports()
        .forEach(
            (port, what) -> {
              // The operator's endpoints bind every interface, so check the wildcard address.
              try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(port));
              } catch (IOException e) {
                busy.add(port + " (" + what + ")");
              }
            });
    return busy;
  }
}
