/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The sandbox's command-line options and the six loopback ports they imply. */
record SandboxOptions(
    int portBase, Duration pending, Duration processing, String inProgress, boolean samples) {

  static final int DEFAULT_PORT_BASE = 24680;

  static final SandboxOptions DEFAULTS =
      new SandboxOptions(
          DEFAULT_PORT_BASE, Duration.ofSeconds(1), Duration.ofSeconds(4), "IN_PROGRESS", true);

  /**
   * Checks the options and exits 2 with the error and usage if one is bad. hack/sandbox.sh runs
   * this file as a program (java's source launcher: it needs nothing but the JDK) before it builds
   * anything, so a typo costs a second, not a build.
   */
  public static void main(String[] args) {
    try {
      parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(usage(Path.of("")));
      System.exit(2);
    }
  }

  /** Parses {@code args}; empty for --help; IllegalArgumentException naming the bad option. */
  static Optional<SandboxOptions> parse(String... args) {
    int portBase = DEFAULTS.portBase;
    Duration pending = DEFAULTS.pending;
    Duration processing = DEFAULTS.processing;
    String inProgress = DEFAULTS.inProgress;
    boolean samples = true;
    for (int i = 0; i < args.length; i++) {
      String opt = args[i];
      String value = null;
      int eq = opt.indexOf('=');
      if (opt.startsWith("--") && eq > 0) {
        value = opt.substring(eq + 1);
        opt = opt.substring(0, eq);
      }
      switch (opt) {
        case "-h", "--help" -> {
          return Optional.empty();
        }
        case "--no-samples" -> samples = false;
        case "--port-base", "--pending", "--processing", "--in-progress" -> {
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException(opt + " needs a value");
            }
            value = args[++i];
          }
          switch (opt) {
            case "--port-base" -> portBase = portBase(value);
            case "--pending" -> pending = duration(opt, value);
            case "--processing" -> processing = duration(opt, value);
            default -> inProgress = inProgress(value);
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    return Optional.of(new SandboxOptions(portBase, pending, processing, inProgress, samples));
  }

  private static int portBase(String v) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1024 && n <= 65535 - 5) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(
        "--port-base must be a number from 1024 to 65530, got '" + v + "'");
  }

  private static String inProgress(String v) {
    String s = v.trim().toUpperCase(Locale.ROOT);
    if (!s.equals("IN_PROGRESS") && !s.equals("PROCESSING")) {
      throw new IllegalArgumentException(
          "--in-progress must be IN_PROGRESS or PROCESSING, got '" + v + "'");
    }
    return s;
  }

  /** "500ms", "2s", "1.5m", "1h" or ISO-8601 ("PT2S"). */
  static Duration duration(String opt, String v) {
    var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)").matcher(v.trim());
    Duration d = null;
    if (m.matches()) {
      double n = Double.parseDouble(m.group(1));
      double unit =
          switch (m.group(2)) {
            case "ms" -> 1;
            case "s" -> 1000;
            case "m" -> 60_000;
            default -> 3_600_000;
          };
      d = Duration.ofMillis(Math.round(n * unit));
    } else {
      try {
        d = Duration.parse(v.trim().toUpperCase(Locale.ROOT));
      } catch (java.time.format.DateTimeParseException e) {
        // below
      }
    }
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(
          opt + ": '" + v + "' is not a duration (use e.g. 500ms, 2s, 1m or PT2S)");
    }
    return d;
  }

  int etcdPort() {
    return portBase;
  }

  int apiPort() {
    return portBase + 2;
  }

  int emulatorPort() {
    return portBase + 3;
  }

  int metricsPort() {
    return portBase + 4;
  }

  int healthPort() {
    return portBase + 5;
  }

  /** Every port the sandbox binds, with what binds it. */
  Map<Integer, String> ports() {
    Map<Integer, String> m = new LinkedHashMap<>();
    m.put(portBase, "etcd");
    m.put(portBase + 1, "etcd peer");
    m.put(apiPort(), "kube-apiserver");
    m.put(emulatorPort(), "FinSpace emulator");
    m.put(metricsPort(), "operator metrics");
    m.put(healthPort(), "operator health");
    return m;
  }

  /**
   * The usage text: the header of {@code hack/sandbox.sh}, the one place it is written (the script
   * prints it for --help without starting Java).
   */
  static String usage(Path root) {
    StringBuilder sb = new StringBuilder();
    try {
      List<String> lines = Files.readAllLines(root.resolve("hack").resolve("sandbox.sh"));
      for (String line : lines.subList(1, lines.size())) {
        if (line.startsWith("set -euo")) {
          break;
        }
        sb.append(line.replaceFirst("^# ?", "")).append('\n');
      }
    } catch (IOException e) {
      sb.append("Usage: hack/sandbox.sh [options] (see hack/sandbox.sh)\n");
    }
    return sb.toString();
  }
}
