/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts a generated CRD's printer columns in the order the resource class declares them.
 *
 * <p>fabric8's crd-generator sorts additionalPrinterColumns by jsonPath, and kubectl shows them in
 * the CRD's order, so AGE would come first. The build (process-classes, after the generator) runs
 * this program on the generated file: it moves the column entries, line for line, into the order
 * of the class's {@code @AdditionalPrinterColumn} annotations and changes nothing else. CrdTest
 * then compares the result with the committed copy under crds/, so it cannot drift.
 *
 * <p>Usage: {@code java -cp <compile classpath> hack/CrdColumnOrder.java <crd.yml> <class>}
 */
public class CrdColumnOrder {

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    Class<?> type = Class.forName(args[1], false, CrdColumnOrder.class.getClassLoader());
    List<String> order = new ArrayList<>();
    for (AdditionalPrinterColumn c : type.getAnnotationsByType(AdditionalPrinterColumn.class)) {
      order.add(c.name());
    }
    List<String> lines = Files.readAllLines(file);
    int start = lines.indexOf("  - additionalPrinterColumns:");
    if (start < 0) {
      throw new IllegalStateException(file + ": no additionalPrinterColumns");
    }
    // Entries start with "    - " and continue with deeper lines; the block ends at the first
    // line indented by four spaces or less that starts no entry.
    Map<String, List<String>> entries = new LinkedHashMap<>();
    List<String> current = null;
    int end = start + 1;
    for (; end < lines.size(); end++) {
      String line = lines.get(end);
      if (line.startsWith("    - ")) {
        current = new ArrayList<>();
        entries.put("entry" + entries.size(), current);
      } else if (!line.startsWith("      ")) {
        break;
      }
      current.add(line);
    }
    Map<String, List<String>> byName = new LinkedHashMap<>();
    for (List<String> entry : entries.values()) {
      String name =
          entry.stream()
              .map(String::strip)
              .map(l -> l.startsWith("- ") ? l.substring(2) : l)
              .filter(l -> l.startsWith("name: "))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("a column without name: " + entry))
              .substring("name: ".length())
              .replace("\"", "");
      byName.put(name, entry);
    }
    if (!byName.keySet().containsAll(order) || byName.size() != order.size()) {
      throw new IllegalStateException(
          file + ": columns " + byName.keySet() + " are not those of " + type + ": " + order);
    }
    List<String> out = new ArrayList<>(lines.subList(0, start + 1));
    order.forEach(name -> out.addAll(byName.get(name)));
    out.addAll(lines.subList(end, lines.size()));
    Files.write(file, out);
  }
}
