/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kxops.testkit.Cli;
import io.kxops.testkit.OperatorImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's image as {@code mvn package} builds it (target/kxchangeset-operator-image.tar):
 * what is in it, what is not, how it starts, and that nothing in it depends on when or where it was
 * built. Then its root filesystem is extracted and the image's own java runs in it (chroot, user
 * 65532, no network), first {@code -version}, then {@link ImageProbe} over every JDK module the
 * runtime was given. An IT because the tarball exists only from the package phase on; it needs root
 * (chroot, unshare), as the rest of the ITs do.
 */
class ImageIT {

  static final String JAR = "app/kxchangeset-operator.jar";

  /**
   * The only executable files the image may hold besides the dynamic loader: no shell, no package
   * manager, no tools.
   */
  static final List<String> EXECUTABLES =
      List.of(
          "opt/java/bin/java",
          "opt/java/bin/keytool",
          "opt/java/lib/jexec",
          "opt/java/lib/jspawnhelper");

  static final Pattern SHELLS_AND_PACKAGE_MANAGERS =
      Pattern.compile("(^|/)(sh|bash|dash|ash|busybox|apt|apt-get|dpkg|rpm|apk|yum|dnf|microdnf)$");

  /** Jib's fixed file time: the epoch plus one second. */
  static final Instant FILE_TIME = Instant.ofEpochSecond(1);

  static Path work;
  static OperatorImage image;
  static Map<String, OperatorImage.Entry> entries;

  @BeforeAll
  static void readTheImage() throws IOException {
    // Under target/, not /tmp: the image's programs run from here, and /tmp may be noexec.
    work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "image-it");
    image = OperatorImage.read(work.resolve("blobs"));
    entries = new LinkedHashMap<>();
    for (String layer : image.layerDigests()) {
      image.forEachEntry(layer, (e, data) -> entries.put(e.path(), e));
    }
  }

  @AfterAll
  static void cleanUp() throws IOException {
    if (work != null) {
      Cli.deleteRecursively(work);
    }
  }

  @Test
  void anOciImageWithAFullyQualifiedName() {
    JsonNode index = image.index();
    assertThat(index.path("manifests")).hasSize(1);
    // With a domain, so that containerd's name for it is the one the kubelet asks for.
    assertThat(image.reference()).matches("kxops\\.local/kxchangeset-operator:[A-Za-z0-9_.-]+");
    assertThat(image.manifest().path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(image.layerDigests()).as("runtime layer and jar layer").hasSize(2);
    JsonNode config = image.config();
    assertThat(config.path("os").asText()).isEqualTo("linux");
    // The build machine's, whose runtime and libraries the image holds.
    assertThat(config.path("architecture").asText())
        .isEqualTo(System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64");
    JsonNode labels = config.path("config").path("Labels");
    assertThat(labels.path("org.opencontainers.image.licenses").asText()).isEqualTo("Apache-2.0");
    assertThat(image.reference())
        .endsWith(":" + labels.path("org.opencontainers.image.version").asText());
    assertThat(labels.has("org.opencontainers.image.source")).isTrue();
  }

  @Test
  void javaRunsTheJarDirectlyAsUser65532() {
    JsonNode config = image.config().path("config");
    assertThat(texts(config.path("Entrypoint")))
        .containsExactly("/opt/java/bin/java", "-jar", "/" + JAR);
    assertThat(config.path("Cmd").isMissingNode() || config.path("Cmd").isNull()).isTrue();
    // The chart's runAsUser/runAsGroup, and runAsNonRoot needs a numeric user to check.
    assertThat(config.path("User").asText()).isEqualTo("65532:65532");
  }

  @Test
  void noShellNoPackageManagerOnlyTheRuntimesExecutables() {
    assertThat(entries.keySet()).noneMatch(p -> SHELLS_AND_PACKAGE_MANAGERS.matcher(p).find());
    assertThat(entries.keySet()).noneMatch(p -> p.startsWith("bin/") || p.startsWith("usr/"));
    List<String> executables = new ArrayList<>();
    entries.forEach(
        (path, e) -> {
          if (e.type() == '0' && (e.mode() & 0111) != 0) {
            executables.add(path);
          }
        });
    // The dynamic loader (lib64/ld-linux-x86-64.so.2, lib/ld-linux-aarch64.so.1), run by the
    // kernel as java's interpreter, and the runtime's own.
    assertThat(executables.removeIf(p -> p.matches("lib(64)?/ld-linux-[^/]+\\.so\\.[0-9]+")))
        .isTrue();
    assertThat(executables).containsExactlyInAnyOrderElementsOf(EXECUTABLES);
    // Nothing the runtime user could change: everything belongs to root and only root writes.
    assertThat(entries.values())
        .allSatisfy(
            e -> {
              assertThat(e.uid()).as("%s owner", e.path()).isZero();
              assertThat(e.mode() & 022).as("%s group/other write", e.path()).isZero();
            });
  }

  @Test
  void theJarIsTheTestedOneAndNothingOfTheEmulator() throws Exception {
    assertThat(entries.keySet()).filteredOn(p -> p.startsWith("app/")).containsExactly(JAR);
    assertThat(entries.keySet()).noneMatch(p -> p.contains("io/kxops/emulator"));
    assertThat(entries.keySet()).noneMatch(p -> p.contains("emulator"));
    Path jar = work.resolve("image.jar");
    for (String layer : image.layerDigests()) {
      image.forEachEntry(
          layer,
          (e, data) -> {
            if (e.path().equals(JAR)) {
              Files.copy(data, jar);
            }
          });
    }
    assertThat(sha256(jar))
        .as("the image's jar is target/kxchangeset-operator.jar, the one the tests run")
        .isEqualTo(sha256(OperatorJarIT.JAR));
    try (JarFile j = new JarFile(jar.toFile())) {
      assertThat(j.stream().map(ZipEntry::getName))
          .contains("io/kxops/operator/Main.class")
          .noneMatch(n -> n.startsWith("io/kxops/emulator/"));
    }
  }

  @Test
  void aMinimalJavaRuntimeOfTheBuildsJdk() throws IOException {
    Path release = work.resolve("release");
    for (String layer : image.layerDigests()) {
      image.forEachEntry(
          layer,
          (e, data) -> {
            if (e.path().equals("opt/java/release")) {
              Files.copy(data, release);
            }
          });
    }
    String text = Files.readString(release);
    assertThat(text).contains("JAVA_VERSION=\"" + Runtime.version().feature() + ".");
    String modules = text.lines().filter(l -> l.startsWith("MODULES=")).findFirst().orElseThrow();
    assertThat(modules)
        .contains("java.base", "java.net.http", "jdk.crypto.ec", "jdk.httpserver")
        .doesNotContain("java.desktop", "jdk.compiler", "jdk.jshell");
    assertThat(entries.keySet())
        .anyMatch(p -> p.matches("lib/[^/]+-linux-gnu/libc\\.so\\.6"))
        .anyMatch(p -> p.matches("lib/[^/]+-linux-gnu/libz\\.so\\.1"))
        .noneMatch(p -> p.startsWith("opt/java/include") || p.startsWith("opt/java/jmods"));
  }

  @Test
  void reproducibleNoBuildTimeNoBuildHostInIt() {
    JsonNode config = image.config();
    assertThat(config.path("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
    config
        .path("history")
        .forEach(h -> assertThat(h.path("created").asText()).isEqualTo("1970-01-01T00:00:00Z"));
    assertThat(entries.values())
        .allSatisfy(e -> assertThat(e.mtime()).as("%s time", e.path()).isEqualTo(FILE_TIME));
    assertThat(config.toString()).doesNotContain(System.getProperty("user.name") + "@");
  }

  @Test
  void itsJavaStartsAndHasEveryModuleTheOperatorUses() throws Exception {
    Path root = work.resolve("rootfs");
    image.extractTo(root);
    // What a container runtime provides: /proc (the launcher finds its libjli through it) and
    // the chart's writable /tmp.
    Files.createDirectories(root.resolve("proc"));
    Files.createDirectories(root.resolve("tmp"));
    Run version = runInImage(root, List.of("/opt/java/bin/java", "-version"));
    assertThat(version.exit()).as(version.output()).isZero();
    assertThat(version.output()).contains("version \"" + Runtime.version().feature() + ".");

    // The probe: this module's ImageProbe class next to the image's jar.
    Path probeDir = root.resolve("probe/io/kxops/operator");
    Files.createDirectories(probeDir);
    Path classes = Path.of("target", "test-classes", "io", "kxops", "operator");
    try (var files = Files.list(classes)) {
      for (Path c :
          files.filter(p -> p.getFileName().toString().startsWith("ImageProbe")).toList()) {
        Files.copy(c, probeDir.resolve(c.getFileName()));
      }
    }
    Run probe =
        runInImage(
            root,
            List.of(
                "/opt/java/bin/java",
                // The chart's JVM flags (values.yaml jvmOptions) must be ones this runtime knows.
                "-XX:+UseSerialGC",
                "-XX:MaxRAMPercentage=70",
                "-XX:TieredStopAtLevel=1",
                "-XX:+ExitOnOutOfMemoryError",
                "-Xss512k",
                "-cp",
                "/probe:/" + JAR,
                ImageProbe.class.getName()));
    assertThat(probe.exit()).as(probe.output()).isZero();
    assertThat(probe.output()).contains("image probe: ok");
  }

  record Run(int exit, String output) {}

  /**
   * Runs a command of the image in its extracted root as the image's user: own mount and PID
   * namespaces (a /proc of its own), and an empty network namespace, so nothing leaves.
   */
  static Run runInImage(Path root, List<String> command) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            "unshare",
            "--net",
            "--mount",
            "--pid",
            "--fork",
            "--mount-proc=" + root.resolve("proc"),
            "chroot",
            "--userspec=65532:65532",
            root.toString()));
    cmd.addAll(command);
    Path out = work.resolve("run-" + System.nanoTime() + ".out");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    Process p = pb.start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(cmd + " did not finish in 2 min");
    }
    return new Run(p.exitValue(), Files.readString(out));
  }

  static List<String> texts(JsonNode array) {
    List<String> list = new ArrayList<>();
    array.forEach(n -> list.add(n.asText()));
    return list;
  }

  static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        md.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
