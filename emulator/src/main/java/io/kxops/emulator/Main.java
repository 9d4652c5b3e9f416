/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** Runs the FinSpace emulator standalone until it is stopped (Ctrl-C / SIGTERM). */
public final class Main {
  private static final String USAGE =
      """
      Usage: java -jar finspace-emulator.jar [options]
        --port N                 port to listen on (default 4566; 0 = ephemeral)
        --host ADDR              address to bind (default 127.0.0.1)
        --database ENV/DB        register a database (repeatable); ENV is registered too
        --environment ENV        register an environment without databases (repeatable)
        --pending DURATION       time a new changeset stays PENDING (default 2s)
        --processing DURATION    time it then stays in progress (default 10s)
        --in-progress STATUS     in-progress status string: IN_PROGRESS (default) or PROCESSING
        --concurrency POLICY     CONCURRENT (default), QUEUE or REJECT
        --access-key-id AKID     accept only requests SigV4-signed with this access key id
        --fail-s3 GLOB[=TYPE]    changesets with a PUT s3Path matching GLOB end FAILED
                                 (TYPE: an errorType sentence; default: inputs invalid)
        --rate-limit N           at most N requests/s (429 ThrottlingException beyond)
        --seed N                 seed for random faults
        --threads N              handler threads (default 64)
        --role ARN=ENV/DB[,DB]   a role its STS (POST /, AssumeRole) lets callers assume; its
                                 sessions may call FinSpace on these databases only (DB: a name,
                                 or a prefix followed by *; repeatable)
        --credential-lifetime D  how long credentials its STS issues last (default 1h)
      DURATION: 500ms, 2s, 1m, 1h or ISO-8601 (PT2S). Admin API: http://HOST:PORT/_emulator/
      """;

  private Main() {}

  /**
   * One line a person can act on for a failed start (a stack trace says nothing more): above all a
   * busy port, LocalStack's 4566 being the usual one.
   */
  static String startFailure(java.io.UncheckedIOException e) {
    String what = e.getMessage();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException) {
        return what
            + ": the address is already in use (LocalStack listens on 4566 too): stop what"
            + " listens there, or pass --port with another port (--port 0 picks a free one)";
      }
    }
    return what + ": " + e.getCause();
  }

  public static void main(String[] args) throws InterruptedException {
    // Before the first logger: the standalone jar's logback configuration, unless one is given.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "emulator-logback.xml");
    }
    FinSpaceEmulator.Builder b;
    try {
      b = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    if (b == null) {
      System.out.print(USAGE);
      return;
    }

    // Every option is start-up configuration, so POST /_emulator/reset restores all of them.
    FinSpaceEmulator emulator;
    try {
      emulator = b.start();
    } catch (java.io.UncheckedIOException e) {
      System.err.println("error: " + startFailure(e));
      System.exit(1);
      return;
    }
    Lifecycle.Settings s = emulator.lifecycle().settings();
    System.out.println("FinSpace emulator listening on " + emulator.endpoint());
    System.out.println(
        "  databases: "
            + emulator.databases()
            + "; lifecycle: PENDING "
            + human(s.pending())
            + ", "
            + s.inProgressStatus()
            + " "
            + human(s.processing())
            + "; concurrency "
            + s.concurrency()
            + (emulator.allowedAccessKeyId() == null
                ? "; any access key"
                : "; access key " + emulator.allowedAccessKeyId()));
    if (!emulator.roles().isEmpty()) {
      System.out.println(
          "  roles: "
              + emulator.roles().keySet()
              + " (credentials last "
              + human(emulator.credentialLifetime())
              + "; STS: export AWS_ENDPOINT_URL_STS="
              + emulator.endpoint()
              + ")");
    }
    System.out.println(
        "  point the AWS SDK/CLI at it: export AWS_ENDPOINT_URL_FINSPACE="
            + emulator.endpoint()
            + " (admin API: "
            + emulator.endpoint()
            + "/_emulator/)");
    System.out.flush();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  emulator.close();
                  stopped.countDown();
                },
                "finspace-emulator-shutdown"));
    stopped.await();
  }

  /**
   * The emulator the options describe, not started yet; null when help was asked for. Throws
   * IllegalArgumentException (or NumberFormatException, a subclass) on a bad option.
   */
  static FinSpaceEmulator.Builder parse(String... args) {
    FinSpaceEmulator.Builder b = FinSpaceEmulator.builder().port(4566);
    for (int i = 0; i < args.length; i++) {
      String opt = args[i];
      if (opt.equals("-h") || opt.equals("--help")) {
        return null;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + opt + " needs a value");
      }
      String v = args[++i];
      switch (opt) {
        case "--port" -> b.port(Integer.parseInt(v));
        case "--host" -> b.host(v);
        case "--database" -> {
          int slash = v.lastIndexOf('/');
          if (slash <= 0) {
            throw new IllegalArgumentException("--database needs ENV/DB, got '" + v + "'");
          }
          b.database(v.substring(0, slash), v.substring(slash + 1));
        }
        case "--environment" -> b.environment(v);
        case "--pending" -> b.pending(Durations.parse(v));
        case "--processing" -> b.processing(Durations.parse(v));
        case "--in-progress" -> b.inProgressStatus(v);
        case "--concurrency" -> b.concurrency(ConcurrencyPolicy.valueOf(v.toUpperCase()));
        case "--access-key-id" -> b.allowedAccessKeyId(v);
        case "--fail-s3" -> {
          int eq = v.indexOf('=');
          FailureRule rule = FailureRule.s3Path(eq < 0 ? v : v.substring(0, eq));
          b.failureRule(eq < 0 ? rule : rule.withErrorType(v.substring(eq + 1)));
        }
        case "--rate-limit" -> b.rateLimit(Double.parseDouble(v));
        case "--seed" -> b.seed(Long.parseLong(v));
        case "--threads" -> b.threads(Integer.parseInt(v));
        case "--role" -> b.role(Role.parse(v));
        case "--credential-lifetime" -> b.credentialLifetime(Durations.parse(v));
        default -> throw new IllegalArgumentException("unknown option " + opt);
      }
    }
    return b;
  }

  private static String human(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }
}
