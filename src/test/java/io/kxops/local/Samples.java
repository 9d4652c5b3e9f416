/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kxops.operator.api.v1alpha1.KxChangeset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The samples the sandbox applies: config/samples, in its kustomization's order. */
final class Samples {

  private Samples() {}

  /** Creates the samples of config/samples in the sandbox's namespace; returns their names. */
  static List<String> apply(Console console, KubernetesClient client, Path root) {
    return console.step(
        "samples: apply config/samples to namespace " + SandboxEnv.NAMESPACE,
        () -> {
          List<String> names = new ArrayList<>();
          Path samples = root.resolve("config").resolve("samples");
          for (String file : kustomizationResources(samples.resolve("kustomization.yaml"))) {
            KxChangeset r =
                Serialization.unmarshal(Files.readString(samples.resolve(file)), KxChangeset.class);
            r.getMetadata().setNamespace(SandboxEnv.NAMESPACE);
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
}
