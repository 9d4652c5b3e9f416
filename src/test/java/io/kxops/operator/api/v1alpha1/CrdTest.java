/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed CRD is what the classes generate, and it carries every rule the API promises. */
class CrdTest {

  static final String FILE = "kxchangesets.finspace.kxops.io-v1.yml";
  static final Path COMMITTED = Path.of("crds", FILE);
  static final Path GENERATED = Path.of("target", "classes", "META-INF", "fabric8", FILE);

  static CustomResourceDefinition crd;
  static JSONSchemaProps root;
  static JSONSchemaProps spec;
  static JSONSchemaProps item;

  @BeforeAll
  static void load() throws IOException {
    crd = Serialization.unmarshal(Files.readString(COMMITTED), CustomResourceDefinition.class);
    root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    spec = root.getProperties().get("spec");
    item = spec.getProperties().get("changeRequests").getItems().getSchema();
  }

  @Test
  void committedCrdMatchesWhatTheClassesGenerate() throws IOException {
    assertThat(GENERATED).as("the build generates the CRD during process-classes").exists();
    if (!Files.readString(GENERATED).equals(Files.readString(COMMITTED))) {
      fail(
          COMMITTED
              + " differs from what the classes in io.kxops.operator.api.v1alpha1 generate."
              + " Regenerate it with: hack/update-generated.sh");
    }
  }

  @Test
  void namesScopeAndVersion() {
    assertThat(crd.getMetadata().getName()).isEqualTo("kxchangesets.finspace.kxops.io");
    assertThat(crd.getSpec().getGroup()).isEqualTo("finspace.kxops.io");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("KxChangeset");
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("kxchangesets");
    assertThat(crd.getSpec().getNames().getSingular()).isEqualTo("kxchangeset");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("kxcs");
    assertThat(crd.getSpec().getVersions()).hasSize(1);
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    assertThat(v.getName()).isEqualTo("v1alpha1");
    assertThat(v.getServed()).isTrue();
    assertThat(v.getStorage()).isTrue();
    assertThat(v.getSubresources().getStatus()).as("status subresource").isNotNull();
  }

  @Test
  void printerColumnsInTheOrderUsersScanThem() {
    List<CustomResourceColumnDefinition> cols =
        crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns();
    // kubectl's order is the CRD's: NAME, DATABASE, CHANGESET, STATUS, READY, REASON, AGE, and
    // with -o wide (priority 1) ENVIRONMENT, REGION, MESSAGE.
    assertThat(cols)
        .extracting(
            CustomResourceColumnDefinition::getName,
            CustomResourceColumnDefinition::getJsonPath,
            CustomResourceColumnDefinition::getPriority)
        .containsExactly(
            tuple("Database", ".spec.databaseName", 0),
            tuple("Changeset", ".status.changesetId", 0),
            tuple("Status", ".status.status", 0),
            tuple("Ready", ".status.conditions[?(@.type==\"Ready\")].status", 0),
            tuple("Reason", ".status.conditions[?(@.type==\"Ready\")].reason", 0),
            tuple("Age", ".metadata.creationTimestamp", 0),
            tuple("Environment", ".spec.environmentId", 1),
            tuple("Region", ".status.region", 1),
            tuple("Message", ".status.conditions[?(@.type==\"Ready\")].message", 1));
    assertThat(cols.stream().filter(c -> c.getName().equals("Age")).findFirst().get().getType())
        .isEqualTo("date");
  }

  @Test
  void printerColumnsFollowTheClassDeclarationOrder() {
    // The build reorders the generator's output (sorted by jsonPath) by the class's annotations.
    assertThat(crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactlyElementsOf(
            java.util.Arrays.stream(
                    KxChangeset.class.getAnnotationsByType(
                        io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.class))
                .map(io.fabric8.crd.generator.annotation.AdditionalPrinterColumn::name)
                .toList());
  }

  @Test
  void categoryListsItWithTheOperatorsOtherKinds() {
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("kxops");
  }

  @Test
  void noOpenApiPatternsOnlyRulesWithMessages() {
    List<String> withPattern = new ArrayList<>();
    collectPatterns("spec", spec, withPattern);
    assertThat(withPattern).isEmpty();
    for (JSONSchemaProps p :
        List.of(
            spec.getProperties().get("environmentId"),
            spec.getProperties().get("databaseName"),
            spec.getProperties().get("region"),
            item.getProperties().get("s3Path"),
            item.getProperties().get("dbPath"))) {
      ValidationRule rule =
          p.getXKubernetesValidations().stream()
              .filter(r -> r.getRule().startsWith("self.matches("))
              .findFirst()
              .orElseThrow();
      assertThat(rule.getMessage()).as(rule.getRule()).doesNotContain("^").contains("for example");
    }
  }

  private static void collectPatterns(String path, JSONSchemaProps p, List<String> out) {
    if (p.getPattern() != null) {
      out.add(path);
    }
    if (p.getProperties() != null) {
      p.getProperties().forEach((k, v) -> collectPatterns(path + "." + k, v, out));
    }
    if (p.getItems() != null && p.getItems().getSchema() != null) {
      collectPatterns(path + "[]", p.getItems().getSchema(), out);
    }
  }

  /** The regex of a field's {@code self.matches(r'...')} rule. */
  static String patternOf(JSONSchemaProps p) {
    String rule =
        nullToEmpty(p.getXKubernetesValidations()).stream()
            .map(ValidationRule::getRule)
            .filter(r -> r.startsWith("self.matches(r'") && r.endsWith("')"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no self.matches rule on " + p));
    return rule.substring("self.matches(r'".length(), rule.length() - 2);
  }

  private static <T> List<T> nullToEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }

  @Test
  void specIsRequired() {
    // A KxChangeset without spec names nothing to create; the API server refuses it.
    assertThat(root.getRequired()).contains("spec");
  }

  @Test
  void environmentIdPatternIsAnchoredAndRefusesControlCharacters() {
    // OpenAPI patterns are searched, not matched: an unanchored ".*\\S.*" accepts any string
    // with one visible character on one of its lines.
    java.util.regex.Pattern p =
        java.util.regex.Pattern.compile(patternOf(spec.getProperties().get("environmentId")));
    assertThat(p.matcher("jlcenjvtkgzrdek2qqv7ic").find()).isTrue();
    assertThat(p.matcher("a b").find()).isTrue();
    for (String bad :
        List.of("a\nb", "a\rb", "a\u0000b", "a\tb", "\n", " ", "a\u007fb", "a\u001bb")) {
      assertThat(p.matcher(bad).find()).as("%s", bad.codePoints().boxed().toList()).isFalse();
    }
  }

  @Test
  void specFieldsAreRequiredAndBounded() {
    assertThat(spec.getRequired())
        .containsExactlyInAnyOrder("environmentId", "databaseName", "changeRequests");
    JSONSchemaProps env = spec.getProperties().get("environmentId");
    assertThat(env.getMinLength()).isEqualTo(1L);
    assertThat(env.getMaxLength()).isEqualTo(32L);
    assertThat(patternOf(env)).isEqualTo(KxChangesetSpec.ENVIRONMENT_ID_PATTERN);
    JSONSchemaProps db = spec.getProperties().get("databaseName");
    assertThat(db.getMinLength()).isEqualTo(3L);
    assertThat(db.getMaxLength()).isEqualTo(63L);
    assertThat(patternOf(db)).isEqualTo("^[a-zA-Z0-9][a-zA-Z0-9-_]*[a-zA-Z0-9]$");
    JSONSchemaProps region = spec.getProperties().get("region");
    assertThat(patternOf(region)).isEqualTo(KxChangesetSpec.REGION_PATTERN);
    JSONSchemaProps list = spec.getProperties().get("changeRequests");
    assertThat(list.getMinItems()).isEqualTo(1L);
    assertThat(list.getMaxItems()).isEqualTo(32L);
  }

  @Test
  void changeRequestRules() {
    assertThat(item.getRequired()).containsExactlyInAnyOrder("changeType", "dbPath");
    assertThat(item.getProperties().get("changeType").getEnum())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("\"PUT\"", "\"DELETE\"");
    JSONSchemaProps s3 = item.getProperties().get("s3Path");
    assertThat(s3.getMinLength()).isEqualTo(9L);
    assertThat(s3.getMaxLength()).isEqualTo(1093L);
    assertThat(patternOf(s3))
        .isEqualTo("^s3:\\/\\/[a-z0-9][a-z0-9-.]{1,61}[a-z0-9]\\/([^\\/]+\\/)*[^\\/]*$");
    JSONSchemaProps dbPath = item.getProperties().get("dbPath");
    assertThat(dbPath.getMinLength()).isEqualTo(1L);
    assertThat(dbPath.getMaxLength()).isEqualTo(1025L);
    assertThat(patternOf(dbPath)).isEqualTo("^(\\*)*[\\/\\?\\*]([^\\/]+\\/){0,2}[^\\/]*$");
    assertThat(dbPath.getXKubernetesValidations())
        .extracting(ValidationRule::getRule)
        .contains("self.startsWith('/') && self.endsWith('/')");
    assertThat(item.getXKubernetesValidations())
        .extracting(ValidationRule::getRule, ValidationRule::getFieldPath)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                "self.changeType != 'PUT' || has(self.s3Path)", ".s3Path"),
            org.assertj.core.groups.Tuple.tuple(
                "self.changeType != 'DELETE' || !has(self.s3Path)", ".s3Path"));
  }

  @Test
  void specIsImmutableOnceTheChangesetExists() {
    assertThat(root.getXKubernetesValidations()).hasSize(2);
    ValidationRule rule =
        root.getXKubernetesValidations().stream()
            .filter(r -> ".spec".equals(r.getFieldPath()))
            .findFirst()
            .orElseThrow();
    assertThat(rule.getRule()).contains("self.spec.dependsOn == oldSelf.spec.dependsOn");
    assertThat(rule.getRule())
        .contains("oldSelf.status.changesetId")
        .contains("self.spec == oldSelf.spec");
    assertThat(rule.getFieldPath()).isEqualTo(".spec");
    assertThat(rule.getMessage()).contains("create a new KxChangeset instead");
  }

  @Test
  void dependsOnRules() {
    JSONSchemaProps deps = spec.getProperties().get("dependsOn");
    assertThat(deps.getMaxItems()).isEqualTo(32L);
    assertThat(deps.getXKubernetesValidations())
        .extracting(ValidationRule::getRule)
        .containsExactly("self.all(d, self.exists_one(e, e.name == d.name))");
    JSONSchemaProps name = deps.getItems().getSchema().getProperties().get("name");
    assertThat(deps.getItems().getSchema().getRequired()).containsExactly("name");
    assertThat(name.getMinLength()).isEqualTo(1L);
    assertThat(name.getMaxLength()).isEqualTo(253L);
    assertThat(name.getXKubernetesValidations().get(0).getMessage()).startsWith("name ");
    ValidationRule self =
        root.getXKubernetesValidations().stream()
            .filter(r -> ".spec.dependsOn".equals(r.getFieldPath()))
            .findFirst()
            .orElseThrow();
    assertThat(self.getRule()).contains("d.name != self.metadata.name");
    assertThat(self.getMessage()).startsWith("spec.dependsOn names this KxChangeset itself");
  }

  @Test
  void everyRuleMessageNamesItsField() {
    List<ValidationRule> rules = new ArrayList<>();
    rules.addAll(item.getXKubernetesValidations());
    rules.addAll(item.getProperties().get("dbPath").getXKubernetesValidations());
    for (ValidationRule r : rules) {
      String field = r.getFieldPath() != null ? r.getFieldPath().substring(1) : "dbPath";
      assertThat(r.getMessage()).as(r.getRule()).contains(field);
    }
    for (var e : spec.getProperties().entrySet()) {
      for (ValidationRule r : nullToEmpty(e.getValue().getXKubernetesValidations())) {
        assertThat(r.getMessage()).as(r.getRule()).startsWith(e.getKey() + " ");
      }
    }
    for (ValidationRule r : item.getProperties().get("s3Path").getXKubernetesValidations()) {
      assertThat(r.getMessage()).as(r.getRule()).startsWith("s3Path ");
    }
  }

  @Test
  void everyFieldHasADescription() {
    List<String> missing = new ArrayList<>();
    collectUndescribed("spec", spec, missing);
    collectUndescribed("status", root.getProperties().get("status"), missing);
    assertThat(missing).as("fields without a description (kubectl explain)").isEmpty();
  }

  private static void collectUndescribed(String path, JSONSchemaProps p, List<String> out) {
    if (p.getDescription() == null || p.getDescription().isBlank()) {
      out.add(path);
    }
    if (p.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> e : p.getProperties().entrySet()) {
        collectUndescribed(path + "." + e.getKey(), e.getValue(), out);
      }
    }
    if (p.getItems() != null && p.getItems().getSchema() != null) {
      collectUndescribed(path + "[]", p.getItems().getSchema(), out);
    }
  }
}
