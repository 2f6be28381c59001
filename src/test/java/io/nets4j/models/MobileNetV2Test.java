package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.LayerException;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class MobileNetV2Test {
  /** torchvision's documented count. */
  @Test
  void parameterCountMatchesTorchvision() {
    assertEquals(3504872, Models.parameterCount("mobilenet_v2"));
  }

  private static Map<String, Tensor> stateOf(double width) {
    return Tensors.onDevice("meta", () -> new MobileNetV2(width, ModelOptions.defaults()).stateDict());
  }

  /** Channels are rounded to multiples of 8; the last convolution never shrinks below 1280. */
  @Test
  void widthMultiplierRoundsToMultiplesOfEight() {
    Map<String, Tensor> half = stateOf(0.5);
    assertArrayEquals(new long[] {16, 3, 3, 3}, Tensors.shape(half.get("features.0.0.weight")));
    assertArrayEquals(new long[] {8, 16, 1, 1}, Tensors.shape(half.get("features.1.conv.1.weight")));
    // 24 * 0.5 = 12 rounds up to 16, 160 * 0.5 = 80 stays
    assertArrayEquals(new long[] {16, 48, 1, 1}, Tensors.shape(half.get("features.2.conv.2.weight")));
    assertArrayEquals(new long[] {80, 480, 1, 1}, Tensors.shape(half.get("features.15.conv.2.weight")));
    assertArrayEquals(new long[] {1280, 160, 1, 1}, Tensors.shape(half.get("features.18.0.weight")));
    Map<String, Tensor> wide = stateOf(1.4);
    assertArrayEquals(new long[] {48, 3, 3, 3}, Tensors.shape(wide.get("features.0.0.weight")));
    // 320 * 1.4 = 448; 1280 * 1.4 = 1792
    assertArrayEquals(new long[] {1792, 448, 1, 1}, Tensors.shape(wide.get("features.18.0.weight")));
    assertArrayEquals(new long[] {1000, 1792}, Tensors.shape(wide.get("classifier.1.weight")));
  }

  @Test
  void featuresOnlyAndResidualShapes() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("mobilenet_v2", ModelOptions.defaults().featuresOnly());
      m.eval();
      Tensor x = Tensors.zeros(DType.FLOAT32, 2, 3, 64, 64);
      assertArrayEquals(new long[] {2, 1280, 2, 2}, Tensors.shape(m.forwardFeatures(x)));
      assertArrayEquals(new long[] {2, 1280}, Tensors.shape(m.forward(x)));
      m.resetClassifier(5);
      assertArrayEquals(new long[] {5, 1280}, Tensors.shape(m.stateDict().get("classifier.1.weight")));
      assertArrayEquals(new long[] {2, 5}, Tensors.shape(m.forward(x)));
    }
  }

  @Test
  void wrongInputNamesTheStem() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("mobilenet_v2");
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 3, 32, 32)));
      assertEquals("features.0.0", e.layerPath());
      assertTrue(e.getMessage().contains("[3, 32, 32]"), e.getMessage());
    }
  }
}
