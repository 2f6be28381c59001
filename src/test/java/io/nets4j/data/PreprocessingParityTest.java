package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * torchvision's preprocessing of the weights fixtures ({@code shared/fixtures/weights/CASE.json},
 * {@code input} of {@code CASE.safetensors}): PNG within one uint8 level with at least 99% of the
 * values exact, JPEG (another decoder) within 4 levels and a mean difference of at most half a level.
 */
class PreprocessingParityTest {
  static final Path WEIGHTS = Path.of("..", "shared", "fixtures", "weights");

  static Stream<String> cases() throws IOException {
    try (Stream<Path> files = Files.list(WEIGHTS)) {
      List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")
          && !n.equals("imagenet_categories.json")).map(n -> n.substring(0, n.length() - 5)).sorted().toList();
      assertTrue(names.size() >= 4, "weights fixtures: " + names);
      return names.stream();
    }
  }

  /** Level differences of two normalised CHW arrays: |a - b| * std * 255 per value. */
  record Difference(double maxLevels, double meanLevels, double exactFraction) {
    static Difference of(float[] actual, float[] expected, double[] std) {
      int plane = expected.length / 3;
      double max = 0;
      double sum = 0;
      int exact = 0;
      for (int i = 0; i < expected.length; i++) {
        double d = Math.abs(actual[i] - expected[i]) * std[i / plane] * 255;
        max = Math.max(max, d);
        sum += d;
        if (d < 1e-3) {
          exact++;
        }
      }
      return new Difference(max, sum / expected.length, exact / (double) expected.length);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "max %.4f levels, mean %.4f levels, %.3f%% exact", maxLevels, meanLevels,
          100 * exactFraction);
    }
  }

  static ImageClassificationTransforms transforms(JsonNode t) {
    return new ImageClassificationTransforms(t.get("resize").get(0).asInt(), t.get("crop").get(0).asInt(),
        Interpolation.parse(t.get("interpolation").asText()), doubles(t.get("mean")), doubles(t.get("std")));
  }

  private static double[] doubles(JsonNode n) {
    double[] d = new double[n.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = n.get(i).asDouble();
    }
    return d;
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesTorchvision(String name) throws IOException {
    JsonNode json = new ObjectMapper().readTree(WEIGHTS.resolve(name + ".json").toFile());
    ImageClassificationTransforms t = transforms(json.get("transforms"));
    Path image = WEIGHTS.resolve(json.get("image").asText());
    SafeTensorsFile file = SafeTensors.read(WEIGHTS.resolve(name + ".safetensors"));
    try (Scope scope = Scope.open()) {
      Tensor reference = file.tensor("input");
      Tensor mine = t.tensor(ImageDecoder.read(image));
      assertArrayEquals(Tensors.shape(reference), Tensors.shape(mine), name);
      Difference d = Difference.of(Tensors.toFloatArray(mine), Tensors.toFloatArray(reference), t.std());
      System.out.println("preprocessing " + name + " (" + t + "): " + d);
      if (image.toString().endsWith(".png")) {
        assertTrue(d.maxLevels() <= 1 + 1e-3 && d.exactFraction() >= 0.99, name + ": " + d);
      } else {
        assertTrue(d.maxLevels() <= 4 + 1e-3 && d.meanLevels() <= 0.5, name + ": " + d);
      }
    }
  }
}
