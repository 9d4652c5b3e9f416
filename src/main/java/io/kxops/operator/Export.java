/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import io.kxops.operator.api.v1alpha1.KxChangesetSpec;
import io.kxops.operator.config.ConfigException;
import io.kxops.operator.config.ConfigLoader;
import io.kxops.operator.config.OperatorConfig;
import io.kxops.operator.finspace.Changeset;
import io.kxops.operator.finspace.ChangesetSummary;
import io.kxops.operator.finspace.DatabaseRef;
import io.kxops.operator.finspace.FinSpace;
import io.kxops.operator.finspace.FinSpaceException;
import io.kxops.operator.finspace.SdkFinSpace;
import io.kxops.operator.status.StatusMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The {@code export} subcommand: prints a database's existing changesets as KxChangeset manifests
 * that import them (spec.changesetId set), oldest first, for bringing history under management.
 */
public final class Export {

  static final String USAGE =
      "usage: java -jar kxchangeset-operator.jar export --environment-id ID --database NAME"
          + " [--region REGION] [--namespace NS] [--name-prefix PREFIX] [--completed-only]\n"
          + "  FinSpace is reached as the operator reaches it: AWS_REGION,"
          + " AWS_ENDPOINT_URL_FINSPACE, the default AWS credential chain.";

  /** Parsed options; {@code region} null means the operator's region and no spec.region. */
  record Options(
      String environmentId,
      String databaseName,
      String region,
      String namespace,
      String namePrefix,
      boolean completedOnly) {}

  private Export() {}

  /**
   * Runs the subcommand; returns the process exit code (0 done, 1 FinSpace failed, 2 bad usage or
   * configuration).
   */
  public static int run(
      List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    Options o;
    OperatorConfig config;
    try {
      o = parse(args);
      config = ConfigLoader.load(env);
    } catch (IllegalArgumentException | ConfigException e) {
      err.println(e.getMessage());
      err.println(USAGE);
      return 2;
    }
    String region =
        o.region() != null
            ? o.region()
            : config.region().or(SdkFinSpace::defaultRegion).orElse(null);
    if (region == null) {
      err.println("AWS_REGION: no AWS region is configured (set AWS_REGION or --region)");
      return 2;
    }
    try (SdkFinSpace finspace =
        new SdkFinSpace(
            new SdkFinSpace.Settings(
                config.finspaceEndpoint(),
                config.finspaceMaxAttempts(),
                config.finspaceRateLimit(),
                2,
                Duration.ofSeconds(60)),
            new SimpleMeterRegistry())) {
      out.print(
          manifests(finspace, o, new DatabaseRef(region, o.environmentId(), o.databaseName())));
      return 0;
    } catch (FinSpaceException e) {
      err.println("export failed: " + e.getMessage());
      return 1;
    }
  }

  /** The manifests, as one multi-document YAML text. */
  static String manifests(FinSpace finspace, Options o, DatabaseRef db) {
    List<ChangesetSummary> listed = new ArrayList<>(finspace.list(db));
    // Creation order, whatever order the pages came in. Timestamps have milliseconds, so two
    // changesets can tie: the sort is stable and keeps FinSpace's own order (oldest first) then.
    listed.sort(
        Comparator.comparing(
            ChangesetSummary::createdTimestamp,
            Comparator.nullsLast(Comparator.<Instant>naturalOrder())));
    StringBuilder yaml = new StringBuilder();
    yaml.append("# KxChangesets importing the changesets of FinSpace database ")
        .append(db)
        .append(", oldest first.\n")
        .append("# Each names its changeset in spec.changesetId: the operator creates nothing")
        .append(" for them.\n");
    int seq = 0;
    Function<String, String> names = nameFor(o);
    for (ChangesetSummary s : listed) {
      seq++;
      if (o.completedOnly() && !Changeset.COMPLETED.equals(s.status())) {
        continue;
      }
      Changeset cs = finspace.get(db, s.id());
      KxChangeset r = new KxChangeset();
      r.setMetadata(
          new ObjectMetaBuilder()
              .withName(names.apply(String.format(Locale.ROOT, "%04d-%s", seq, s.id())))
              .withNamespace(o.namespace())
              .build());
      KxChangesetSpec spec =
          new KxChangesetSpec(o.environmentId(), o.databaseName(), o.region(), cs.changeRequests());
      spec.setChangesetId(cs.id());
      r.setSpec(spec);
      yaml.append("---\n# ")
          .append(cs.id())
          .append(": ")
          .append(cs.status())
          .append(", created ")
          .append(Objects.requireNonNullElse(StatusMapper.rfc3339(cs.createdTimestamp()), "?"))
          .append('\n')
          .append(stripDocumentStart(Serialization.asYaml(r)));
    }
    return yaml.toString();
  }

  /** metadata.name: the prefix (default: the database name as a DNS label) and the sequence. */
  private static Function<String, String> nameFor(Options o) {
    String prefix =
        o.namePrefix() != null
            ? o.namePrefix()
            : o.databaseName().toLowerCase(Locale.ROOT).replace('_', '-');
    return tail -> {
      String name = (prefix + "-" + tail).toLowerCase(Locale.ROOT);
      return name.length() <= 253 ? name : name.substring(0, 253);
    };
  }

  private static String stripDocumentStart(String yaml) {
    return yaml.startsWith("---\n") ? yaml.substring(4) : yaml;
  }

  static Options parse(List<String> args) {
    String env = null;
    String db = null;
    String region = null;
    String namespace = null;
    String prefix = null;
    boolean completedOnly = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--completed-only" -> completedOnly = true;
        case "--environment-id", "--database", "--region", "--namespace", "--name-prefix" -> {
          if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
            throw new IllegalArgumentException(a + ": a value is required");
          }
          String v = args.get(++i);
          switch (a) {
            case "--environment-id" -> env = v;
            case "--database" -> db = v;
            case "--region" -> region = v;
            case "--namespace" -> namespace = v;
            default -> prefix = v;
          }
        }
        default -> throw new IllegalArgumentException(a + ": unknown option");
      }
    }
    if (env == null || !env.matches(KxChangesetSpec.ENVIRONMENT_ID_PATTERN) || env.length() > 32) {
      throw new IllegalArgumentException(
          "--environment-id: required, 1-32 characters, not blank (a FinSpace environment id)");
    }
    if (db == null || !db.matches(KxChangesetSpec.DATABASE_NAME_PATTERN) || db.length() > 63) {
      throw new IllegalArgumentException(
          "--database: required, 3-63 letters, digits, '-' or '_', starting and ending with a"
              + " letter or digit");
    }
    if (region != null && !region.matches(KxChangesetSpec.REGION_PATTERN)) {
      throw new IllegalArgumentException("--region: '" + region + "' is not an AWS region name");
    }
    if (namespace != null && !namespace.matches("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")) {
      throw new IllegalArgumentException(
          "--namespace: '" + namespace + "' is not a namespace name");
    }
    if (prefix != null && !prefix.matches("^[a-z0-9]([-a-z0-9.]{0,200}[a-z0-9])?$")) {
      throw new IllegalArgumentException(
          "--name-prefix: '" + prefix + "' is not the start of a Kubernetes object name");
    }
    return new Options(env, db, region, namespace, prefix, completedOnly);
  }
}
