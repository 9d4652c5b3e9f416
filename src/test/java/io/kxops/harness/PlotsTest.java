/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xml.sax.InputSource;

/** The plots read what the harnesses write (sample results files) and are well-formed SVG. */
class PlotsTest {

  static JsonNode sample(String name) throws Exception {
    return Report.JSON.readTree(
        PlotsTest.class.getResourceAsStream("/harness/" + name + "-results.json"));
  }

  static void wellFormedSvg(String svg) throws Exception {
    var doc =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new InputSource(new StringReader(svg)));
    assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
  }

  @Test
  void aDistributionIsReadFromItsQuantilesOrElseItsPercentiles() throws Exception {
    JsonNode r = sample("bench");
    List<double[]> withQuantiles = Plots.cdf(r.at("/endToEnd/secondsResourceToCreate"));
    assertThat(withQuantiles).hasSize(21);
    assertThat(withQuantiles.get(10)).containsExactly(7.26, 0.5);
    assertThat(withQuantiles.get(20)).containsExactly(13.826, 1.0);
    List<double[]> fromPercentiles = Plots.cdf(r.at("/baseline/secondsStartToCreate"));
    assertThat(fromPercentiles)
        .extracting(p -> p[0] + "@" + p[1])
        .containsExactly("0.014@0.0", "6.391@0.5", "12.704@0.9", "12.874@0.99", "12.874@1.0");
    assertThat(Plots.cdf(r.at("/endToEndRaisedLimit/secondsHandOff"))).isEmpty();
  }

  @Test
  void handOffsByPositionAreParsedFromTheirText() throws Exception {
    JsonNode r = sample("bench");
    assertThat(Plots.byPosition(r.at("/endToEnd"), "p50"))
        .extracting(p -> (int) p[0] + "=" + p[1])
        .containsExactly("1=0.389", "2=0.231", "3=0.178", "4=0.172");
    assertThat(Plots.byPosition(r.at("/endToEnd"), "max")).hasSize(4);
  }

  /**
   * Results with the start-to-final distributions (recorded since) add the apply → COMPLETED plot.
   */
  @Test
  void timeToFinalIsPlottedOperatorAgainstTheBareLoopWhenRecorded() throws Exception {
    JsonNode r = sample("bench");
    ((com.fasterxml.jackson.databind.node.ObjectNode) r.get("endToEnd"))
        .set("secondsStartToFinal", Report.distribution(List.of(3.5, 7.0, 17.04)));
    ((com.fasterxml.jackson.databind.node.ObjectNode) r.get("baseline"))
        .set("secondsStartToFinal", Report.distribution(List.of(3.2, 6.5, 16.0)));
    Map<String, String> svgs = Plots.bench(List.of(r));
    assertThat(svgs).containsKey("bench-time-to-final.svg");
    wellFormedSvg(svgs.get("bench-time-to-final.svg"));
    assertThat(svgs.get("bench-time-to-final.svg"))
        .contains("COMPLETED", ">operator<", ">bare SDK loop<");
  }

  @Test
  void benchResultsGiveFivePlotsOfWellFormedSvg() throws Exception {
    Map<String, String> svgs = Plots.bench(List.of(sample("bench")));
    assertThat(svgs)
        .containsOnlyKeys(
            "bench-time-to-create.svg",
            "bench-hand-off.svg",
            "bench-total.svg",
            "bench-calls.svg",
            "bench-memory.svg");
    for (String svg : svgs.values()) {
      wellFormedSvg(svg);
    }
    assertThat(svgs.get("bench-time-to-create.svg"))
        .contains("40 KxChangesets over 8 databases, FinSpace processing 3s")
        .contains(">operator, limit raised<")
        .contains(">bare SDK loop<");
    // Operator 17.04 s, baseline 16.0 s; limit 5: 4.11 s; throttled: 17.82 s against 8 s.
    assertThat(svgs.get("bench-total.svg"))
        .contains(">17.0<", ">16<", ">4.11<", ">17.8<", ">8<", ">limit 1<", ">limit 5<");
    assertThat(svgs.get("bench-calls.svg")).contains(">creates<", ">gets<", ">lists<", ">3<");
    assertThat(svgs.get("bench-memory.svg")).contains(">RSS<", "<circle");
  }

  @Test
  void resilienceResultsGiveTheCallsByOutcome() throws Exception {
    Map<String, String> svgs = Plots.resilience(sample("resilience"));
    String svg = svgs.get("resilience-calls.svg");
    wellFormedSvg(svg);
    assertThat(svg)
        .contains("532 resources, 532 with exactly one changeset, 0 duplicates, 0 lost")
        .contains("<title>200: 531</title>")
        .contains("<title>ThrottlingException: 424</title>")
        .contains(">CreateKxChangeset<", ">GetKxChangeset<", ">ListKxChangesets<");
  }

  @Test
  void theCommandWritesEveryPlotAndRefusesOtherJson(@TempDir Path dir) throws Exception {
    Path bench = dir.resolve("bench.json");
    Path resilience = dir.resolve("resilience.json");
    Files.writeString(bench, sample("bench").toString());
    Files.writeString(resilience, sample("resilience").toString());
    Plots.main(
        new String[] {dir.resolve("out").toString(), bench.toString(), resilience.toString()});
    try (var files = Files.list(dir.resolve("out"))) {
      assertThat(files.map(p -> p.getFileName().toString())).hasSize(6);
    }
    Path other = dir.resolve("other.json");
    Files.writeString(other, "{\"kind\": \"something else\"}");
    assertThatThrownBy(() -> Plots.main(new String[] {dir.toString(), other.toString()}))
        .hasMessageContaining("neither bench nor resilience results");
  }

  @Test
  void axisEndsAreRound() {
    assertThat(Chart.nice(36.26)).isEqualTo(50);
    assertThat(Chart.nice(2.016)).isEqualTo(2.5);
    assertThat(Chart.nice(1)).isEqualTo(1);
    assertThat(Chart.nice(0)).isEqualTo(1);
  }
}
