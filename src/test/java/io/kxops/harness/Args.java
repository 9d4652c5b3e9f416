/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The command line of the harness mains: {@code --name value} pairs, usage, exit codes. */
final class Args {

  private Args() {}

  /** The options both harnesses take: how many resources over how many databases, and where. */
  abstract static class Common {
    int resources;
    int databases;
    Duration timeout;
    Path out;

    Common(int resources, int databases, Duration timeout, Path out) {
      this.resources = resources;
      this.databases = databases;
      this.timeout = timeout;
      this.out = out;
    }

    /** The setters of the common options plus {@code own}. */
    Map<String, Consumer<String>> with(Map<String, Consumer<String>> own) {
      Map<String, Consumer<String>> all = new HashMap<>(own);
      all.put("--resources", v -> resources = Integer.parseInt(v));
      all.put("--databases", v -> databases = Integer.parseInt(v));
      all.put("--timeout", v -> timeout = Duration.ofMinutes(Long.parseLong(v)));
      all.put("--out", v -> out = Path.of(v));
      return all;
    }

    void check() {
      if (resources < 1 || databases < 1 || databases > resources) {
        throw new IllegalArgumentException("need 1 <= --databases <= --resources");
      }
    }
  }

  /** Applies each {@code --name value} to its setter; unknown names and -h fail. */
  static void parse(String[] args, Map<String, Consumer<String>> options) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        throw new IllegalArgumentException("help");
      }
      Consumer<String> setter = options.get(a);
      if (setter == null) {
        throw new IllegalArgumentException("unknown option " + a);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      try {
        setter.accept(args[++i]);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(a + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Runs a harness: exit 2 on a bad command line (with the usage), else 0 when the run was correct
   * and 1 when it was not.
   */
  static void main(String usage, Supplier<Supplier<ObjectNode>> parse) {
    Supplier<ObjectNode> run;
    try {
      run = parse.get();
    } catch (IllegalArgumentException e) {
      System.err.println("help".equals(e.getMessage()) ? "" : "error: " + e.getMessage());
      System.err.print(usage);
      System.exit(2);
      return;
    }
    System.exit(run.get().path("correct").asBoolean() ? 0 : 1);
  }
}
