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

class ShuffleNetV2Test {
  /** torchvision's documented counts. */
  @ParameterizedTest
  @CsvSource({"shufflenet_v2_x0_5, 1366792", "shufflenet_v2_x1_0, 2278604", "shufflenet_v2_x1_5, 3503624",
      "shufflenet_v2_x2_0, 7393996"})
  void parameterCountMatchesTorchvision(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  /** Stride-2 units have two branches on the whole input; stride-1 units transform only half the channels. */
  @Test
  void branchLayout() {
    Map<String, Tensor> state = Tensors.onDevice("meta", () -> Models.create("shufflenet_v2_x1_0").stateDict());
    assertArrayEquals(new long[] {58, 24, 1, 1}, Tensors.shape(state.get("stage2.0.branch2.0.weight")));
    assertArrayEquals(new long[] {58, 24, 1, 1}, Tensors.shape(state.get("stage2.0.branch1.2.weight")));
    assertArrayEquals(new long[] {58, 58, 1, 1}, Tensors.shape(state.get("stage2.1.branch2.0.weight")));
    assertFalse(state.keySet().stream().anyMatch(k -> k.startsWith("stage2.1.branch1")));
  }

  @Test
  void featuresOnly() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("shufflenet_v2_x0_5", ModelOptions.defaults().featuresOnly());
      m.eval();
      Tensor x = Tensors.zeros(DType.FLOAT32, 2, 3, 64, 64);
      assertArrayEquals(new long[] {2, 1024, 2, 2}, Tensors.shape(m.forwardFeatures(x)));
      assertArrayEquals(new long[] {2, 1024}, Tensors.shape(m.forward(x)));
    }
  }

  @Test
  void wrongChannelCountNamesTheStem() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("shufflenet_v2_x0_5");
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32)));
      assertEquals("conv1.0", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]"), e.getMessage());
    }
  }

  @Test
  void oddStageWidthIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ShuffleNetV2.Config(new int[] {4, 8, 4}, new int[] {24, 117, 232, 464, 1024}));
    assertTrue(e.getMessage().contains("stage2 width must be even"), e.getMessage());
  }
}
