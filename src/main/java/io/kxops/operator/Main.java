/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kxops.operator.config.ConfigException;
import io.kxops.operator.config.ConfigLoader;
import io.kxops.operator.config.OperatorConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * Starts the operator: configuration from the environment, then {@link OperatorApp}; or, with the
 * argument {@code export}, runs {@link Export} and exits.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && args[0].equals("export")) {
      System.exit(
          Export.run(
              java.util.List.of(args).subList(1, args.length),
              System.getenv(),
              System.out,
              System.err));
      return;
    }
    if (args.length > 0) {
      System.err.println("unknown argument '" + args[0] + "'; the one subcommand is 'export'");
      System.err.println(Export.USAGE);
      System.exit(2);
      return;
    }
    OperatorConfig config;
    try {
      config = ConfigLoader.fromEnvironment();
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Logging.configure(config.logFormat(), config.logLevel());
    String home = System.getProperty("user.home");
    var notConfigured =
        ClusterAccess.notConfigured(
            System.getenv(), home == null ? null : Path.of(home), ClusterAccess.TOKEN);
    if (notConfigured.isPresent()) {
      System.err.println("start-up failed: " + notConfigured.get());
      System.exit(2);
      return;
    }
    KubernetesClient client = KubeClient.build();
    OperatorApp app;
    try {
      app = OperatorApp.start(config, client);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      var unreachable = ClusterAccess.unreachable(e, client.getConfiguration().getMasterUrl());
      if (unreachable.isPresent()) {
        LoggerFactory.getLogger(Main.class).error("start-up failed: {}", unreachable.get());
        LoggerFactory.getLogger(Main.class).debug("start-up failure", e);
        System.exit(1);
        return;
      }
      LoggerFactory.getLogger(Main.class).error("start-up failed: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  client.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
  }
}
