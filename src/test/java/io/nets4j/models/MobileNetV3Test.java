package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.LayerException;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MobileNetV3Test {
  /** torchvision's documented counts. */
  @ParameterizedTest
  @CsvSource({"mobilenet_v3_large, 5483032", "mobilenet_v3_small, 2542856"})
  void parameterCountMatchesTorchvision(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  /** SE squeezes to a quarter of the expanded width, rounded to a multiple of 8; BN uses TF's epsilon. */
  @Test
  void squeezeExcitationAndBatchNormSettings() {
    ImageClassifier m = Tensors.onDevice("meta", () -> Models.create("mobilenet_v3_large"));
    Map<String, Tensor> state = m.stateDict();
    // block 4 (5x5, expanded 72): 72 / 4 = 18 -> 24
    assertArrayEquals(new long[] {24, 72, 1, 1}, Tensors.shape(state.get("features.4.block.2.fc1.weight")));
    // block 12 (expanded 672): 168
    assertArrayEquals(new long[] {168, 672, 1, 1}, Tensors.shape(state.get("features.12.block.2.fc1.weight")));
    assertFalse(state.containsKey("features.1.block.2.fc1.weight"), "block 1 of the large model has no SE");
    BatchNorm2d bn = (BatchNorm2d) m.namedModules().get("features.0.1");
    assertEquals(1e-3, bn.eps());
  }

  @Test
  void featuresAreTheHiddenLayerAndResetKeepsIt() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("mobilenet_v3_small");
      m.eval();
      Tensor hidden = m.stateDict().get("classifier.0.weight");
      m.resetClassifier(0);
      assertEquals(1024, m.numFeatures());
      Tensor x = Tensors.zeros(DType.FLOAT32, 2, 3, 64, 64);
      assertArrayEquals(new long[] {2, 576, 2, 2}, Tensors.shape(m.forwardFeatures(x)));
      assertArrayEquals(new long[] {2, 1024}, Tensors.shape(m.forward(x)));
      m.resetClassifier(10);
      assertSame(hidden, m.stateDict().get("classifier.0.weight"));
      assertArrayEquals(new long[] {10, 1024}, Tensors.shape(m.stateDict().get("classifier.3.weight")));
      assertArrayEquals(new long[] {2, 10}, Tensors.shape(m.forward(x)));
    }
  }

  @Test
  void wrongChannelCountNamesTheStem() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("mobilenet_v3_small");
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 4, 32, 32)));
      assertEquals("features.0.0", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]"), e.getMessage());
    }
  }
}
