package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.inference.PretrainedPredictionTest;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.models.Weights;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code predict} with a published weight's configuration: preprocessing, names, batches and the output files. */
class PredictCommandTest {
  static final Path WEIGHTS = Path.of("../shared/fixtures/weights");
  static final String STATE = WEIGHTS.resolve("mobilenet_v3_small.pth").toString();

  @TempDir
  Path tmp;

  @Test
  void aFolderInBatchesWithTheWeightsConfigurationWritesLogitsJsonAndCsv() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("photos"));
    Files.copy(WEIGHTS.resolve("astronaut.png"), folder.resolve("a.png"));
    Files.copy(WEIGHTS.resolve("camera.png"), folder.resolve("b.png"));
    Files.writeString(folder.resolve("notes.txt"), "not an image");
    Path logits = tmp.resolve("out/logits.safetensors");
    Path json = tmp.resolve("out/predictions.json");
    Path csv = tmp.resolve("out/predictions.csv");
    Files.createDirectories(logits.getParent());
    CliTest.Run r = CliTest.run("predict", "--model", "mobilenet_v3_small", "--weights", STATE, "--weights-config",
        "IMAGENET1K_V1", "--batch", "2", "--top", "3", "--logits", logits.toString(), "--json", json.toString(),
        "--csv", csv.toString(), folder.toString());
    assertEquals(0, r.exit(), r.err());
    try (Scope s = Scope.open()) {
      SafeTensorsFile f = SafeTensors.read(logits);
      assertArrayEquals(new long[] {2, 1000}, f.entry("logits").shape());
      float[] all = Tensors.toFloatArray(f.tensor("logits"));
      PretrainedPredictionTest.assertMatchesReference(Arrays.copyOfRange(all, 0, 1000));
    }
    JsonNode rows = new ObjectMapper().readTree(json.toFile());
    assertEquals(2, rows.size());
    assertTrue(rows.get(0).get("image").asText().endsWith("a.png"));
    int best = PretrainedPredictionTest.top5(PretrainedPredictionTest.referenceLogits())[0];
    assertEquals(best, rows.get(0).get("top").get(0).get("index").asInt());
    String name = Weights.imagenetCategories().get(best);
    assertEquals(name, rows.get(0).get("top").get(0).get("name").asText());
    assertTrue(r.out().contains("1. " + name), r.out());
    List<String> lines = Files.readAllLines(csv);
    assertEquals("image,rank,index,name,probability", lines.get(0));
    assertEquals(1 + 2 * 3, lines.size(), lines.toString());
  }

  @Test
  void withoutAWeightsConfigurationTheDefaultOneIsUsedAndSaidSo() {
    CliTest.Run r = CliTest.run("predict", "--model", "mobilenet_v3_small", "--weights", STATE, "--top", "1",
        WEIGHTS.resolve("astronaut.png").toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().contains("no --weights-config; using the preprocessing and class names of "
        + "MobileNet_V3_Small_Weights.IMAGENET1K_V1"), r.err());
  }

  @Test
  void badInputNamesWhatIsWrong() throws IOException {
    CliTest.Run r = CliTest.run("predict", "--model", "mobilenet_v3_small", "--weights", STATE, "--weights-config",
        "IMAGENET1K_V7", WEIGHTS.resolve("astronaut.png").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("IMAGENET1K_V7") && r.err().contains("IMAGENET1K_V1"), r.err());
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    r = CliTest.run("predict", "--model", "mobilenet_v3_small", "--weights", STATE, empty.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("no image files"), r.err());
    Path out = tmp.resolve("never.json");
    r = CliTest.run("predict", "--model", "mobilenet_v3_small", "--weights", STATE, "--weights-config", "DEFAULT",
        "--classes", "a,b", "--json", out.toString(), WEIGHTS.resolve("astronaut.png").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("--classes and --size are for weights of your own"), r.err());
    assertFalse(Files.exists(out));
  }
}
