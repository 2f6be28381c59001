package io.nets4j.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.inference.ImageClassifierPipeline.Label;
import io.nets4j.inference.ImageClassifierPipeline.Prediction;
import io.nets4j.io.LoadMode;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.io.StateDicts;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.models.Weights;
import io.nets4j.models.WeightsInfo;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Published weights end to end: the weights fixture's model, loaded from its files, preprocessing
 * the fixture's photograph by the weight's configuration, gives torchvision's logits.
 */
public class PretrainedPredictionTest {
  public static final Path WEIGHTS = Path.of("../shared/fixtures/weights");
  /** The bound for end-to-end logits: 2e-2 of the reference's scale. */
  static final double TOLERANCE = 2e-2;

  static ImageClassifier mobilenet(Path weightsFile) {
    ImageClassifier model = Models.create("mobilenet_v3_small");
    StateDicts.load(model, weightsFile, LoadMode.STRICT);
    return model;
  }

  public static float[] referenceLogits() {
    try (Scope s = Scope.open()) {
      SafeTensorsFile f = SafeTensors.read(WEIGHTS.resolve("mobilenet_v3_small.IMAGENET1K_V1.astronaut_png.safetensors"));
      return Tensors.toFloatArray(f.tensor("logits"));
    }
  }

  public static int[] top5(float[] logits) {
    return IntStream.range(0, logits.length).boxed().sorted((a, b) -> Float.compare(logits[b], logits[a])).limit(5)
        .mapToInt(Integer::intValue).toArray();
  }

  public static void assertMatchesReference(float[] logits) {
    float[] ref = referenceLogits();
    double scale = Math.max(1, IntStream.range(0, ref.length).mapToDouble(i -> Math.abs(ref[i])).max().orElseThrow());
    double maxDiff = IntStream.range(0, ref.length).mapToDouble(i -> Math.abs(ref[i] - logits[i])).max().orElseThrow();
    assertTrue(maxDiff <= TOLERANCE * scale, "max |logits - reference| = " + maxDiff + " at scale " + scale);
    assertArrayEquals(top5(ref), top5(logits));
  }

  @Test
  void theSafetensorsWeightsPredictTorchvisionsLogitsWithTheirNames() {
    WeightsInfo w = Weights.of("mobilenet_v3_small", "IMAGENET1K_V1");
    ImageClassifierPipeline pipeline = ImageClassifierPipeline.of(
        mobilenet(WEIGHTS.resolve("mobilenet_v3_small.state.safetensors")), w);
    Prediction p = pipeline.predict(List.of(WEIGHTS.resolve("astronaut.png")), 5, 1).get(0);
    assertMatchesReference(p.logits());
    int[] expected = top5(referenceLogits());
    assertArrayEquals(expected, p.top().stream().mapToInt(Label::index).toArray());
    assertEquals(Weights.imagenetCategories().get(expected[0]), p.top().get(0).name());
    double[] probabilities = p.top().stream().mapToDouble(Label::probability).toArray();
    for (int i = 1; i < probabilities.length; i++) {
      assertTrue(probabilities[i] <= probabilities[i - 1], Arrays.toString(probabilities));
    }
  }

  /** The published file format itself: both torch.save formats give torchvision's logits on the photograph. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"mobilenet_v3_small.pth", "mobilenet_v3_small.legacy.pth"})
  void thePthFilesPredictTorchvisionsLogits(String file) {
    ImageClassifierPipeline pipeline = ImageClassifierPipeline.of(mobilenet(WEIGHTS.resolve(file)),
        Weights.of("mobilenet_v3_small", "IMAGENET1K_V1"));
    assertMatchesReference(pipeline.predict(List.of(WEIGHTS.resolve("astronaut.png")), 5, 1).get(0).logits());
  }

  /** A batch gives each image the prediction it gets alone. */
  @Test
  void batchesGiveEveryImageItsOwnPrediction() {
    ImageClassifierPipeline pipeline = ImageClassifierPipeline.of(
        mobilenet(WEIGHTS.resolve("mobilenet_v3_small.state.safetensors")), Weights.of("mobilenet_v3_small", "DEFAULT"));
    List<Path> images = List.of(WEIGHTS.resolve("astronaut.png"), WEIGHTS.resolve("camera.png"),
        WEIGHTS.resolve("astronaut.jpg"));
    List<Prediction> batched = pipeline.predict(images, 3, 2);
    assertEquals(3, batched.size());
    for (int i = 0; i < images.size(); i++) {
      Prediction alone = pipeline.predict(List.of(images.get(i)), 3, 1).get(0);
      assertEquals(images.get(i), batched.get(i).image());
      assertEquals(alone.top().stream().map(Label::index).toList(), batched.get(i).top().stream().map(Label::index).toList());
      float[] a = alone.logits();
      float[] b = batched.get(i).logits();
      double d = IntStream.range(0, a.length).mapToDouble(j -> Math.abs(a[j] - b[j])).max().orElseThrow();
      assertTrue(d < 1e-3, "batched vs alone: " + d);
    }
    assertThrows(IllegalArgumentException.class, () -> pipeline.predict(images, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> pipeline.predict(images, 1, 0));
  }

  @Test
  void theFixtureFileIsNoPublishedFileAndNamesMustFitTheClassifier() {
    assertTrue(Weights.identify("mobilenet_v3_small", WEIGHTS.resolve("mobilenet_v3_small.state.safetensors")).isEmpty());
    ImageClassifier small = Models.create("mobilenet_v3_small", io.nets4j.models.ModelOptions.defaults().withNumClasses(3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageClassifierPipeline.of(small, Weights.of("mobilenet_v3_small", "IMAGENET1K_V1")));
    assertTrue(e.getMessage().contains("1000 category names for a classifier of 3 classes"), e.getMessage());
  }
}
