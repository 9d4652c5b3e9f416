package io.kxops.operator.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs kubectl and helm from the provisioned cache as subprocesses. */
public final class Tools {

  /** What a command printed and how it ended. */
  public record Result(int exitCode, String output) {}

  private Tools() {}

  /** The directory holding kubectl and helm: KXOPS_BIN_DIR, else ~/.cache/kxops/bin. */
  public static Path binDir() {
    String env = System.getenv("KXOPS_BIN_DIR");
    Path dir =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache", "kxops", "bin");
    if (!Files.isExecutable(dir.resolve("kubectl"))) {
      throw new IllegalStateException(
          "no kubectl in " + dir + "; provision it with hack/provision-binaries.sh");
    }
    return dir;
  }

  /** Runs {@code tool args...} with KUBECONFIG set, merging stderr into the output. */
  public static Result run(Path kubeconfig, String tool, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binDir().resolve(tool).toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("HOME", kubeconfig.getParent().toString());
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(tool + " timed out: " + String.join(" ", args));
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
