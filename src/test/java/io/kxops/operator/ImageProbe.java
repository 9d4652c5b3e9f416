/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import javax.xml.parsers.SAXParserFactory;
import javax.xml.stream.XMLInputFactory;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspace.FinspaceClient;

/**
 * Runs inside the operator's image (ImageIT starts it with the image's java, on the image's jar
 * plus this class): touches each JDK module the jlink'ed runtime was given for the operator, the
 * way the operator's libraries use them, so that a module left out fails here rather than in a
 * user's pod. Not a test itself: a program, exit status 0 when everything worked.
 */
public final class ImageProbe {

  private ImageProbe() {}

  public static void main(String[] args) throws Exception {
    // jdk.crypto.ec: ECDHE key exchange and EC certificates (API servers and AWS endpoints).
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    Signature.getInstance("SHA256withECDSA").initSign(ec.generateKeyPair().getPrivate());
    SSLContext tls = SSLContext.getInstance("TLSv1.3");
    tls.init(null, null, null);
    List<String> suites =
        Arrays.asList(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    check(
        suites.contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        "ECDHE cipher suites (jdk.crypto.ec)");

    // The runtime's own CA certificates (lib/security/cacerts): AWS endpoints' roots.
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    X509TrustManager trust = (X509TrustManager) tmf.getTrustManagers()[0];
    check(
        Arrays.stream(trust.getAcceptedIssuers())
            .map(X509Certificate::getSubjectX500Principal)
            .anyMatch(p -> p.getName().contains("Amazon Root CA 1")),
        "Amazon Root CA 1 in the default trust store");

    // java.naming: Apache HttpClient's hostname verification parses names with LdapName.
    new javax.naming.ldap.LdapName("CN=finspace.example,O=probe");
    // java.xml: logback's configuration (SAX) and AWS query-protocol responses (StAX, STS).
    XMLInputFactory.newInstance().createXMLStreamReader(new StringReader("<a/>")).next();
    SAXParserFactory.newInstance().newSAXParser();
    // logback, configured from the jar's logback.xml.
    LoggerFactory.getLogger(ImageProbe.class).info("image probe: logging works");

    // java.management, jdk.management: Micrometer's JVM and process metrics.
    check(
        ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean,
        "com.sun.management.OperatingSystemMXBean (jdk.management)");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new ProcessorMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    check(registry.find("process.cpu.usage").gauge() != null, "process.cpu.usage metric");

    // jdk.httpserver: the health and metrics endpoints.
    com.sun.net.httpserver.HttpServer.create();
    // java.sql: Jackson's java.sql types; and YAML without java.desktop (java.beans).
    ObjectMapper json = new ObjectMapper();
    json.writeValueAsString(new java.sql.Timestamp(0));
    new ObjectMapper(new YAMLFactory()).readTree("kind: KxChangeset\nspec: {}\n");
    // jdk.unsupported: sun.misc.Unsafe, which shaded protobuf (Prometheus) uses.
    Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");

    // java.net.http: fabric8's JDK HTTP client, with its TLS set up.
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build())
            .build()) {
      check(client.getMasterUrl() != null, "fabric8 client");
    }
    // java.security.jgss and the rest of the AWS SDK's Apache client (its auth schemes).
    Class.forName("org.ietf.jgss.GSSManager");
    try (SdkHttpClient http = ApacheHttpClient.builder().build();
        FinspaceClient finspace =
            FinspaceClient.builder()
                .region(Region.US_EAST_1)
                .credentialsProvider(
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
                .httpClient(http)
                .build()) {
      check(finspace.serviceClientConfiguration() != null, "FinSpace client");
    }

    // /etc/passwd names the image's user.
    check("nonroot".equals(System.getProperty("user.name")), "user.name nonroot");
    System.out.println("image probe: ok (java " + Runtime.version() + ")");
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      System.out.println("image probe: FAILED: " + what);
      System.exit(1);
    }
  }
}
