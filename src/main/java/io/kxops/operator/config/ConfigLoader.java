/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.config;

import io.kxops.operator.config.OperatorConfig.LogFormat;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@link OperatorConfig} from environment variables and validates it, collecting every
 * problem into one {@link ConfigException} whose message names each bad variable.
 */
public final class ConfigLoader {

  /** Namespace names, as Kubernetes defines them (RFC 1123 labels). */
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  /** Object names a KxAccessPolicy may have (DNS subdomains). */
  private static final Pattern OBJECT_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** A region name, as KxChangesetSpec.REGION_PATTERN accepts it. */
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");

  private static final Pattern GO_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  /**
   * The longest ADOPT_AFTER: a resend with the intent's token must still leave inside the intent's
   * send window (the client token's 10 minutes less twice the 60 s clock skew and 10 s of transit,
   * {@code ChangesetLogic.SEND_WINDOW}; ChangesetLogicTest checks the two agree).
   */
  static final Duration MAX_ADOPT_AFTER = Duration.ofMinutes(7).plusSeconds(50);

  private final Map<String, String> env;
  private final List<String> problems = new ArrayList<>();

  private ConfigLoader(Map<String, String> env) {
    this.env = env;
  }

  /** Loads the configuration from the process environment. */
  public static OperatorConfig fromEnvironment() {
    return load(System.getenv());
  }

  /** Loads the configuration from {@code env}; throws naming every invalid variable. */
  public static OperatorConfig load(Map<String, String> env) {
    return new ConfigLoader(env).build();
  }

  private OperatorConfig build() {
    Optional<String> region = optional("AWS_REGION");
    boolean allowHttp = bool("FINSPACE_ALLOW_HTTP_ENDPOINT", false);
    Optional<URI> endpoint =
        optional("AWS_ENDPOINT_URL_FINSPACE")
            .map(v -> endpoint("AWS_ENDPOINT_URL_FINSPACE", v, allowHttp));
    Optional<URI> stsEndpoint =
        optional("AWS_ENDPOINT_URL_STS").map(v -> endpoint("AWS_ENDPOINT_URL_STS", v, allowHttp));
    String policyName = get("ACCESS_POLICY_NAME", OperatorConfig.DEFAULT_POLICY_NAME);
    if (policyName.length() > 253 || !OBJECT_NAME.matcher(policyName).matches()) {
      problems.add(
          "ACCESS_POLICY_NAME: '" + policyName + "' is not a valid object name (a DNS subdomain)");
    }
    boolean policyRequired = bool("ACCESS_POLICY_REQUIRED", false);
    Set<String> allowedRegions = regions(get("ALLOWED_REGIONS", ""));
    Set<String> namespaces = namespaces(get("WATCH_NAMESPACES", ""));
    Duration poll = duration("POLL_INTERVAL", "5s", Duration.ofMillis(100));
    Duration maxPoll = duration("MAX_POLL_INTERVAL", "60s", Duration.ofMillis(100));
    if (poll != null && maxPoll != null && maxPoll.compareTo(poll) < 0) {
      problems.add("MAX_POLL_INTERVAL (" + maxPoll + ") must not be less than POLL_INTERVAL");
    }
    int inFlight = integer("MAX_IN_FLIGHT_PER_DATABASE", 1, 1, 1000);
    double rate = number("FINSPACE_RATE_LIMIT", 10.0, 0.1, 10_000);
    int attempts = integer("FINSPACE_MAX_ATTEMPTS", 3, 1, 20);
    int threads = integer("RECONCILE_THREADS", defaultReconcileThreads(rate), 1, 200);
    Duration retryInitial = duration("RETRY_INITIAL_INTERVAL", "2s", Duration.ofMillis(10));
    Duration retryMax = duration("RETRY_MAX_INTERVAL", "5m", Duration.ofMillis(10));
    if (retryInitial != null && retryMax != null && retryMax.compareTo(retryInitial) < 0) {
      problems.add("RETRY_MAX_INTERVAL must not be less than RETRY_INITIAL_INTERVAL");
    }
    Duration stallAfter = duration("ACCESS_DENIED_STALL_AFTER", "10m", Duration.ZERO);
    // At least a second: at 0 every retry of a create would list the database's whole history.
    Duration adoptAfter = duration("ADOPT_AFTER", "7m", Duration.ofSeconds(1));
    // Adoption must start while a resend can still reach FinSpace before the token expires: a
    // later start leaves a window in which a retried create, its token expired, makes a second
    // changeset.
    if (adoptAfter != null && adoptAfter.compareTo(MAX_ADOPT_AFTER) > 0) {
      problems.add(
          "ADOPT_AFTER: '"
              + get("ADOPT_AFTER", "")
              + "' must be at most 7m50s (FinSpace's client token protects a create for 10m; the"
              + " operator keeps 2m10s of it for clock skew and transit)");
    }
    // A waiter that cannot create gives its turn after this long; 0 = at its first failure.
    Duration queueYieldAfter = duration("QUEUE_YIELD_AFTER", "5m", Duration.ZERO);
    // On by default: a rebuilt cluster or a restored backup must not run the database's history
    // again (README, "Rebuilding a cluster").
    boolean refuseRepeats = bool("REFUSE_REPEATED_HISTORY", true);
    boolean election = bool("LEADER_ELECTION", false);
    Optional<String> podNamespace = optional("POD_NAMESPACE");
    String leaseNamespace = get("LEADER_ELECTION_NAMESPACE", podNamespace.orElse(""));
    if (election && leaseNamespace.isEmpty()) {
      problems.add(
          "LEADER_ELECTION_NAMESPACE (or POD_NAMESPACE) must be set when LEADER_ELECTION=true");
    }
    String leaseName = get("LEADER_ELECTION_LEASE_NAME", "kxchangeset-operator");
    String identity = get("POD_NAME", get("HOSTNAME", "kxchangeset-operator"));
    int metricsPort = integer("METRICS_PORT", 8080, 0, 65535);
    int healthPort = integer("HEALTH_PORT", 8081, 0, 65535);
    if (metricsPort != 0 && metricsPort == healthPort) {
      problems.add("METRICS_PORT and HEALTH_PORT must differ (both are " + metricsPort + ")");
    }
    // How many namespaces and databases the metrics label one by one; the rest are "_other".
    int metricsLabelLimit = integer("METRICS_LABEL_LIMIT", 100, 0, 10_000);
    LogFormat logFormat =
        choice(
            "LOG_FORMAT",
            "text",
            "json or text",
            v -> LogFormat.valueOf(v.toUpperCase(Locale.ROOT)));
    String logLevel =
        choice(
            "LOG_LEVEL",
            "info",
            "trace, debug, info, warn or error",
            v -> {
              String l = v.toUpperCase(Locale.ROOT);
              if (!Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(l)) {
                throw new IllegalArgumentException();
              }
              return l;
            });
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new OperatorConfig(
        region,
        endpoint,
        namespaces,
        poll,
        maxPoll,
        inFlight,
        rate,
        attempts,
        threads,
        retryInitial,
        retryMax,
        stallAfter,
        adoptAfter,
        queueYieldAfter,
        refuseRepeats,
        election,
        leaseNamespace,
        leaseName,
        identity,
        metricsPort,
        healthPort,
        metricsLabelLimit,
        logFormat,
        logLevel,
        new OperatorConfig.Access(policyName, policyRequired, allowedRegions, stsEndpoint));
  }

  private Set<String> regions(String value) {
    Set<String> out = new LinkedHashSet<>();
    for (String r : Arrays.stream(value.split(",")).map(String::trim).toList()) {
      if (r.isEmpty()) {
        continue;
      }
      if (!REGION.matcher(r).matches()) {
        problems.add("ALLOWED_REGIONS: '" + r + "' is not a region name such as us-east-1");
      }
      out.add(r);
    }
    return Set.copyOf(out);
  }

  private Optional<String> optional(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  private String get(String name, String fallback) {
    return optional(name).orElse(fallback);
  }

  /**
   * An endpoint override (FinSpace's, or STS's for a policy's role): an http(s) URL with a host and
   * no user info (credentials in a URL end up in logs); plain http only to this host (the emulator,
   * a local proxy) unless explicitly allowed, since SigV4 signs requests but does not encrypt them.
   */
  private URI endpoint(String name, String value, boolean allowHttp) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      uri = null;
    }
    if (uri != null ? uri.getRawUserInfo() != null : value.contains("@")) {
      // Never echo the value: the user info may be a secret.
      problems.add(
          name
              + ": the URL carries user info (user:password@); remove it, the"
              + " operator signs its requests with AWS credentials");
      return null;
    }
    if (uri == null
        || uri.getScheme() == null
        || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      problems.add(name + ": '" + value + "' is not an http(s) URL with a host");
      return null;
    }
    if (uri.getScheme().equals("http") && !allowHttp && !isLoopback(uri.getHost())) {
      problems.add(
          name
              + ": '"
              + value
              + "' is plain http to another host; use https, or set"
              + " FINSPACE_ALLOW_HTTP_ENDPOINT=true if the network path is trusted");
      return null;
    }
    return uri;
  }

  /** localhost, or an IP literal of the loopback range; no name is resolved. */
  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    boolean literal = host.startsWith("[") || host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    if (!literal) {
      return false;
    }
    try {
      String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
      return InetAddress.getByName(bare).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private Set<String> namespaces(String value) {
    Set<String> out = new LinkedHashSet<>();
    for (String n : Arrays.stream(value.split(",")).map(String::trim).toList()) {
      if (n.isEmpty()) {
        continue;
      }
      if (n.length() > 63 || !NAMESPACE.matcher(n).matches()) {
        problems.add("WATCH_NAMESPACES: '" + n + "' is not a valid namespace name");
      }
      out.add(n);
    }
    return Set.copyOf(out);
  }

  private Duration duration(String name, String fallback, Duration min) {
    String v = get(name, fallback);
    Duration d = parseDuration(v);
    if (d == null) {
      problems.add(name + ": '" + v + "' is not a duration (use e.g. 500ms, 5s, 2m, 1h or PT5S)");
      return null;
    }
    if (d.compareTo(min) < 0) {
      problems.add(name + ": '" + v + "' is shorter than the minimum " + min);
      return null;
    }
    return d;
  }

  /** Parses Go-style durations ("1m30s", "500ms") or ISO-8601 ("PT5S"); null if neither. */
  static Duration parseDuration(String v) {
    String s = v.trim();
    if (s.startsWith("P") || s.startsWith("p")) {
      try {
        return Duration.parse(s.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    Matcher m = GO_DURATION.matcher(s);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        return null;
      }
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
              });
      end = m.end();
    }
    return end == s.length() && end > 0 ? total : null;
  }

  /**
   * RECONCILE_THREADS when unset: 10, or a tenth of FINSPACE_RATE_LIMIT when that is more (at most
   * 200). A create holds its thread for two status writes and a watch (50-100 ms while the API
   * server is busy), so fewer threads than that would leave a raised FinSpace limit unused.
   */
  public static int defaultReconcileThreads(double finspaceRateLimit) {
    if (!(finspaceRateLimit > 100)) {
      return 10; // NaN too (FINSPACE_RATE_LIMIT's own problem is reported)
    }
    return (int) Math.min(200, Math.ceil(finspaceRateLimit / 10));
  }

  private int integer(String name, int fallback, int min, int max) {
    String v = get(name, Integer.toString(fallback));
    try {
      int i = Integer.parseInt(v);
      if (i < min || i > max) {
        problems.add(name + ": " + i + " is outside " + min + ".." + max);
      }
      return i;
    } catch (NumberFormatException e) {
      problems.add(name + ": '" + v + "' is not an integer");
      return fallback;
    }
  }

  private double number(String name, double fallback, double min, double max) {
    String v = get(name, Double.toString(fallback));
    try {
      double d = Double.parseDouble(v);
      if (!(d >= min && d <= max)) {
        problems.add(name + ": " + v + " is outside " + min + ".." + max);
      }
      return d;
    } catch (NumberFormatException e) {
      problems.add(name + ": '" + v + "' is not a number");
      return fallback;
    }
  }

  private boolean bool(String name, boolean fallback) {
    String v = get(name, Boolean.toString(fallback)).toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> {
        problems.add(name + ": '" + v + "' is not a boolean (true or false)");
        yield fallback;
      }
    };
  }

  private <T> T choice(String name, String fallback, String allowed, Function<String, T> parse) {
    String v = get(name, fallback);
    try {
      return parse.apply(v);
    } catch (IllegalArgumentException e) {
      problems.add(name + ": '" + v + "' is not one of " + allowed);
      return parse.apply(fallback);
    }
  }
}
