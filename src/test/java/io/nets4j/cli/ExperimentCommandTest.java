package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nets4j experiment}: argument errors and one end-to-end run at a tiny budget. */
class ExperimentCommandTest {
  private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

  @TempDir
  Path tmp;

  @Test
  void argumentErrorsAreOneLineMessages() {
    CliTest.Run unknown = CliTest.run("experiment", "no-such-claim", "--out", tmp.toString());
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("unknown experiment 'no-such-claim'; known: degradation, squeeze-excitation"),
        unknown.err());
    CliTest.Run seeds = CliTest.run("experiment", "degradation", "--seeds", "0", "--out", tmp.toString());
    assertEquals(1, seeds.exit());
    assertTrue(seeds.err().contains("--seeds must be >= 1, got 0"), seeds.err());
    CliTest.Run data = CliTest.run("experiment", "degradation", "--data", tmp.resolve("nothing").toString(),
        "--out", tmp.toString());
    assertEquals(1, data.exit());
    assertTrue(data.err().contains("Fashion-MNIST folder " + tmp.resolve("nothing") + " does not exist"), data.err());
    CliTest.Run progress = CliTest.run("experiment", "degradation", "--progress", "loud", "--out", tmp.toString());
    assertEquals(1, progress.exit());
    assertTrue(progress.err().contains("--progress must be auto, bar, plain or none, got 'loud'"), progress.err());
    CliTest.Run missing = CliTest.run("experiment");
    assertEquals(2, missing.exit());
    assertTrue(missing.err().contains("NAME"), missing.err());
    assertFalse(Files.exists(tmp.resolve("degradation.md")), "no document from a refused run");
  }

  @Test
  void tinySqueezeExcitationRunWritesDocumentPlotIndexAndJson() throws Exception {
    assumeTrue(Files.isDirectory(FASHION), "Fashion-MNIST is not installed at " + FASHION);
    Path docs = tmp.resolve("docs");
    Path json = tmp.resolve("se.json");
    CliTest.Run r = CliTest.run("experiment", "squeeze-excitation", "--quick", "--seeds", "2", "--epochs", "1",
        "--train-size", "64", "--test-size", "32", "--size", "8", "--batch", "32", "--progress", "none",
        "--out", docs.toString(), "--runs", tmp.resolve("runs").toString(), "--json", json.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode j = new ObjectMapper().readTree(Files.readString(json));
    assertEquals("squeeze-excitation", j.get("experiment").asText());
    assertEquals(2, j.get("claims").size());
    // the count claim does not depend on training, so it holds at any budget
    assertTrue(j.get("claims").get(0).get("holds").asBoolean(), j.toString());
    assertEquals(j.get("claims").get(0).get("holds").asBoolean() && j.get("claims").get(1).get("holds").asBoolean(),
        j.get("holds").asBoolean());
    JsonNode accuracy = j.get("tables").get(2);
    assertEquals(2, accuracy.get("rows").size(), "the quick run trains the baseline and r = 16");
    assertEquals(2, accuracy.get("rows").get(0).get(2).get("values").size(), "one value per seed");
    assertEquals(2, j.get("budget").get("seeds").asInt());
    String md = Files.readString(docs.resolve("squeeze-excitation.md"));
    assertTrue(md.contains("**Result:** SE blocks add exactly 2C²/r weights (checked)"), md);
    assertTrue(md.contains("Only 2 seed(s)"), md);
    assertTrue(Files.size(docs.resolve("images/squeeze-excitation-test-error.png")) > 1000);
    assertTrue(Files.readString(docs.resolve("README.md")).contains("- [squeeze-excitation](squeeze-excitation.md): SE"));
    for (String run : new String[] {"resnet20_cifar-seed0", "resnet20_cifar-seed1", "se_resnet20_cifar_r16-seed1"}) {
      Path metrics = tmp.resolve("runs/squeeze-excitation").resolve(run).resolve("metrics.jsonl");
      assertEquals(1, Files.readAllLines(metrics).size(), run + ": one epoch, one line");
    }
    assertTrue(r.out().contains("holds: An SE block adds exactly"), r.out());
  }
}
