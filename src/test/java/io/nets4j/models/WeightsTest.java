package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.data.ImageClassificationTransforms;
import io.nets4j.data.Interpolation;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The registry of published weights against the reference fixtures and the models it describes. */
class WeightsTest {
  private static final Path FIXTURES = Path.of("../shared/fixtures/weights");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The cases of the fixtures: a model, a torchvision weights enum and the transforms it carries. */
  private static List<Path> cases() throws IOException {
    try (Stream<Path> files = Files.list(FIXTURES)) {
      return files.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("imagenet"))
          .sorted().toList();
    }
  }

  @Test
  void transformsAreExactlyThoseOfTheFixtures() throws IOException {
    List<Path> cases = cases();
    assertEquals(4, cases.size(), "fixture cases in " + FIXTURES);
    for (Path c : cases) {
      JsonNode fixture = JSON.readTree(c.toFile());
      String model = fixture.get("model").asText();
      String qualified = fixture.get("weights").asText();     // MobileNet_V3_Small_Weights.IMAGENET1K_V1
      String name = qualified.substring(qualified.indexOf('.') + 1);
      WeightsInfo w = Weights.of(model, name);
      assertSame(w, Weights.of(model, qualified), c.toString());
      assertEquals(qualified, w.referenceName(), c.toString());
      JsonNode t = fixture.get("transforms");
      assertEquals(1, t.get("resize").size(), c + ": shorter-side resize");
      ImageClassificationTransforms expected = new ImageClassificationTransforms(t.get("resize").get(0).asInt(),
          t.get("crop").get(0).asInt(), Interpolation.parse(t.get("interpolation").asText()),
          doubles(t.get("mean")), doubles(t.get("std")));
      assertEquals(expected, w.transforms(), c.toString());
      assertEquals(1000, w.numClasses(), c.toString());
    }
  }

  @Test
  void imagenetCategoriesAreTorchvisionsInIndexOrder() throws IOException {
    List<String> expected = new ArrayList<>();
    JSON.readTree(FIXTURES.resolve("imagenet_categories.json").toFile()).forEach(n -> expected.add(n.asText()));
    assertEquals(1000, expected.size());
    assertEquals(expected, Weights.imagenetCategories());
    assertEquals(expected, Weights.of("resnet50", "IMAGENET1K_V1").categories());
    assertEquals(expected, Weights.of("convit_tiny", "convit_tiny.fb_in1k").categories());
  }

  @Test
  void everyWeightIsConsistentAndHasTheParameterCountOfItsModel() {
    int withWeights = 0;
    for (ModelInfo info : Models.list()) {
      List<WeightsInfo> all = Weights.forModel(info.name());
      if (all.isEmpty()) {
        continue;
      }
      withWeights++;
      assertEquals(1, all.stream().filter(WeightsInfo::isDefault).count(), info.name() + ": one default");
      Set<String> names = new HashSet<>();
      for (WeightsInfo w : all) {
        String where = info.name() + " " + w.name();
        assertTrue(names.add(w.name()), where + " listed twice");
        assertEquals(info.name(), w.model());
        assertEquals(info.reference(), w.reference(), where);
        ImageClassificationTransforms t = w.transforms();
        assertTrue(t.cropSize() > 0 && t.resizeSize() >= t.cropSize(), where + ": " + t);
        assertEquals(3, t.mean().length, where);
        assertEquals(3, t.std().length, where);
        assertTrue(w.categories().isEmpty() || w.categories().size() == w.numClasses(), where);
        assertTrue(w.url().startsWith("https://"), where + ": " + w.url());
        if (w.reference().equals("torchvision")) {
          // torchvision's file names end in the first hex digits of the file's SHA-256
          assertTrue(w.url().endsWith("-" + w.sha256Prefix().orElseThrow() + ".pth"), where + ": " + w.url());
          assertTrue(w.referenceName().endsWith("_Weights." + w.name()), where + ": " + w.referenceName());
        } else {
          assertTrue(w.name().startsWith(info.name() + "."), where + ": timm tags start with the model name");
        }
        w.accuracy().ifPresent(a -> assertTrue(0 < a.top1() && a.top1() < a.top5() && a.top5() < 100, where));
        WeightsInfo.ParameterCount published = w.parameters().orElseThrow(() -> new AssertionError(where));
        long built = parametersAsPublished(w);
        assertTrue(published.matches(built), where + ": the reference lists " + published + " parameters, "
            + "the model has " + built);
      }
    }
    assertEquals(withWeights, Models.list().stream().filter(i -> !Weights.forModel(i.name()).isEmpty()).count());
    assertTrue(withWeights > 60, withWeights + " models with weights");
  }

  /**
   * The parameters of the model as the weights were saved: torchvision ships GoogLeNet without its
   * auxiliary classifiers, and a ViT trained at another resolution has a longer position embedding.
   */
  private static long parametersAsPublished(WeightsInfo w) {
    return Tensors.onDevice("meta", () -> {
      try (Scope scope = Scope.open()) {
        ImageClassifier model = Models.create(w.model(), ModelOptions.defaults().withNumClasses(w.numClasses()));
        if (model instanceof GoogLeNet g) {
          g.dropAuxClassifiers();
        }
        if (model instanceof VisionTransformer v && v.imageSize() != w.transforms().cropSize()) {
          v.resizePositionEmbedding(w.transforms().cropSize());
        }
        return model.parameterCount();
      }
    });
  }

  @Test
  void everyTorchvisionModelHasWeightsAndPaperOnlyModelsHaveNone() {
    for (ModelInfo info : Models.list()) {
      List<WeightsInfo> all = Weights.forModel(info.name());
      if (info.reference().equals("torchvision")) {
        assertFalse(all.isEmpty(), info.name() + ": torchvision publishes weights for every classifier it has");
      } else if (!info.reference().equals("timm")) {
        assertTrue(all.isEmpty(), info.name() + " (" + info.reference() + ")");
      }
    }
  }

  @Test
  void defaultIsTheReferencesDefault() {
    assertEquals("IMAGENET1K_V2", Weights.of("resnet50", Weights.DEFAULT).name());
    assertEquals(Weights.defaultFor("resnet50").orElseThrow(), Weights.of("resnet50", "DEFAULT"));
    assertEquals("IMAGENET1K_SWAG_E2E_V1", Weights.of("vit_h_14", "DEFAULT").name());
    assertEquals("seresnet50.a1_in1k", Weights.of("seresnet50", "DEFAULT").name());
    assertTrue(Weights.defaultFor("resnet20_cifar").isEmpty());
    assertEquals(List.of("IMAGENET1K_V1", "IMAGENET1K_SWAG_E2E_V1", "IMAGENET1K_SWAG_LINEAR_V1"),
        Weights.forModel("vit_b_16").stream().map(WeightsInfo::name).toList());
  }

  @Test
  void unknownNamesListWhatIsPublished() {
    UnknownWeightsException e =
        assertThrows(UnknownWeightsException.class, () -> Weights.of("resnet50", "IMAGENET1K_V3"));
    assertEquals(List.of("IMAGENET1K_V1", "IMAGENET1K_V2"), e.available());
    assertTrue(e.getMessage().contains("'IMAGENET1K_V3'") && e.getMessage().contains("'resnet50'")
        && e.getMessage().contains("IMAGENET1K_V1, IMAGENET1K_V2"), e.getMessage());
    UnknownWeightsException none = assertThrows(UnknownWeightsException.class,
        () -> Weights.of("resnet20_cifar", "DEFAULT"));
    assertTrue(none.getMessage().contains("resnet20_cifar has no published weights"), none.getMessage());
    assertThrows(UnknownModelException.class, () -> Weights.of("resnet5", "DEFAULT"));
    assertThrows(UnknownModelException.class, () -> Weights.forModel("resnet5"));
  }

  @Test
  void parameterCountsRoundAsPublished() {
    WeightsInfo.ParameterCount exact = new WeightsInfo.ParameterCount(25_557_032, 1);
    assertTrue(exact.matches(25_557_032));
    assertFalse(exact.matches(25_557_033));
    assertEquals("25,557,032", exact.toString());
    WeightsInfo.ParameterCount millions = new WeightsInfo.ParameterCount(2809, 10_000);   // timm's 28.09
    assertTrue(millions.matches(28_088_024));
    assertFalse(millions.matches(28_096_000));
    assertEquals("28.09 M", millions.toString());
    assertThrows(IllegalArgumentException.class, () -> new WeightsInfo.ParameterCount(0, 1));
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }
}
