package io.kxops.operator.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kxops.local.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real kube-apiserver and etcd (fabric8 kube-api-test), one per test class, from the binaries
 * {@code hack/provision-binaries.sh} puts in the cache. The CRD from {@code crds/} is installed.
 */
public final class ApiServer implements AutoCloseable {

  public static final Path CRD = Path.of("crds", "kxchangesets.finspace.kxops.io-v1.yml");

  private final KubeAPIServer server;
  private final String kubeconfig;
  private final KubernetesClient client;

  private ApiServer(KubeAPIServer server) {
    this.server = server;
    this.kubeconfig = server.getKubeConfigYaml();
    this.client = newClient();
  }

  /** Starts etcd and kube-apiserver and installs the CRD. */
  public static ApiServer start() {
    Path dir = binariesDir();
    String version = version(dir);
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir.toString())
                .withApiServerVersion(version)
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .build());
    ApiServer api = null;
    try {
      server.start();
      api = new ApiServer(server);
      api.installCrd();
      return api;
    } catch (RuntimeException | Error e) {
      // A failed start must not leave etcd or kube-apiserver running for the rest of the build.
      try {
        if (api != null) {
          api.close();
        } else {
          server.stop();
        }
      } catch (RuntimeException stop) {
        e.addSuppressed(stop);
      }
      throw e;
    }
  }

  /** The directory kube-api-test reads binaries from: KUBE_API_TEST_DIR, else the kxops cache. */
  static Path binariesDir() {
    String env = System.getenv("KUBE_API_TEST_DIR");
    Path dir =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache", "kxops", "kube-api-test");
    if (!Files.isRegularFile(dir.resolve("VERSION"))) {
      throw new IllegalStateException(
          "no kube-apiserver/etcd binaries in "
              + dir
              + "; provision them with hack/provision-binaries.sh");
    }
    return dir;
  }

  private static String version(Path dir) {
    try {
      return Files.readString(dir.resolve("VERSION")).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client with cluster-admin rights (the kubeconfig kube-api-test writes). */
  public KubernetesClient client() {
    return client;
  }

  /** A new admin client; the caller closes it. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
  }

  /** A client that impersonates {@code user} (and its groups), so only that user's RBAC applies. */
  public KubernetesClient impersonating(String user, String... groups) {
    Config config = Config.fromKubeconfig(kubeconfig);
    config.setImpersonateUsername(user);
    config.setImpersonateGroups(groups);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  public String kubeconfigYaml() {
    return kubeconfig;
  }

  /** Writes the kubeconfig to {@code file} (for kubectl and helm). */
  public Path writeKubeconfig(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, kubeconfig);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void installCrd() {
    LocalCluster.installCrd(client, CRD);
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.stop();
    }
  }
}
