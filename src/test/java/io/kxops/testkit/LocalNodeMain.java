/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import java.nio.file.Path;

/**
 * {@link LocalNode} from the command line: {@code up DIR [IMAGE_TAR]} starts the node, imports the
 * operator image if given (and tags it again for the upgrade test), prints the kubeconfig's path,
 * the start timings and the settings that run the E2E tests against it as an existing cluster, and
 * runs until killed (Ctrl-C tears it down); {@code down} undoes what an earlier run left (after a
 * crash). Used by hack/e2e.sh and the crash test.
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
        if (args.length > 2) {
          String image = E2eCluster.importNamed(node, Path.of(args[2]), dir);
          String upgrade = image.substring(0, image.lastIndexOf(':')) + ":e2e-upgrade";
          node.tagImage(image, upgrade);
          System.out.println("# the E2E tests against this cluster as an existing one:");
          System.out.println("KXOPS_E2E_KUBECONFIG=" + node.kubeconfig().toAbsolutePath());
          System.out.println("KXOPS_E2E_IMAGE=" + image);
          System.out.println("KXOPS_E2E_IMAGE_UPGRADE=" + upgrade);
          System.out.println("KXOPS_E2E_EMULATOR_HOST=" + LocalNode.HOST_IP);
        }
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
