package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.F;
import io.nets4j.nn.Layer;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Multi-scale feature maps ({@link ImageClassifier#featureInfo}, {@link ImageClassifier#forwardFeatureMaps}). */
class FeatureMapsTest {
  /** The families with convolutional stages; every other registered family is a vision transformer on tokens. */
  private static final Set<String> CONVOLUTIONAL = Set.of("AlexNet", "VGG", "GoogLeNet", "InceptionV3", "ResNet",
      "CifarResNet", "DenseNet", "MobileNetV1", "MobileNetV2", "MobileNetV3", "ShuffleNetV1", "ShuffleNetV2", "SENet",
      "EfficientNet", "ConvNeXt", "CoAtNet", "SASA");

  @Test
  void everyConvolutionalModelDeclaresFeatureMapsAndNoOtherDoes() {
    Set<String> seen = new TreeSet<>();
    for (ModelInfo info : Models.list()) {
      ImageClassifier model = Tensors.onDevice("meta", () -> Models.create(info.name()));
      List<FeatureInfo> features = model.featureInfo();
      if (!CONVOLUTIONAL.contains(info.family())) {
        assertTrue(features.isEmpty(), info.name() + " declares " + features);
        continue;
      }
      seen.add(info.family());
      assertTrue(features.size() >= 3, info.name() + ": " + features);
      Map<String, ?> modules = model.namedModules();
      int previous = 1;
      for (FeatureInfo f : features) {
        assertTrue(modules.containsKey(f.module()), info.name() + ": no module '" + f.module() + "'");
        assertTrue(f.reduction() >= previous, info.name() + ": reductions not increasing: " + features);
        previous = f.reduction();
      }
      assertEquals(info.family().equals("CifarResNet") ? 4 : 32, previous, info.name() + " ends at stride " + previous);
    }
    assertEquals(new TreeSet<>(CONVOLUTIONAL), seen);
  }

  /**
   * One model per family at a small input: each map has the declared channels and is {@code 1 /
   * reduction} of the input; the last one is what the classification path computes there.
   */
  @ParameterizedTest
  @CsvSource({
      "vgg11_bn, 64", "googlenet, 64", "resnet18, 64", "resnet20_cifar, 32", "densenet121, 64",
      "mobilenetv1_100h, 64", "mobilenet_v2, 64", "mobilenet_v3_small, 64", "mobilenet_v3_large, 64",
      "shufflenet_v1_x0_5_g3, 64", "shufflenet_v2_x0_5, 64", "legacy_seresnet50, 64", "seresnet50, 64",
      "efficientnet_b0, 64", "efficientnet_v2_s, 64", "convnext_tiny, 64", "coatnet_0_224, 224",
      "sasa_resnet26, 64"})
  void mapsHaveDeclaredChannelsAndReductions(String name, int size) {
    ImageClassifier model = Models.create(name);
    List<FeatureInfo> info = model.featureInfo();
    long[] sizes = info.stream().mapToLong(f -> size / f.reduction()).toArray();
    checkMaps(model, size, sizes);
  }

  /** The unpadded stems of AlexNet and Inception v3 give the sizes of their papers (nominal strides). */
  @ParameterizedTest
  @CsvSource({"alexnet, 224, 55 27 13 6", "alexnet_paper, 224, 55 27 13 6", "inception_v3, 299, 147 71 35 17 8"})
  void unpaddedStemsGiveTheArchitecturesSizes(String name, int size, String expected) {
    long[] sizes = java.util.Arrays.stream(expected.split(" ")).mapToLong(Long::parseLong).toArray();
    checkMaps(Models.create(name), size, sizes);
  }

  private static void checkMaps(ImageClassifier model, int size, long[] sizes) {
    model.eval();
    List<FeatureInfo> info = model.featureInfo();
    assertEquals(info.size(), sizes.length, info.toString());
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(3);
      Tensor x = torch.randn(new long[] {2, 3, size, size});
      List<Tensor> maps = model.forwardFeatureMaps(x);
      assertEquals(info.size(), maps.size());
      for (int i = 0; i < maps.size(); i++) {
        assertArrayEquals(new long[] {2, info.get(i).channels(), sizes[i], sizes[i]}, Tensors.shape(maps.get(i)),
            info.get(i).toString());
      }
      Tensor last = maps.get(maps.size() - 1);
      Tensor expected = model.forwardFeatures(x);
      assertEquals(0.0, Tensors.maxAbsDiff(expected, finalStep(model, last)), "last map vs forwardFeatures");
      // a selection is the same tensors as the full list, in order
      List<Tensor> some = model.forwardFeatureMaps(x, 1, -1);
      assertEquals(0.0, Tensors.maxAbsDiff(maps.get(1), some.get(0)));
      assertEquals(0.0, Tensors.maxAbsDiff(last, some.get(1)));
    }
  }

  /** What forwardFeatures applies after the last stage: DenseNet's final ReLU, CoAtNet's final norm. */
  private static Tensor finalStep(ImageClassifier model, Tensor last) {
    if (model instanceof DenseNet) {
      return F.relu(last);
    }
    if (model instanceof CoAtNet) {
      return ((Layer) model.namedModules().get("norm")).forward(last);
    }
    return last;
  }

  @Test
  void resnetFollowsTimmAndDilationKeepsTheStride() {
    ImageClassifier resnet = Tensors.onDevice("meta", () -> Models.create("resnet50"));
    assertEquals(List.of(new FeatureInfo("relu", 64, 2), new FeatureInfo("layer1", 256, 4),
        new FeatureInfo("layer2", 512, 8), new FeatureInfo("layer3", 1024, 16), new FeatureInfo("layer4", 2048, 32)),
        resnet.featureInfo());
    ResNet dilated = Tensors.onDevice("meta", () -> new ResNet(new ResNet.Config(ResNet.Block.BOTTLENECK,
        new int[] {3, 4, 6, 3}, 1, 64), ModelOptions.defaults(), new boolean[] {false, true, true}));
    assertEquals(List.of(2, 4, 8, 8, 8), dilated.featureInfo().stream().map(FeatureInfo::reduction).toList());
  }

  @Test
  void mobileNetV3LargeStagesMatchTimm() {
    ImageClassifier m = Tensors.onDevice("meta", () -> Models.create("mobilenet_v3_large"));
    assertEquals("features.1 16 2, features.3 24 4, features.6 40 8, features.12 112 16, features.16 960 32",
        m.featureInfo().stream().map(f -> f.module() + " " + f.channels() + " " + f.reduction())
            .collect(Collectors.joining(", ")));
  }

  @Test
  void indicesOutOfRangeNameTheValidRange() {
    ImageClassifier m = Tensors.onDevice("meta", () -> Models.create("resnet18"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.featureIndices(5));
    assertTrue(e.getMessage().contains("feature index 5 is out of range (0 to 4, or -5 to -1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> m.featureIndices(-6));
    assertTrue(e.getMessage().contains("feature index -6"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> m.featureIndices(3, 1));
    assertTrue(e.getMessage().contains("increasing") && e.getMessage().contains("[3, 1]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> m.featureIndices(2, -3));
    assertArrayEquals(new int[] {1, 2, 3, 4}, m.featureIndices(-4, -3, -2, -1));
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, m.featureIndices());
  }

  @Test
  void transformersHaveNoFeatureMaps() {
    ImageClassifier vit = Tensors.onDevice("meta", () -> Models.create("vit_b_16"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> vit.featureIndices(0));
    assertTrue(e.getMessage().contains("no feature maps"), e.getMessage());
  }

  /** Observing feature maps inside another observation (a model summary) hides no layer from it. */
  @Test
  void observationsNest() {
    ImageClassifier m = Models.create("resnet18");
    m.eval();
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      int[] outer = new int[1];
      int[] inner = new int[1];
      Tensor x = torch.randn(new long[] {1, 3, 64, 64});
      Layer.observe((layer, in, out) -> outer[0]++, () -> Layer.observe((layer, in, out) -> inner[0]++,
          () -> m.forwardFeatureMaps(x, 2)));
      assertTrue(inner[0] > 20, "inner observer saw " + inner[0]);
      assertEquals(inner[0], outer[0]);
    }
  }
}
