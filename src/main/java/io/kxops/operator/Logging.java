/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import io.kxops.operator.config.OperatorConfig;
import org.slf4j.LoggerFactory;

/** Switches logback to the configured format (json or text) and level at start-up. */
final class Logging {

  private Logging() {}

  static void configure(OperatorConfig.LogFormat format, String level) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    String file = format == OperatorConfig.LogFormat.JSON ? "/logback-json.xml" : "/logback.xml";
    try {
      configurator.doConfigure(Logging.class.getResource(file));
    } catch (JoranException e) {
      throw new IllegalStateException("cannot configure logging from " + file, e);
    }
    context.getLogger("io.kxops").setLevel(Level.toLevel(level));
  }
}
