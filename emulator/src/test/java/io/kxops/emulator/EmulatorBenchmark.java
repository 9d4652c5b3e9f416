/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.emulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspace.FinspaceClient;

/**
 * Not a test: measures (1) sustained requests/s and latency of a Create + Get mix from 50
 * concurrent real-SDK clients on loopback, (2) heap and RSS with 100,000 stored changesets. Writes
 * target/bench/emulator.json. Run by hack/bench-emulator.sh.
 *
 * <p>Options: --clients 50 --warmup 10 --duration 25 --changesets 100000 --out PATH.
 */
public final class EmulatorBenchmark {
  private static final String ENV = "jlcenjvtkgzrdek2qqv7ic";
  private static final String DB = "trades";

  private int clients = 50;
  private int warmupSeconds = 10;
  private int durationSeconds = 25;
  private int changesets = 100_000;
  private Path out = Path.of("target", "bench", "emulator.json");

  private EmulatorBenchmark() {}

  public static void main(String[] args) throws Exception {
    TestClients.quietLogging();
    EmulatorBenchmark b = new EmulatorBenchmark();
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--clients" -> b.clients = Integer.parseInt(args[i + 1]);
        case "--warmup" -> b.warmupSeconds = Integer.parseInt(args[i + 1]);
        case "--duration" -> b.durationSeconds = Integer.parseInt(args[i + 1]);
        case "--changesets" -> b.changesets = Integer.parseInt(args[i + 1]);
        case "--out" -> b.out = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    b.run();
  }

  private void run() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode result = json.createObjectNode();
    result.put("time", Instant.now().toString());
    result.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    result.put("cpus", Runtime.getRuntime().availableProcessors());
    result.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
    // The build machines are shared: the load says how much of the 2 CPUs the run really had.
    result.put("loadAverageBefore", loadAverage());
    // Memory first, in a JVM that has not loaded the SDK yet, so RSS says more about the store.
    result.set("memory", memory(json));
    result.set("throughput", throughput(json));
    result.put("loadAverageAfter", loadAverage());

    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
    printTable(result);
    System.out.println("written to " + out);
  }

  // ---------------------------------------------------------------- memory

  private ObjectNode memory(ObjectMapper json) throws InterruptedException {
    MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
    try (FinSpaceEmulator emu = FinSpaceEmulator.builder().database(ENV, DB).start()) {
      long heapBefore = heapAfterGc(mx);
      long rssBefore = rssKiB();
      long t0 = System.nanoTime();
      for (int i = 0; i < changesets; i++) {
        // Distinct strings per changeset, as real partitions and metadata.uid tokens would be.
        String day = String.format("%06d", i);
        emu.createChangeset(
            ENV,
            DB,
            List.of(
                new ChangesetView.Request(
                    "PUT", "s3://kdb-staging-prod/trades/hdb/p" + day + "/", "/p" + day + "/")),
            UUID.randomUUID().toString());
      }
      double createSeconds = (System.nanoTime() - t0) / 1e9;
      long heapAfter = heapAfterGc(mx);
      long rssAfter = rssKiB();
      ObjectNode m = json.createObjectNode();
      m.put("changesets", emu.changesetCount());
      m.put("changeRequestsPerChangeset", 1);
      m.put("createSeconds", round(createSeconds));
      m.put("heapUsedBeforeMiB", round(heapBefore / 1048576.0));
      m.put("heapUsedAfterMiB", round(heapAfter / 1048576.0));
      m.put("heapPerChangesetBytes", (heapAfter - heapBefore) / Math.max(1, changesets));
      m.put("rssBeforeMiB", round(rssBefore / 1024.0));
      m.put("rssAfterMiB", round(rssAfter / 1024.0));
      return m;
    } finally {
      heapAfterGc(mx);
    }
  }

  private static long heapAfterGc(MemoryMXBean mx) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return mx.getHeapMemoryUsage().getUsed();
  }

  /** The 1-minute load average, or -1 where /proc/loadavg does not exist. */
  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** VmRSS from /proc/self/status in KiB, or -1 where that file does not exist. */
  private static long rssKiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no RSS figure
    }
    return -1;
  }

  // ------------------------------------------------------------ throughput

  /** Latencies of one client thread, in nanoseconds, growing as needed. */
  private static final class Samples {
    long[] creates = new long[1 << 14];
    long[] gets = new long[1 << 14];
    int nCreates;
    int nGets;

    void create(long nanos) {
      if (nCreates == creates.length) {
        creates = Arrays.copyOf(creates, creates.length * 2);
      }
      creates[nCreates++] = nanos;
    }

    void get(long nanos) {
      if (nGets == gets.length) {
        gets = Arrays.copyOf(gets, gets.length * 2);
      }
      gets[nGets++] = nanos;
    }
  }

  private ObjectNode throughput(ObjectMapper json) throws Exception {
    try (FinSpaceEmulator emu = FinSpaceEmulator.builder().database(ENV, DB).start();
        FinspaceClient sdk =
            FinspaceClient.builder()
                .endpointOverride(emu.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(TestClients.ACCESS_KEY, "secret")))
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(clients + 14))
                // A failed call must show up as an error, not hide behind a retry.
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build()) {
      AtomicBoolean measuring = new AtomicBoolean(false);
      AtomicBoolean stop = new AtomicBoolean(false);
      AtomicLong errors = new AtomicLong();
      List<Samples> all = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      CountDownLatch done = new CountDownLatch(clients);
      for (int t = 0; t < clients; t++) {
        Samples s = new Samples();
        all.add(s);
        Thread thread =
            new Thread(
                () -> {
                  try {
                    clientLoop(sdk, s, measuring, stop, errors);
                  } finally {
                    done.countDown();
                  }
                },
                "bench-client-" + t);
        threads.add(thread);
      }
      threads.forEach(Thread::start);

      Thread.sleep(Duration.ofSeconds(warmupSeconds).toMillis());
      long counterBase = emu.counters().values().stream().mapToLong(Long::longValue).sum();
      long[] cpuBase = cpuNanos();
      measuring.set(true);
      long t0 = System.nanoTime();
      Thread.sleep(Duration.ofSeconds(durationSeconds).toMillis());
      measuring.set(false);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long[] cpu = cpuNanos();
      long served = emu.counters().values().stream().mapToLong(Long::longValue).sum() - counterBase;
      stop.set(true);
      done.await();

      long[] creates = merge(all, true);
      long[] gets = merge(all, false);
      long[] both = new long[creates.length + gets.length];
      System.arraycopy(creates, 0, both, 0, creates.length);
      System.arraycopy(gets, 0, both, creates.length, gets.length);
      Arrays.sort(both);

      ObjectNode r = json.createObjectNode();
      r.put("clients", clients);
      r.put("warmupSeconds", warmupSeconds);
      r.put("measuredSeconds", round(seconds));
      r.put("mix", "CreateKxChangeset then GetKxChangeset of the new id, per client in a loop");
      r.put("requests", both.length);
      r.put("requestsPerSecond", round(both.length / seconds));
      r.put("serverCountedPerSecond", round(served / seconds));
      r.put("errors", errors.get());
      // Server and SDK client share the CPUs of this JVM; this says who used them.
      r.put("serverCpuMicrosPerRequest", round((cpu[0] - cpuBase[0]) / 1e3 / Math.max(1, served)));
      r.put("clientCpuMicrosPerRequest", round((cpu[1] - cpuBase[1]) / 1e3 / Math.max(1, served)));
      r.set("all", stats(json, both, seconds));
      r.set("create", stats(json, creates, seconds));
      r.set("get", stats(json, gets, seconds));
      r.put("storedChangesetsAtEnd", emu.changesetCount());
      return r;
    }
  }

  /** CPU time of the emulator's threads [0] and of the benchmark client threads [1]. */
  private static long[] cpuNanos() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long[] sums = new long[2];
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long cpu = mx.getThreadCpuTime(t.getThreadId());
      String name = t.getThreadName();
      if (cpu > 0
          && (name.startsWith("finspace-emulator-") || name.startsWith("HTTP-Dispatcher"))) {
        sums[0] += cpu;
      } else if (cpu > 0 && name.startsWith("bench-client-")) {
        sums[1] += cpu;
      }
    }
    return sums;
  }

  private static void clientLoop(
      FinspaceClient sdk,
      Samples s,
      AtomicBoolean measuring,
      AtomicBoolean stop,
      AtomicLong errors) {
    while (!stop.get()) {
      try {
        long a = System.nanoTime();
        String id =
            sdk.createKxChangeset(
                    b ->
                        b.environmentId(ENV)
                            .databaseName(DB)
                            .changeRequests(TestClients.onePut())
                            .clientToken(UUID.randomUUID().toString()))
                .changesetId();
        long b = System.nanoTime();
        sdk.getKxChangeset(r -> r.environmentId(ENV).databaseName(DB).changesetId(id));
        long c = System.nanoTime();
        if (measuring.get()) {
          s.create(b - a);
          s.get(c - b);
        }
      } catch (RuntimeException e) {
        if (measuring.get()) {
          errors.incrementAndGet();
        }
      }
    }
  }

  private static long[] merge(List<Samples> all, boolean creates) {
    int n = all.stream().mapToInt(s -> creates ? s.nCreates : s.nGets).sum();
    long[] out = new long[n];
    int pos = 0;
    for (Samples s : all) {
      int k = creates ? s.nCreates : s.nGets;
      System.arraycopy(creates ? s.creates : s.gets, 0, out, pos, k);
      pos += k;
    }
    Arrays.sort(out);
    return out;
  }

  private static ObjectNode stats(ObjectMapper json, long[] sorted, double seconds) {
    ObjectNode n = json.createObjectNode();
    n.put("count", sorted.length);
    n.put("perSecond", round(sorted.length / seconds));
    n.put("p50Millis", millis(percentile(sorted, 0.50)));
    n.put("p90Millis", millis(percentile(sorted, 0.90)));
    n.put("p99Millis", millis(percentile(sorted, 0.99)));
    n.put("p999Millis", millis(percentile(sorted, 0.999)));
    n.put("maxMillis", millis(sorted.length == 0 ? 0 : sorted[sorted.length - 1]));
    return n;
  }

  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double millis(long nanos) {
    return round(nanos / 1e6);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static void printTable(ObjectNode r) {
    var t = r.get("throughput");
    var m = r.get("memory");
    System.out.printf(
        "%nFinSpace emulator benchmark (%d CPUs, %s, load average %.2f before, %.2f after)%n",
        r.get("cpus").asInt(),
        r.get("java").asText(),
        r.get("loadAverageBefore").asDouble(),
        r.get("loadAverageAfter").asDouble());
    System.out.printf(
        "throughput: %d clients, %.1f s measured after %d s warm-up, %d errors;"
            + " CPU per request: emulator %.0f us, SDK client %.0f us%n",
        t.get("clients").asInt(),
        t.get("measuredSeconds").asDouble(),
        t.get("warmupSeconds").asInt(),
        t.get("errors").asLong(),
        t.get("serverCpuMicrosPerRequest").asDouble(),
        t.get("clientCpuMicrosPerRequest").asDouble());
    System.out.printf(
        "  %-8s %10s %10s %9s %9s %9s %9s%n",
        "op", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms");
    for (String op : List.of("create", "get", "all")) {
      var s = t.get(op);
      System.out.printf(
          "  %-8s %10d %10.1f %9.2f %9.2f %9.2f %9.2f%n",
          op,
          s.get("count").asLong(),
          s.get("perSecond").asDouble(),
          s.get("p50Millis").asDouble(),
          s.get("p90Millis").asDouble(),
          s.get("p99Millis").asDouble(),
          s.get("maxMillis").asDouble());
    }
    System.out.printf(
        "memory: %d changesets stored in %.1f s; heap after GC %.1f -> %.1f MiB (%d bytes each);"
            + " RSS %.1f -> %.1f MiB%n",
        m.get("changesets").asInt(),
        m.get("createSeconds").asDouble(),
        m.get("heapUsedBeforeMiB").asDouble(),
        m.get("heapUsedAfterMiB").asDouble(),
        m.get("heapPerChangesetBytes").asLong(),
        m.get("rssBeforeMiB").asDouble(),
        m.get("rssAfterMiB").asDouble());
  }
}
