package io.nets4j.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.cli.Main;
import io.nets4j.models.Models;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated docs/classic-cnns.md: key numbers, checked against the formulas, and determinism. */
class ClassicCnnsTest {
  private static String doc;

  @BeforeAll
  static void generate() {
    doc = ClassicCnns.generate();
  }

  @Test
  void stackedThreeByThreeConvolutions() {
    long c2 = 64L * 64;
    long positions = 56L * 56;
    assertRow("one 5x5 convolution", g(25 * c2), "25C² = " + g(25 * c2), g(25 * c2 * positions), "5", "1");
    assertRow("two 3x3 convolutions", g(18 * c2), "2 x 9C² = " + g(18 * c2), g(18 * c2 * positions), "5", "2");
    assertRow("one 7x7 convolution", g(49 * c2), "49C² = " + g(49 * c2), g(49 * c2 * positions), "7", "1");
    assertRow("three 3x3 convolutions", g(27 * c2), "3 x 9C² = " + g(27 * c2), g(27 * c2 * positions), "7", "3");
    assertTrue(doc.contains("MACs: 28% fewer") && doc.contains("MACs: 45% fewer"), doc);
    // the per-layer summary of the 3-conv stack shows the field growing 3, 5, 7
    assertTrue(doc.contains("| `4` | Conv2d | [1, 64, 56, 56] | 36,864 | 115,605,504 | 7 | 1 |"), doc);
  }

  @Test
  void inceptionReductions() {
    long positions = 28L * 28;
    long direct = 192L * 32 * 25;
    long reduced = 192L * 16 + 16L * 32 * 25;
    assertRow("5x5, direct", "5x5 conv 192→32", g(direct), g(direct * positions), "[1, 32, 28, 28]", "5");
    assertRow("5x5, 1x1 reduction to 16", "1x1 conv 192→16, 5x5 conv 16→32", g(reduced), g(reduced * positions),
        "[1, 32, 28, 28]", "5");
    long direct3 = 192L * 128 * 9;
    long reduced3 = 192L * 96 + 96L * 128 * 9;
    assertRow("3x3, 1x1 reduction to 96", "1x1 conv 192→96, 3x3 conv 96→128", g(reduced3), g(reduced3 * positions),
        "[1, 128, 28, 28]", "3");
    assertTrue(doc.contains(String.format(Locale.ROOT, "weights by %.1f (%s → %s)", (double) direct / reduced,
        g(direct), g(reduced))), doc);
    assertTrue(doc.contains(String.format(Locale.ROOT, "3x3 branch's weights by %.1f", (double) direct3 / reduced3)));
  }

  @Test
  void bottleneckAgainstBasicBlocks() {
    long positions = 56L * 56;
    long bottleneckConv = 256L * 64 + 64L * 64 * 9 + 64L * 256;
    long bottleneckBn = 2L * (64 + 64 + 256);
    long bottleneckMacs = bottleneckConv * positions + (64L + 64 + 256) * positions;
    assertRow("bottleneck, 256-d (ResNet-50 `layer1.1`)", "1x1 256→64, 3x3 64→64, 1x1 64→256",
        g(bottleneckConv + bottleneckBn), g(bottleneckMacs), g(bottleneckConv * positions), "3");
    long basicConv = 2L * 256 * 256 * 9;
    assertRow("basic, 256-d (built here)", "3x3 256→256, 3x3 256→256", g(basicConv + 4 * 256),
        g(basicConv * positions + 2L * 256 * positions), g(basicConv * positions), "5");
    long basic64Conv = 2L * 64 * 64 * 9;
    assertRow("basic, 64-d (ResNet-34 `layer1.1`)", "3x3 64→64, 3x3 64→64", g(basic64Conv + 4 * 64),
        g(basic64Conv * positions + 2L * 64 * positions), g(basic64Conv * positions), "5");
    assertTrue(doc.contains(String.format(Locale.ROOT, "cost %.1f times the bottleneck's weights",
        (double) (basicConv + 4 * 256) / (bottleneckConv + bottleneckBn))), doc);
    assertTrue(doc.contains("for 4.10 G vs 3.67 G MACs in total"), doc);
  }

  @Test
  void receptiveFieldTables() {
    assertRow("`conv1`", "Conv2d", "[1, 64, 112, 112]", "7", "2");
    assertRow("`maxpool`", "MaxPool2d", "[1, 64, 56, 56]", "11", "4");
    assertRow("`layer1`", "3 bottlenecks", "[1, 256, 56, 56]", "35", "4");
    assertRow("`layer2`", "4 bottlenecks", "[1, 512, 28, 28]", "91", "8");
    assertRow("`layer3`", "6 bottlenecks", "[1, 1024, 14, 14]", "267", "16");
    assertRow("`layer4`", "3 bottlenecks", "[1, 2048, 7, 7]", "427", "32");
    assertTrue(doc.contains("reaches 899 at jump 32 there with 16 blocks (ResNet-50: 16)"), doc);
    assertTrue(doc.contains("(a field of 619 at jump 224)"), doc);
    if (Models.contains("vgg16")) {
      assertTrue(Pattern.compile("\\| 1 \\| 2 \\(.*\\) \\| \\[1, 64, 224, 224] \\| 5 \\| 6 \\| 2 \\|").matcher(doc).find(), doc);
      assertTrue(Pattern.compile("\\| 3 \\| 3 \\(.*\\) \\| \\[1, 256, 56, 56] \\| 40 \\| 44 \\| 8 \\|").matcher(doc).find(), doc);
      assertTrue(Pattern.compile("\\| 5 \\| 3 \\(.*\\) \\| \\[1, 512, 14, 14] \\| 196 \\| 212 \\| 32 \\|").matcher(doc).find(), doc);
      assertTrue(doc.contains("13 convolutions and 5 poolings give a field of 212 pixels at a jump of 32"), doc);
    } else {
      assertTrue(doc.contains("VGG-16 is not registered in this build"), doc);
    }
    assertTrue(doc.contains("counts 4.09 G MACs in convolutions and classifier"), doc);
  }

  @Test
  void commandWritesTheSameDocument(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("docs/classic-cnns.md");
    assertEquals(0, Main.run("explain", ClassicCnns.TOPIC, "--out", out.toString()));
    assertEquals(doc, Files.readString(out, StandardCharsets.UTF_8), "the generator is deterministic");
    assertTrue(doc.startsWith("<!-- Generated by `nets4j explain classic-cnns`"));
    assertThrows(IllegalArgumentException.class, () -> Explanations.generate("modern-cnns"));
  }

  /** A table row whose first cell is {@code first} has exactly these following cells. */
  private static void assertRow(String first, String... cells) {
    String row = "| " + first + " | " + String.join(" | ", cells) + " |";
    assertTrue(doc.lines().anyMatch(row::equals), "missing row\n" + row + "\nin\n" + doc);
  }

  private static String g(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
