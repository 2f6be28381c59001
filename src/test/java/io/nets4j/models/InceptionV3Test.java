package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.LayerException;
import io.nets4j.parity.FillRule;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class InceptionV3Test {
  /** torchvision's documented count (its model keeps the auxiliary classifier). */
  @Test
  void parameterCountMatchesTorchvision() {
    assertEquals(27_161_264L, Models.parameterCount("inception_v3"));
  }

  /**
   * AuxLogits holds conv0 (768*128 + 2*128), conv1 (128*768*25 + 2*768) and fc (768*1000 + 1000):
   * 3,326,696 parameters.
   */
  @Test
  void parameterCountWithoutTheAuxiliaryClassifier() {
    long n = Tensors.onDevice("meta", () -> {
      InceptionV3 m = (InceptionV3) Models.create("inception_v3");
      m.dropAuxClassifier();
      assertTrue(m.stateDict().keySet().stream().noneMatch(k -> k.startsWith("AuxLogits")));
      return m.parameterCount();
    });
    assertEquals(27_161_264L - 3_326_696L, n);
  }

  @Test
  void initialisationFollowsTorchvision() {
    try (Scope s = Scope.open()) {
      Map<String, Tensor> sd = Models.create("inception_v3").stateDict();
      assertEquals(0.1, sd.get("fc.weight").std().item_double(), 0.002);
      assertEquals(0.1, sd.get("Mixed_7c.branch_pool.conv.weight").std().item_double(), 0.002);
      assertEquals(0.1, sd.get("AuxLogits.conv1.conv.weight").std().item_double(), 0.002);
      assertEquals(0.001, sd.get("AuxLogits.fc.weight").std().item_double(), 0.00005);
      assertEquals(1.0, sd.get("Mixed_5b.branch1x1.bn.weight").min().item_double());
    }
  }

  @Test
  void forwardWithAuxGivesMainAndAuxiliaryLogits() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      InceptionV3 m = (InceptionV3) Models.create("inception_v3", ModelOptions.defaults().withNumClasses(7));
      m.eval();
      Tensor x = FillRule.input(new long[] {1, 3, 299, 299});
      InceptionV3.Outputs out = m.forwardWithAux(x);
      assertArrayEquals(new long[] {1, 7}, Tensors.shape(out.logits()));
      assertArrayEquals(new long[] {1, 7}, Tensors.shape(out.aux()));
      assertEquals(0.0, Tensors.maxAbsDiff(out.logits(), m.forward(x)));
      assertArrayEquals(new long[] {1, 2048, 8, 8}, Tensors.shape(m.forwardFeatures(x)));
    }
  }

  /** The smallest input of the main path is 75x75; the auxiliary head needs a 17x17 grid. */
  @Test
  void auxiliaryClassifierRejectsSmallInputClearly() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      InceptionV3 m = (InceptionV3) Models.create("inception_v3", ModelOptions.defaults().withNumClasses(3));
      m.eval();
      Tensor x = Tensors.zeros(DType.FLOAT32, 1, 3, 75, 75);
      assertArrayEquals(new long[] {1, 3}, Tensors.shape(m.forward(x)));
      LayerException e = assertThrows(LayerException.class, () -> m.forwardWithAux(x));
      assertEquals("AuxLogits", e.layerPath());
      assertTrue(e.getMessage().contains("17x17") && e.getMessage().contains("[1, 768, 3, 3]"), e.getMessage());
    }
  }

  @Test
  void wrongChannelCountNamesTheFirstConvolution() {
    Tensors.onDevice("meta", () -> {
      ImageClassifier m = Models.create("inception_v3");
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 299, 299)));
      assertEquals("Conv2d_1a_3x3.conv", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[1, 1, 299, 299]"),
          e.getMessage());
      return null;
    });
  }
}
