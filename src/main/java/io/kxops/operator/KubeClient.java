/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.HotSpotDiagnosticMXBean;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import okhttp3.CipherSuite;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;

/**
 * The operator's Kubernetes client: fabric8's OkHttp one. Back to back against the JDK HTTP client
 * it measured 8 % less operator CPU and 3 % less API-server CPU per changeset in the raised-limit
 * benchmark (docs/benchmarks.md, "Fourth pass"): the JDK client's own HTTP/2, HPACK and
 * completable-future hand-offs were a third of the operator's CPU. Under the chart's JIT (C1 only,
 * no C2: -XX:TieredStopAtLevel=1) the JVM has no AES-GCM intrinsics, and TLS to the API server
 * (AES-GCM, what the JDK offers first) was about 13 % of the operator's CPU; ChaCha20-Poly1305 ran
 * 3 to 5 times faster there, so the client offers it first (the API server, in Go, then chooses it)
 * and every other suite of its connection specs after it, so a server that allows only AES-GCM
 * (FIPS) still finds one. With C2 the JDK's own order stands: AES-GCM with intrinsics is the faster
 * one. Also: a kubeconfig without a token (a client certificate) is re-read at most once a minute,
 * as fabric8 means to (see {@link KubeconfigToken}). And objects are read without {@code
 * metadata.managedFields} (see {@link #serialization()}).
 */
final class KubeClient {

  private KubeClient() {}

  /** The client of the kubeconfig or pod the environment gives (as fabric8's default would). */
  static KubernetesClient build() {
    Config config = Config.autoConfigure(null);
    if (withoutToken(config)) {
      String context =
          config.getCurrentContext() == null ? null : config.getCurrentContext().getName();
      config.setOauthTokenProvider(
          new KubeconfigToken(
              System::nanoTime, () -> Config.autoConfigure(context).getAutoOAuthToken()));
    }
    return build(config, !c2Compiler());
  }

  /**
   * The client of {@code config}; its TLS connections offer ChaCha20 first when {@code
   * chachaFirst}.
   */
  static KubernetesClient build(Config config, boolean chachaFirst) {
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withKubernetesSerialization(serialization())
        .withHttpClientFactory(chachaFirst ? new ChachaFirst() : new OkHttpClientFactory())
        .build();
  }

  /**
   * fabric8's OkHttp client whose TLS connection specs list the ChaCha20 suites first. OkHttp
   * offers on each socket the suites of its connection spec that the socket has enabled, in the
   * spec's order, so the specs fabric8 configured (its TLS versions, OkHttp's modern suites) are
   * kept with only their suites reordered.
   */
  static final class ChachaFirst extends OkHttpClientFactory {
    @Override
    protected void additionalConfig(OkHttpClient.Builder builder) {
      List<ConnectionSpec> configured = builder.build().connectionSpecs(); // fabric8's
      builder.connectionSpecs(configured.stream().map(KubeClient::chachaFirst).toList());
    }
  }

  /** {@code spec} with its suites ChaCha20 first; one that takes the socket's suites as it is. */
  static ConnectionSpec chachaFirst(ConnectionSpec spec) {
    List<CipherSuite> suites = spec.cipherSuites();
    if (suites == null) {
      return spec;
    }
    String[] names = suites.stream().map(CipherSuite::javaName).toArray(String[]::new);
    return new ConnectionSpec.Builder(spec).cipherSuites(reorder(names)).build();
  }

  /**
   * fabric8's serialization, except that {@code metadata.managedFields} is skipped when an object
   * is read and never sent. Nothing in the operator reads them (its status replace leaves them to
   * the API server, which keeps its own when a body has none), yet every watch event and write
   * response carries them: with a KxChangeset's few fields and one manager per writer they are
   * about as large as the rest of the object, so binding them was a large part of decoding each of
   * the ~4 watch events and ~3 write responses per changeset (docs/benchmarks.md).
   */
  static KubernetesSerialization serialization() {
    return new KubernetesSerialization(
        new ObjectMapper().addMixIn(ObjectMeta.class, WithoutManagedFields.class), true);
  }

  @JsonIgnoreProperties({"managedFields"})
  private interface WithoutManagedFields {}

  /** {@code suites} with every ChaCha20 one first, each group keeping its order. */
  static String[] reorder(String[] suites) {
    List<String> out = new ArrayList<>();
    Arrays.stream(suites).filter(s -> s.contains("CHACHA20")).forEach(out::add);
    Arrays.stream(suites).filter(s -> !s.contains("CHACHA20")).forEach(out::add);
    return out.toArray(String[]::new);
  }

  /**
   * Whether fabric8 would look for a token on every request: no token of any kind, no basic auth,
   * no auth-provider (OIDC refreshes itself). Its TokenRefreshInterceptor re-reads the kubeconfig
   * once a minute only when that yields a token; without one it re-read and re-parsed it on every
   * request — 7 % of the operator's CPU in the e2e benchmark, whose kubeconfig holds a client
   * certificate. A pod's ServiceAccount token is not affected.
   */
  static boolean withoutToken(Config c) {
    return c.getOauthTokenProvider() == null
        && (c.getOauthToken() == null || c.getOauthToken().isEmpty())
        && (c.getAutoOAuthToken() == null || c.getAutoOAuthToken().isEmpty())
        && (c.getUsername() == null || c.getPassword() == null)
        && c.getAuthProvider() == null;
  }

  /**
   * The kubeconfig's token, looked for again at most once a minute (an exec plugin that failed at
   * start-up, a kubeconfig rewritten with a token): what fabric8's interceptor means to do. Until
   * one appears there is none, and requests authenticate with the client certificate.
   */
  static final class KubeconfigToken implements io.fabric8.kubernetes.client.OAuthTokenProvider {

    static final long EVERY_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

    private final java.util.function.LongSupplier nanos;
    private final java.util.function.Supplier<String> load;
    private long next;
    private String token;

    KubeconfigToken(
        java.util.function.LongSupplier nanos, java.util.function.Supplier<String> load) {
      this.nanos = nanos;
      this.load = load;
      this.next = nanos.getAsLong() + EVERY_NANOS; // the configuration was just read
    }

    @Override
    public synchronized String getToken() {
      long now = nanos.getAsLong();
      if (now - next >= 0) {
        next = now + EVERY_NANOS;
        try {
          String t = load.get();
          token = t == null || t.isEmpty() ? null : t;
        } catch (RuntimeException unreadable) {
          // keep what there was: the next look is a minute away
        }
      }
      return token;
    }
  }

  /** Whether the JIT compiles with C2 (the default), where the AES-GCM intrinsics are. */
  static boolean c2Compiler() {
    try {
      var vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      boolean tiered = Boolean.parseBoolean(vm.getVMOption("TieredCompilation").getValue());
      int stopAt = Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue());
      return !tiered || stopAt >= 4;
    } catch (RuntimeException notHotSpot) {
      return true; // keep the JDK's order where this cannot be told
    }
  }
}
