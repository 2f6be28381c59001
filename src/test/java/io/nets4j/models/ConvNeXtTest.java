package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class ConvNeXtTest {
  /** A two-stage ConvNeXt small enough for fast forward tests. */
  private static ConvNeXt small(ModelOptions options) {
    return new ConvNeXt(new ConvNeXt.Config(new int[] {1, 1}, new int[] {8, 16}, 0.1), options);
  }

  /** torchvision's documented counts. */
  @ParameterizedTest
  @CsvSource({"convnext_tiny, 28589128", "convnext_small, 50223688", "convnext_base, 88591464",
      "convnext_large, 197767336"})
  void parameterCountMatchesTorchvision(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  @Test
  void layoutAndStochasticDepth() {
    ImageClassifier m = Tensors.onDevice("meta", () -> Models.create("convnext_small"));
    List<String> keys = List.copyOf(m.stateDict().keySet());
    // the block's own parameter comes before its children, as in PyTorch
    assertEquals("features.1.0.layer_scale", keys.get(4));
    assertEquals("features.1.0.block.0.weight", keys.get(5));
    Map<String, Module> modules = m.namedModules();
    // 36 blocks, the last dropping with the default rate 0.4
    assertEquals(0.4, ((StochasticDepth) modules.get("features.7.2.stochastic_depth")).p(), 1e-12);
    assertEquals(0.0, ((StochasticDepth) modules.get("features.1.0.stochastic_depth")).p());
    assertEquals(0.4 / 35, ((StochasticDepth) modules.get("features.1.1.stochastic_depth")).p(), 1e-12);
  }

  @Test
  void layerScaleStartsAtOneMillionth() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = small(ModelOptions.defaults().withNumClasses(3));
      float[] scale = Tensors.toFloatArray(m.stateDict().get("features.1.0.layer_scale"));
      assertEquals(8, scale.length);
      for (float v : scale) {
        assertEquals(1e-6f, v);
      }
      m.train();
      assertArrayEquals(new long[] {2, 3}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 2, 3, 32, 32))));
    }
  }

  @Test
  void featuresAreNormalisedAndResetKeepsTheNorm() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = small(ModelOptions.defaults().featuresOnly());
      m.eval();
      Tensor x = Tensors.zeros(DType.FLOAT32, 1, 3, 32, 32);
      assertArrayEquals(new long[] {1, 16, 4, 4}, Tensors.shape(m.forwardFeatures(x)));
      Tensor pooled = m.forward(Tensors.full(DType.FLOAT32, 0.5, 1, 3, 32, 32));
      assertArrayEquals(new long[] {1, 16}, Tensors.shape(pooled));
      // the classifier's layer norm (weight 1, bias 0 at init) leaves zero mean and unit variance
      double mean = 0;
      double square = 0;
      for (float v : Tensors.toFloatArray(pooled)) {
        mean += v / 16.0;
        square += v * (double) v / 16.0;
      }
      assertEquals(0, mean, 1e-5);
      assertEquals(1, square, 1e-3);
      Tensor norm = m.stateDict().get("classifier.0.weight");
      m.resetClassifier(6);
      assertSame(norm, m.stateDict().get("classifier.0.weight"));
      assertArrayEquals(new long[] {6, 16}, Tensors.shape(m.stateDict().get("classifier.2.weight")));
      assertArrayEquals(new long[] {1, 6}, Tensors.shape(m.forward(x)));
    }
  }

  @Test
  void wrongChannelCountNamesTheStem() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = small(ModelOptions.defaults());
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32)));
      assertEquals("features.0.0", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]"), e.getMessage());
    }
  }
}
