package io.nets4j.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.cli.Main;
import io.nets4j.models.EfficientNet;
import io.nets4j.models.Models;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code nets4j explain efficientnet-scaling}: the compound-scaling table of B0-B7, measured. */
class EfficientNetScalingTest {
  private static final String[] HEADER = {"phi", "Model", "Width (beta^phi)", "Depth (alpha^phi)",
      "Resolution (224 gamma^phi)", "Blocks", "Dropout", "Params", "GMACs", "MACs / B0", "w²d r² / B0", "2^phi"};
  private static String doc;
  private static List<List<String>> rows;

  @BeforeAll
  static void print() {
    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      assertEquals(0, Main.run("explain", EfficientNetScaling.TOPIC));
    } finally {
      System.setOut(stdout);
    }
    doc = out.toString(StandardCharsets.UTF_8);
    rows = MarkdownTables.rows(doc, HEADER);
  }

  private static String plain(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  @Test
  void oneRowPerVariantWithItsCoefficients() {
    List<EfficientNet.Scaling> scaling = EfficientNet.compoundScaling();
    assertEquals(8, rows.size());
    for (int i = 0; i < rows.size(); i++) {
      List<String> r = rows.get(i);
      EfficientNet.Scaling s = scaling.get(i);
      assertEquals(String.valueOf(i), r.get(0));
      assertEquals("`efficientnet_b" + i + "`", r.get(1));
      assertEquals(plain(s.width()) + String.format(Locale.ROOT, " (%.2f)", Math.pow(1.1, i)), r.get(2));
      assertEquals(plain(s.depth()) + String.format(Locale.ROOT, " (%.2f)", Math.pow(1.2, i)), r.get(3));
      assertEquals(s.resolution() + String.format(Locale.ROOT, " (%.0f)", 224 * Math.pow(1.15, i)), r.get(4));
      assertEquals(plain(s.dropout()), r.get(6));
      assertEquals(String.format(Locale.ROOT, "%,d", Models.parameterCount(s.name())), r.get(7), s.name());
      double predicted = Math.pow(s.width(), 2) * s.depth() * Math.pow(s.resolution() / 224.0, 2);
      assertEquals(String.format(Locale.ROOT, "%.2f", predicted), r.get(10), s.name());
      assertEquals(String.valueOf(1 << i), r.get(11));
    }
    // released resolutions (official table) beside 224 gamma^phi
    assertEquals(List.of("224 (224)", "240 (258)", "260 (296)", "300 (341)", "380 (392)", "456 (451)", "528 (518)",
        "600 (596)"), rows.stream().map(r -> r.get(4)).toList());
    // B0 has 16 blocks (paper Table 1); ceil(n * 1.1) turns the stages 1,2,2,3,3,4,1 into 2,3,3,4,4,5,2
    assertEquals("16", rows.get(0).get(5));
    assertEquals("23", rows.get(1).get(5));
  }

  @Test
  void macsAreTheSummaryCounts() {
    long b0 = ModelSummary.of("efficientnet_b0").totals().macs();
    long b1 = ModelSummary.of("efficientnet_b1").totals().macs();
    assertEquals(String.format(Locale.ROOT, "%.3f", b0 / 1e9), rows.get(0).get(8));
    assertEquals(String.format(Locale.ROOT, "%.3f", b1 / 1e9), rows.get(1).get(8));
    assertEquals(String.format(Locale.ROOT, "%.2f", (double) b1 / b0), rows.get(1).get(9));
    assertEquals("1.00", rows.get(0).get(9));
    for (List<String> r : rows) {
      // MACs / B0 agrees with the GMACs column to its rounding
      double ratio = Double.parseDouble(r.get(8)) / Double.parseDouble(rows.get(0).get(8));
      assertEquals(ratio, Double.parseDouble(r.get(9)), ratio * 2e-3 + 0.005, r.toString());
    }
    double b7Growth = Double.parseDouble(rows.get(7).get(9));
    assertTrue(doc.contains(String.format(Locale.ROOT, "- From efficientnet_b0 to efficientnet_b7 the MACs grow %s times",
        rows.get(7).get(9))), doc);
    assertTrue(b7Growth > 64 && b7Growth < 128, "B7 about doubles the MACs per step of phi: " + b7Growth);
    assertTrue(doc.contains("alpha * beta^2 * gamma^2 ~ 2 (here 1.920)"), doc);
  }
}
