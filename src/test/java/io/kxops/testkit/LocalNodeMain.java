/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import java.nio.file.Path;

/**
 * {@link LocalNode} from the command line: {@code up DIR} starts the node, prints the kubeconfig's
 * path and the start timings, and runs until killed (Ctrl-C tears it down); {@code down} undoes
 * what an earlier run left (after a crash). Used by hack/e2e.sh and the crash test.
 */
public final class LocalNodeMain {

  private LocalNodeMain() {}

  public static void main(String[] args) throws Exception {
    String cmd = args.length > 0 ? args[0] : "";
    switch (cmd) {
      case "up" -> {
        Path dir = Path.of(args.length > 1 ? args[1] : "target/e2e/node");
        LocalNode node = LocalNode.start(dir); // its shutdown hook tears it down
        System.out.println("KUBECONFIG=" + node.kubeconfig());
        System.out.println("timings=" + node.startTimings());
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
      }
      case "down" -> {
        LocalNode.cleanUp();
        System.out.println("clean");
      }
      default -> {
        System.err.println("usage: LocalNodeMain up [DIR] | down");
        System.exit(2);
      }
    }
  }
}
