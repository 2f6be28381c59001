package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.LayerException;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MobileNetV1Test {
  /**
   * 0.25-1.0: the counts of osmr's imgclsmob MobileNet (mobilenet_wd4 .. mobilenet_w1, same layers
   * as timm); 1.0 is also the timm fixture's count. 1.25 and 1.0h (timm only): the layer-by-layer
   * count of paper Table 1 with timm's widths, 6.3M and 5.3M on timm's model cards.
   */
  @ParameterizedTest
  @CsvSource({
      "mobilenetv1_025, 470072", "mobilenetv1_050, 1331592", "mobilenetv1_075, 2585560",
      "mobilenetv1_100, 4231976", "mobilenetv1_125, 6270840", "mobilenetv1_100h, 5282600"})
  void parameterCountMatchesReference(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  /** The width multiplier scales every layer, stem and last block included (paper section 3.3). */
  @Test
  void widthMultiplierScalesEveryLayer() {
    Map<String, Tensor> state = Tensors.onDevice("meta", () -> Models.create("mobilenetv1_025").stateDict());
    assertArrayEquals(new long[] {8, 3, 3, 3}, Tensors.shape(state.get("conv_stem.weight")));
    assertArrayEquals(new long[] {16, 8, 1, 1}, Tensors.shape(state.get("blocks.0.0.conv_pw.weight")));
    assertArrayEquals(new long[] {256, 256, 1, 1}, Tensors.shape(state.get("blocks.4.1.conv_pw.weight")));
    assertArrayEquals(new long[] {1000, 256}, Tensors.shape(state.get("classifier.weight")));
    assertFalse(state.containsKey("conv_head.weight"));
    Map<String, Tensor> head = Tensors.onDevice("meta", () -> Models.create("mobilenetv1_100h").stateDict());
    assertArrayEquals(new long[] {1024, 1024, 1, 1}, Tensors.shape(head.get("conv_head.weight")));
  }

  @Test
  void depthwiseStridesHalveTheResolutionFiveTimes() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("mobilenetv1_050");
      m.eval();
      Tensor f = m.forwardFeatures(Tensors.zeros(DType.FLOAT32, 1, 3, 64, 64));
      assertArrayEquals(new long[] {1, 512, 2, 2}, Tensors.shape(f));
      m.resetClassifier(0);
      assertArrayEquals(new long[] {1, 512}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 64, 64))));
    }
  }

  @Test
  void wrongChannelCountNamesTheStem() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("mobilenetv1_025");
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32)));
      assertEquals("conv_stem", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[1, 1, 32, 32]"), e.getMessage());
    }
  }

  @Test
  void invalidWidthIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MobileNetV1.Config(0, false));
    assertTrue(e.getMessage().contains("width multiplier"), e.getMessage());
  }
}
