package io.kxops.local;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.emulator.FinSpaceEmulator;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.LoggerFactory;

/**
 * The local sandbox behind {@code hack/sandbox.sh}: etcd + kube-apiserver ({@link LocalCluster}),
 * the CRD, the FinSpace emulator (in this JVM, admin API over HTTP), the operator as a separate
 * process ({@code java -jar target/kxchangeset-operator.jar}), and the samples, with a progress
 * report a person can follow. Runs until SIGINT/SIGTERM, then stops the operator, the emulator,
 * kube-apiserver and etcd, in that order. Everything it writes is under {@code target/sandbox}.
 */
public final class SandboxMain {

  static final String ENVIRONMENT_ID = "jlcenjvtkgzrdek2qqv7ic";
  static final String DATABASE = "trades";
  static final String NAMESPACE = "default";

  /** Also created, so the README's example (namespace kdb) applies as written. */
  static final String EXTRA_NAMESPACE = "kdb";

  static final int DEFAULT_PORT_BASE = 24680;
  static final String ACCESS_KEY_ID = "AKIDSANDBOX";
  static final String SECRET_ACCESS_KEY = "sandbox-secret";
  static final String REGION = "us-east-1";

  /** On the operator's command line, followed by target/sandbox's absolute path. */
  static final String OPERATOR_MARKER = "-Dkxops.sandbox.dir=";

  /** On the sandbox JVM's command line (hack/sandbox.sh puts it there), followed by the same. */
  static final String SANDBOX_MARKER = "-Dkxops.sandbox=";

  static final String USAGE =
      """
      Usage: hack/sandbox.sh [options]
        --port-base N          first of six consecutive loopback ports (default %d):
                               etcd N, etcd peer N+1, kube-apiserver N+2, FinSpace emulator N+3,
                               operator metrics N+4, operator health N+5
        --pending DURATION     time a new changeset stays PENDING in the emulator (default 1s)
        --processing DURATION  time it then stays in progress (default 4s)
        --in-progress STATUS   the emulator's in-progress status: IN_PROGRESS (default, what the
                               real service sent) or PROCESSING (what the API model says)
        --no-samples           do not apply config/samples
        -h, --help             this help
      DURATION: 500ms, 2s, 1.5m or ISO-8601 (PT2S).
      Environment: SANDBOX_JAVA_OPTS, SANDBOX_OPERATOR_JAVA_OPTS, MVN_FLAGS (e.g. -o).
      """
          .formatted(DEFAULT_PORT_BASE);

  /** Command-line options. */
  record Options(
      int portBase, Duration pending, Duration processing, String inProgress, boolean samples) {

    static final Options DEFAULTS =
        new Options(
            DEFAULT_PORT_BASE, Duration.ofSeconds(1), Duration.ofSeconds(4), "IN_PROGRESS", true);

    /** Parses {@code args}; empty for --help; IllegalArgumentException naming the bad option. */
    static Optional<Options> parse(String... args) {
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
      return Optional.of(new Options(portBase, pending, processing, inProgress, samples));
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
  }

  /** A start-up step failed; the message says what and where to look. */
  static final class StepFailed extends RuntimeException {
    StepFailed(String message) {
      super(message);
    }
  }

  private final Options options;
  private final Path root;
  private final Path dir;
  private final Path clusterDir;
  private final long t0Nanos;
  private final Console console;
  private final ReentrantLock lifecycle = new ReentrantLock();
  private volatile boolean stopping;
  private volatile Process operator;
  private volatile LocalCluster cluster;
  private volatile FinSpaceEmulator emulator;

  SandboxMain(Options options, Path root, long t0Nanos) {
    this.options = options;
    this.root = root.toAbsolutePath().normalize();
    this.dir = this.root.resolve("target").resolve("sandbox");
    this.clusterDir = dir.resolve("cluster");
    this.t0Nanos = t0Nanos;
    this.console = new Console(t0Nanos);
  }

  public static void main(String[] args) {
    Optional<Options> options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    if (options.isEmpty()) {
      System.out.print(USAGE);
      return;
    }
    SandboxMain sandbox = new SandboxMain(options.get(), Path.of(""), startNanos());
    int code = sandbox.run();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** When hack/sandbox.sh started (SANDBOX_T0_US, epoch microseconds), as a nanoTime value. */
  private static long startNanos() {
    long now = System.nanoTime();
    String t0 = System.getenv("SANDBOX_T0_US");
    if (t0 != null && t0.matches("\\d{10,}")) {
      long sinceMicros = Instant.now().toEpochMilli() * 1000 - Long.parseLong(t0);
      if (sinceMicros >= 0 && sinceMicros < 3_600_000_000L) {
        return now - sinceMicros * 1000;
      }
    }
    return now;
  }

  /** Starts everything and blocks until stopped; returns an exit code on a failed start. */
  int run() {
    try {
      Files.createDirectories(dir);
      configureLogging(dir.resolve("sandbox.log"));
      cleanUpPreviousRun();
      Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "sandbox-stop"));
      checkPorts();
      startCluster();
      startEmulator();
      startOperator();
      writeEnv();
      console.line(
          "ready after "
              + Console.seconds(System.nanoTime() - t0Nanos)
              + ": target/sandbox/env and target/sandbox/kubeconfig written");
      try (KubernetesClient client = cluster.newClient()) {
        SandboxWatch watch = new SandboxWatch(client, console, () -> stopping);
        if (options.samples()) {
          List<String> names = applySamples(client);
          watch.samples(NAMESPACE, names);
        }
        if (!stopping) {
          console.block(howTo());
        }
        watch.changes();
      }
      return 0;
    } catch (StepFailed e) {
      if (!stopping) {
        console.line("FAILED: " + e.getMessage());
      }
      return 1;
    } catch (RuntimeException | IOException e) {
      if (!stopping) {
        console.line("FAILED: " + e);
        LoggerFactory.getLogger(SandboxMain.class).error("sandbox failed", e);
        console.line("  details: target/sandbox/sandbox.log");
      }
      return 1;
    }
  }

  // ------------------------------------------------------------------ steps

  private void cleanUpPreviousRun() {
    console.step(
        "clean up after a previous run",
        () -> {
          Path pidFile = dir.resolve("sandbox.pid");
          Optional<ProcessHandle> other =
              readPid(pidFile)
                  .flatMap(ProcessHandle::of)
                  .filter(h -> h.pid() != ProcessHandle.current().pid())
                  .filter(ProcessHandle::isAlive)
                  .filter(h -> commandLine(h).contains(SANDBOX_MARKER + dir + " "));
          if (other.isPresent()) {
            throw new StepFailed(
                "a sandbox of this checkout is already running (pid "
                    + other.get().pid()
                    + "); stop it first: kill "
                    + other.get().pid());
          }
          // Operator first, then the cluster; all killed at once, then awaited together.
          List<ProcessHandle> leftovers = new ArrayList<>();
          readPid(dir.resolve("operator.pid"))
              .flatMap(ProcessHandle::of)
              .filter(h -> commandLine(h).contains(OPERATOR_MARKER + dir))
              .ifPresent(leftovers::add);
          leftovers.addAll(clusterProcesses());
          List<String> killed = new ArrayList<>();
          for (ProcessHandle h : leftovers) {
            String name = commandLine(h).contains(OPERATOR_MARKER) ? "operator" : executable(h);
            killed.add(name + " " + h.pid());
            h.destroyForcibly();
          }
          awaitGone(leftovers, Duration.ofSeconds(20));
          LocalCluster.killLeftovers(clusterDir);
          for (String f : List.of("env", "kubeconfig", "operator.pid")) {
            Files.deleteIfExists(dir.resolve(f));
          }
          Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
          return killed.isEmpty() ? "nothing left over" : "killed " + String.join(", ", killed);
        });
  }

  /** The live processes the cluster's pid file names (only those still running from its dir). */
  private List<ProcessHandle> clusterProcesses() {
    List<ProcessHandle> out = new ArrayList<>();
    Path pids = clusterDir.resolve("pids");
    if (!Files.exists(pids)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(pids)) {
        if (!line.isBlank()) {
          ProcessHandle.of(Long.parseLong(line.trim()))
              .filter(h -> commandLine(h).contains(clusterDir.toString()))
              .ifPresent(out::add);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // nothing to report
    }
    return out;
  }

  private void checkPorts() {
    // Processes the clean-up just killed can hold their ports a little longer: a killed
    // multi-threaded process (a JVM, Go) shows as a zombie once its main thread is gone, but
    // its sockets close only when the last thread has exited.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<String> busy = busyPorts();
    while (!busy.isEmpty() && System.nanoTime() < deadline) {
      sleep(100);
      busy = busyPorts();
    }
    if (!busy.isEmpty()) {
      throw new StepFailed(
          "port(s) in use: "
              + String.join(", ", busy)
              + "; choose other ports with --port-base N (uses N to N+5)");
    }
  }

  private List<String> busyPorts() {
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

  private void startCluster() {
    String what =
        "etcd + kube-apiserver: etcd 127.0.0.1:%d, API server https://127.0.0.1:%d"
            .formatted(options.etcdPort(), options.apiPort());
    console.step(
        what,
        () -> {
          guarded(
              () ->
                  cluster =
                      LocalCluster.startDetached(
                          clusterDir, options.etcdPort(), options.apiPort()));
          watchProcesses(clusterProcesses(), "target/sandbox/cluster/");
          return "ready (logs: target/sandbox/cluster/)";
        });
    console.step(
        "KxChangeset CRD",
        () -> {
          cluster.installCrd(root.resolve("crds").resolve("kxchangesets.finspace.kxops.io-v1.yml"));
          try (KubernetesClient c = cluster.newClient()) {
            c.resource(
                    new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(EXTRA_NAMESPACE)
                        .endMetadata()
                        .build())
                .serverSideApply();
          }
          return "established; namespaces " + NAMESPACE + " and " + EXTRA_NAMESPACE;
        });
  }

  private void startEmulator() {
    console.step(
        "FinSpace emulator: http://127.0.0.1:" + options.emulatorPort() + ", in this JVM",
        () -> {
          guarded(
              () ->
                  emulator =
                      FinSpaceEmulator.builder()
                          .host("127.0.0.1")
                          .port(options.emulatorPort())
                          .database(ENVIRONMENT_ID, DATABASE)
                          .pending(options.pending())
                          .processing(options.processing())
                          .inProgressStatus(options.inProgress())
                          .start());
          return "database %s/%s; PENDING %s, %s %s"
              .formatted(
                  ENVIRONMENT_ID,
                  DATABASE,
                  Console.seconds(options.pending().toNanos()),
                  options.inProgress(),
                  Console.seconds(options.processing().toNanos()));
        });
  }

  private void startOperator() {
    Path jar = root.resolve("target").resolve("kxchangeset-operator.jar");
    Path log = dir.resolve("operator.log");
    console.step(
        "operator: java -jar target/kxchangeset-operator.jar, log target/sandbox/operator.log",
        () -> {
          if (!Files.isRegularFile(jar)) {
            throw new StepFailed(jar + " is missing; build it with mvn -DskipTests package");
          }
          List<String> cmd = new ArrayList<>(List.of("setsid", javaCommand()));
          String opts =
              Optional.ofNullable(System.getenv("SANDBOX_OPERATOR_JAVA_OPTS"))
                  .orElse("-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
          for (String o : opts.trim().split("\\s+")) {
            if (!o.isEmpty()) {
              cmd.add(o);
            }
          }
          cmd.addAll(List.of(OPERATOR_MARKER + dir, "-jar", jar.toString()));
          ProcessBuilder pb =
              new ProcessBuilder(cmd)
                  .directory(root.toFile())
                  .redirectErrorStream(true)
                  .redirectOutput(log.toFile());
          pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
          pb.environment().putAll(operatorEnv());
          guarded(
              () -> {
                try {
                  operator = pb.start();
                  Files.writeString(dir.resolve("operator.pid"), operator.pid() + "\n");
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
          watchProcesses(List.of(operator.toHandle()), "target/sandbox/operator.log");
          awaitOperatorReady(log);
          return "ready (pid " + operator.pid() + ")";
        });
  }

  /** The operator's environment (on top of this JVM's, minus any AWS_* variable). */
  Map<String, String> operatorEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KUBECONFIG", clusterDir.resolve("kubeconfig").toString());
    env.put("AWS_ENDPOINT_URL_FINSPACE", "http://127.0.0.1:" + options.emulatorPort());
    env.put("AWS_REGION", REGION);
    env.put("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID);
    env.put("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY);
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("POLL_INTERVAL", "500ms");
    env.put("MAX_POLL_INTERVAL", "1s");
    env.put("RETRY_INITIAL_INTERVAL", "500ms");
    env.put("RETRY_MAX_INTERVAL", "10s");
    env.put("METRICS_PORT", Integer.toString(options.metricsPort()));
    env.put("HEALTH_PORT", Integer.toString(options.healthPort()));
    env.put("LOG_FORMAT", "text");
    env.put("LOG_LEVEL", "info");
    env.put("POD_NAME", "sandbox-operator");
    return env;
  }

  private void awaitOperatorReady(Path log) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI readyz = URI.create("http://127.0.0.1:" + options.healthPort() + "/readyz");
    Instant deadline = Instant.now().plusSeconds(180);
    while (Instant.now().isBefore(deadline)) {
      if (!operator.isAlive()) {
        throw new StepFailed(
            "the operator exited with code "
                + operator.exitValue()
                + "; last lines of target/sandbox/operator.log:\n"
                + tail(log, 15));
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StepFailed("interrupted");
      }
      sleep(250);
    }
    throw new StepFailed("the operator is not ready after 180s; see target/sandbox/operator.log");
  }

  /** Writes target/sandbox/kubeconfig, env and examples/. */
  private void writeEnv() throws IOException {
    Files.copy(
        clusterDir.resolve("kubeconfig"),
        dir.resolve("kubeconfig"),
        StandardCopyOption.REPLACE_EXISTING);
    Path examples = dir.resolve("examples");
    Files.createDirectories(examples);
    Files.writeString(
        examples.resolve("changeset.yaml"),
        example(
            "trades-2020-01-06", "s3://kdb-staging-prod/trades/hdb/2020.01.06/", "/2020.01.06/"));
    Files.writeString(
        examples.resolve("failing-changeset.yaml"),
        example("trades-bad-2020-01-07", "s3://kdb-staging-prod/bad/2020.01.07/", "/2020.01.07/"));
    Path tmp = dir.resolve("env.tmp");
    Files.writeString(tmp, envFile(envValues(), binDir()));
    Files.move(
        tmp,
        dir.resolve("env"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  Map<String, String> envValues() {
    Map<String, String> v = new LinkedHashMap<>();
    String emu = "http://127.0.0.1:" + options.emulatorPort();
    v.put("KUBECONFIG", dir.resolve("kubeconfig").toString());
    v.put("AWS_ENDPOINT_URL_FINSPACE", emu);
    v.put("AWS_REGION", REGION);
    v.put("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID);
    v.put("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY);
    v.put("FINSPACE_EMULATOR_ADMIN_URL", emu + "/_emulator");
    v.put("FINSPACE_ENVIRONMENT_ID", ENVIRONMENT_ID);
    v.put("FINSPACE_DATABASE_NAMES", DATABASE);
    v.put("SANDBOX_NAMESPACE", NAMESPACE);
    v.put("SANDBOX_PID", Long.toString(ProcessHandle.current().pid()));
    v.put("SANDBOX_OPERATOR_PID", operator == null ? "" : Long.toString(operator.pid()));
    v.put("SANDBOX_METRICS_URL", "http://127.0.0.1:" + options.metricsPort() + "/metrics");
    v.put("SANDBOX_HEALTH_URL", "http://127.0.0.1:" + options.healthPort() + "/readyz");
    return v;
  }

  /** Shell lines {@code export KEY=value}; then kubectl's directory prepended to PATH. */
  static String envFile(Map<String, String> values, Path binDir) {
    StringBuilder sb = new StringBuilder();
    sb.append("# The local sandbox (hack/sandbox.sh). Use: source target/sandbox/env\n");
    sb.append("# Removed when the sandbox stops. KEY=value lines, one per variable.\n");
    values.forEach(
        (k, v) -> sb.append("export ").append(k).append('=').append(shellQuote(v)).append('\n'));
    if (binDir != null) {
      sb.append("export KXOPS_BIN_DIR=").append(shellQuote(binDir.toString())).append('\n');
      sb.append("# kubectl (and helm) from the binaries cache\n");
      sb.append("export PATH=\"$KXOPS_BIN_DIR:$PATH\"\n");
    }
    return sb.toString();
  }

  static String shellQuote(String v) {
    if (v.matches("[A-Za-z0-9_./:@%+,=-]*")) {
      return v;
    }
    return "'" + v.replace("'", "'\\''") + "'";
  }

  private static Path binDir() {
    String env = System.getenv("KXOPS_BIN_DIR");
    Path p =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache", "kxops", "bin");
    return Files.isExecutable(p.resolve("kubectl")) ? p.toAbsolutePath() : null;
  }

  static String example(String name, String s3Path, String dbPath) {
    return """
        # A KxChangeset of the sandbox: copy and edit it, then kubectl apply -f it.
        apiVersion: finspace.kxops.io/v1alpha1
        kind: KxChangeset
        metadata:
          name: %s
        spec:
          environmentId: %s
          databaseName: %s
          changeRequests:
          - changeType: PUT
            s3Path: %s
            dbPath: %s
        """
        .formatted(name, ENVIRONMENT_ID, DATABASE, s3Path, dbPath);
  }

  private List<String> applySamples(KubernetesClient client) {
    return console.step(
        "samples: apply config/samples to namespace " + NAMESPACE,
        () -> {
          List<String> names = new ArrayList<>();
          Path samples = root.resolve("config").resolve("samples");
          for (String file : kustomizationResources(samples.resolve("kustomization.yaml"))) {
            KxChangeset r =
                Serialization.unmarshal(Files.readString(samples.resolve(file)), KxChangeset.class);
            r.getMetadata().setNamespace(NAMESPACE);
            client.resource(r).create();
            names.add(r.getMetadata().getName());
          }
          return names;
        },
        names -> String.join(", ", names));
  }

  /** The {@code resources:} of a kustomization, in order. */
  static List<String> kustomizationResources(Path kustomization) {
    List<String> out = new ArrayList<>();
    boolean inResources = false;
    try {
      for (String line : Files.readAllLines(kustomization)) {
        if (line.startsWith("resources:")) {
          inResources = true;
        } else if (inResources && line.startsWith("- ")) {
          out.add(line.substring(2).trim());
        } else if (!line.isBlank() && !line.startsWith(" ") && !line.startsWith("#")) {
          inResources = false;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private List<String> howTo() {
    return List.of(
        "",
        "The sandbox is running. In another terminal (from " + root + "):",
        "",
        "  source target/sandbox/env          # KUBECONFIG, AWS_*, FINSPACE_*; kubectl on PATH",
        "  kubectl get kxcs -w                # watch every KxChangeset",
        "",
        "  # your own changeset (copy and edit the example, or write one like config/samples/*)",
        "  kubectl apply -f target/sandbox/examples/changeset.yaml",
        "",
        "  # make one fail: a failure rule on the emulator's admin API, then a PUT matching it",
        "  curl -s -X PUT \"$FINSPACE_EMULATOR_ADMIN_URL/lifecycle\" -d '{\"failureRules\":"
            + "[{\"s3Path\":\"s3://kdb-staging-prod/bad/*\",\"errorMessage\":\"no such object\"}]}'; echo",
        "  kubectl apply -f target/sandbox/examples/failing-changeset.yaml",
        "  kubectl wait --for=condition=Stalled kxcs/trades-bad-2020-01-07 --timeout=60s",
        "",
        "  # the emulator's view: curl -s \"$FINSPACE_EMULATOR_ADMIN_URL/changesets"
            + "?environmentId=$FINSPACE_ENVIRONMENT_ID&databaseName=trades\"",
        "  # logs: target/sandbox/operator.log, target/sandbox/cluster/*.log",
        "",
        "Ctrl-C here (or kill $SANDBOX_PID) stops everything. Changes of any KxChangeset follow:");
  }

  // ------------------------------------------------------------- processes

  /** Runs a start action under the lifecycle lock, unless the sandbox is already stopping. */
  private void guarded(Runnable action) {
    lifecycle.lock();
    try {
      if (stopping) {
        throw new StepFailed("stopping");
      }
      action.run();
    } finally {
      lifecycle.unlock();
    }
  }

  /** If one of these processes dies while the sandbox runs, say so and stop everything. */
  private void watchProcesses(List<ProcessHandle> handles, String logs) {
    for (ProcessHandle h : handles) {
      String name = executable(h);
      h.onExit()
          .thenRun(
              () -> {
                if (!stopping) {
                  console.line(
                      "FAILED: "
                          + name
                          + " (pid "
                          + h.pid()
                          + ") exited unexpectedly; see "
                          + logs);
                  new Thread(() -> System.exit(1), "sandbox-exit").start();
                }
              });
    }
  }

  /** The shutdown hook: the operator first, then the emulator, kube-apiserver and etcd. */
  void stop() {
    stopping = true;
    boolean locked = false;
    try {
      locked = lifecycle.tryLock(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      console.line("stopping (operator, emulator, kube-apiserver, etcd) ...");
      Process op = operator;
      if (op != null && op.isAlive()) {
        console.step("stop operator", () -> stopProcess(op, 20));
      } else if (op == null) {
        // started but not yet recorded (an interrupted start): the pid file names it
        readPid(dir.resolve("operator.pid"))
            .flatMap(ProcessHandle::of)
            .filter(h -> commandLine(h).contains(OPERATOR_MARKER + dir))
            .ifPresent(SandboxMain::kill);
      }
      FinSpaceEmulator emu = emulator;
      if (emu != null) {
        console.step(
            "stop FinSpace emulator",
            () -> {
              emu.close();
              return "stopped";
            });
      }
      LocalCluster c = cluster;
      if (c != null) {
        console.step(
            "stop kube-apiserver, then etcd",
            () -> {
              c.close();
              return "stopped";
            });
      } else {
        LocalCluster.killLeftovers(clusterDir);
      }
      // Only what is still ours: never the files of a sandbox started after this one.
      long self = ProcessHandle.current().pid();
      if (readPid(dir.resolve("sandbox.pid")).filter(p -> p == self).isPresent()) {
        if (op != null
            && readPid(dir.resolve("operator.pid")).filter(p -> p == op.pid()).isPresent()) {
          Files.deleteIfExists(dir.resolve("operator.pid"));
        }
        Files.deleteIfExists(dir.resolve("env"));
        Files.deleteIfExists(dir.resolve("sandbox.pid"));
      }
      console.line("stopped; logs are kept in target/sandbox/");
    } catch (IOException | RuntimeException e) {
      console.line("error while stopping: " + e);
    } finally {
      if (locked) {
        lifecycle.unlock();
      }
    }
  }

  private static String stopProcess(Process p, int seconds) {
    p.destroy(); // SIGTERM: the operator's own shutdown hook closes it
    try {
      if (p.waitFor(seconds, TimeUnit.SECONDS)) {
        return "exited with code " + p.exitValue();
      }
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      return "killed after " + seconds + "s";
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return "killed";
    }
  }

  private static void kill(ProcessHandle h) {
    h.destroyForcibly();
    awaitGone(List.of(h), Duration.ofSeconds(20));
  }

  /**
   * Waits until none of {@code handles} runs. A killed process that is not our child stays a zombie
   * until init reaps it (which can take a second); it holds no port, so it counts as gone.
   */
  static boolean awaitGone(List<ProcessHandle> handles, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (handles.stream().anyMatch(SandboxMain::running)) {
      if (Instant.now().isAfter(deadline)) {
        return false;
      }
      sleep(50);
    }
    return true;
  }

  /** Alive and not a zombie. */
  static boolean running(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
      int close = stat.lastIndexOf(')');
      return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return h.isAlive();
    }
  }

  private static String executable(ProcessHandle h) {
    return h.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
  }

  private static Optional<Long> readPid(Path file) {
    try {
      return Optional.of(Long.parseLong(Files.readString(file).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String commandLine(ProcessHandle h) {
    return h.info().commandLine().orElse("");
  }

  private static String javaCommand() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ")";
    }
  }

  /** The sandbox JVM's own logs (emulator, fabric8) go to a file, not the console. */
  private static void configureLogging(Path file) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    String xml =
        """
        <configuration>
          <appender name="FILE" class="ch.qos.logback.core.FileAppender">
            <file>%s</file>
            <append>false</append>
            <encoder><pattern>%%d{HH:mm:ss.SSS} %%-5level [%%thread] %%logger{0} - %%msg%%n</pattern></encoder>
          </appender>
          <root level="INFO"><appender-ref ref="FILE"/></root>
        </configuration>
        """
            .formatted(file.toAbsolutePath());
    try {
      configurator.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      System.err.println("warning: cannot configure logging: " + e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailed("interrupted");
    }
  }

  /** A step's work. */
  @FunctionalInterface
  interface Action<T> {
    T run() throws Exception;
  }

  /** Progress lines, prefixed with the time since hack/sandbox.sh started. */
  static final class Console {
    private final long t0;
    private final boolean interactive;

    Console(long t0Nanos) {
      this.t0 = t0Nanos;
      String term = System.getenv("TERM");
      this.interactive = System.console() != null && term != null && !term.equals("dumb");
    }

    boolean interactive() {
      return interactive;
    }

    String prefix() {
      return "[%6.1fs] ".formatted((System.nanoTime() - t0) / 1e9);
    }

    synchronized void line(String msg) {
      System.out.println(prefix() + msg);
      System.out.flush();
    }

    synchronized void block(List<String> lines) {
      lines.forEach(System.out::println);
      System.out.flush();
    }

    synchronized void raw(String text) {
      System.out.print(text);
      System.out.flush();
    }

    /**
     * "... label: detail", the action, then " ok label: result (1.2s)"; checked exceptions are
     * wrapped.
     */
    <T> T step(String what, Action<T> action, java.util.function.Function<T, String> result) {
      line("... " + what);
      String label = what.contains(": ") ? what.substring(0, what.indexOf(": ")) : what;
      long start = System.nanoTime();
      T value;
      try {
        value = action.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      line(
          " ok "
              + label
              + ": "
              + result.apply(value)
              + " ("
              + seconds(System.nanoTime() - start)
              + ")");
      return value;
    }

    String step(String what, Action<String> action) {
      return step(what, action, r -> r);
    }

    static String seconds(long nanos) {
      double s = nanos / 1e9;
      return s < 10 ? "%.1fs".formatted(s) : "%.0fs".formatted(s);
    }
  }
}
