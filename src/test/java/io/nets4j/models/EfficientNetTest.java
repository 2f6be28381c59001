package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.EfficientNet.Scaling;
import io.nets4j.models.EfficientNet.Stage;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Module;
import io.nets4j.nn.StochasticDepth;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EfficientNetTest {
  /** torchvision's documented counts. */
  @ParameterizedTest
  @CsvSource({
      "efficientnet_b0, 5288548", "efficientnet_b1, 7794184", "efficientnet_b2, 9109994",
      "efficientnet_b3, 12233232", "efficientnet_b4, 19341616", "efficientnet_b5, 30389784",
      "efficientnet_b6, 43040704", "efficientnet_b7, 66347960", "efficientnet_v2_s, 21458488",
      "efficientnet_v2_m, 54139356", "efficientnet_v2_l, 118515272"})
  void parameterCountMatchesTorchvision(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  /** The released coefficients (official table, torchvision's width_mult / depth_mult). */
  @Test
  void compoundScalingTable() {
    List<Scaling> table = EfficientNet.compoundScaling();
    assertEquals(8, table.size());
    double[][] released = {{1.0, 1.0, 224, 0.2}, {1.0, 1.1, 240, 0.2}, {1.1, 1.2, 260, 0.3}, {1.2, 1.4, 300, 0.3},
        {1.4, 1.8, 380, 0.4}, {1.6, 2.2, 456, 0.4}, {1.8, 2.6, 528, 0.5}, {2.0, 3.1, 600, 0.5}};
    for (int phi = 0; phi < 8; phi++) {
      Scaling s = table.get(phi);
      assertEquals("efficientnet_b" + phi, s.name());
      assertEquals(phi, s.phi());
      assertArrayEquals(released[phi], new double[] {s.width(), s.depth(), s.resolution(), s.dropout()});
      assertEquals(Math.pow(1.1, phi), s.idealWidth(), 1e-12);
      assertEquals(Math.pow(1.2, phi), s.idealDepth(), 1e-12);
      assertEquals(Models.info(s.name()).inputSize(), s.resolution());
    }
    Scaling b7 = table.get(7);
    assertEquals(1.949, b7.idealWidth(), 1e-3);
    assertEquals(3.583, b7.idealDepth(), 1e-3);
    assertEquals(595.8, b7.idealResolution(), 0.1);
  }

  /** B7 derived from B0: channels x2.0 rounded to multiples of 8, repeats ceil(n x 3.1). */
  @Test
  void b7IsDerivedFromB0() {
    List<Stage> stages = EfficientNet.config(EfficientNet.compoundScaling().get(7)).stages();
    assertArrayEquals(new int[] {4, 7, 7, 10, 10, 13, 4}, stages.stream().mapToInt(Stage::layers).toArray());
    assertArrayEquals(new int[] {32, 48, 80, 160, 224, 384, 640}, stages.stream().mapToInt(Stage::out).toArray());
    assertEquals(64, stages.get(0).in());
    // B3: 40 x 1.2 = 48, 80 x 1.2 = 96, 112 x 1.2 = 134.4 -> 136 (nearest multiple of 8)
    List<Stage> b3 = EfficientNet.config(EfficientNet.compoundScaling().get(3)).stages();
    assertArrayEquals(new int[] {24, 32, 48, 96, 136, 232, 384}, b3.stream().mapToInt(Stage::out).toArray());
  }

  /**
   * Scaling with the exact powers beta^phi, alpha^phi does not give the released networks: B1
   * (w = 1.1, d = 1.2) would be B2 layer for layer.
   */
  @Test
  void idealPowersGiveOtherNetworks() {
    Scaling b1 = EfficientNet.compoundScaling().get(1);
    Scaling ideal = new Scaling("ideal_b1", 1, b1.idealWidth(), b1.idealDepth(), 240, 0.2);
    long idealCount = Tensors.onDevice("meta",
        () -> new EfficientNet(EfficientNet.config(ideal), ModelOptions.defaults()).parameterCount());
    assertNotEquals(Models.parameterCount("efficientnet_b1"), idealCount);
    assertEquals(Models.parameterCount("efficientnet_b2"), idealCount);
  }

  @Test
  void batchNormAndStochasticDepthSettings() {
    Map<String, Module> b0 = Tensors.onDevice("meta", () -> Models.create("efficientnet_b0").namedModules());
    assertEquals(1e-5, ((BatchNorm2d) b0.get("features.0.1")).eps());
    // 16 blocks: block i drops with 0.2 * i / 16
    assertEquals(0.2 * 15 / 16, ((StochasticDepth) b0.get("features.7.0.stochastic_depth")).p(), 1e-12);
    Map<String, Module> b7 = Tensors.onDevice("meta", () -> Models.create("efficientnet_b7").namedModules());
    assertEquals(1e-3, ((BatchNorm2d) b7.get("features.0.1")).eps());
    Map<String, Module> v2 = Tensors.onDevice("meta", () -> Models.create("efficientnet_v2_s").namedModules());
    assertEquals(1e-3, ((BatchNorm2d) v2.get("features.0.1")).eps());
  }

  @Test
  void fusedBlocksOfV2() {
    Map<String, Tensor> state = Tensors.onDevice("meta", () -> Models.create("efficientnet_v2_s").stateDict());
    // stage 1 (ratio 1): one 3x3 conv; stage 2: fused 3x3 expansion 24 -> 96 and 1x1 projection
    assertArrayEquals(new long[] {24, 24, 3, 3}, Tensors.shape(state.get("features.1.0.block.0.0.weight")));
    assertArrayEquals(new long[] {96, 24, 3, 3}, Tensors.shape(state.get("features.2.0.block.0.0.weight")));
    assertArrayEquals(new long[] {48, 96, 1, 1}, Tensors.shape(state.get("features.2.0.block.1.0.weight")));
    // MBConv SE squeezes to a quarter of the block input (64 / 4)
    assertArrayEquals(new long[] {16, 256, 1, 1}, Tensors.shape(state.get("features.4.0.block.2.fc1.weight")));
    assertArrayEquals(new long[] {1280, 256, 1, 1}, Tensors.shape(state.get("features.7.0.weight")));
  }

  @Test
  void featuresOnlyAndTraining() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("efficientnet_b0", ModelOptions.defaults().featuresOnly());
      m.train();
      Tensor x = Tensors.zeros(DType.FLOAT32, 2, 3, 64, 64);
      assertArrayEquals(new long[] {2, 1280}, Tensors.shape(m.forward(x)));
      m.eval();
      assertArrayEquals(new long[] {2, 1280, 2, 2}, Tensors.shape(m.forwardFeatures(x)));
      m.resetClassifier(4);
      assertArrayEquals(new long[] {2, 4}, Tensors.shape(m.forward(x)));
    }
  }

  @Test
  void wrongChannelCountNamesTheStem() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("efficientnet_b0");
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32)));
      assertEquals("features.0.0", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]"), e.getMessage());
    }
  }
}
