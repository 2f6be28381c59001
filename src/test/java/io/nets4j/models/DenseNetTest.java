package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.LayerException;
import io.nets4j.nn.Nets4jException;
import io.nets4j.parity.FillRule;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DenseNetTest {
  /** torchvision's documented parameter counts. */
  @ParameterizedTest
  @CsvSource({"densenet121, 7978856", "densenet161, 28681000", "densenet169, 14149480", "densenet201, 20013928"})
  void parameterCountMatchesTorchvision(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  /** The naming rules of torchvision's DenseNet, checked on a variant without a fixture. */
  @Test
  void densenet161StateDictFollowsTorchvisionNames() {
    Map<String, Tensor> sd = Tensors.onDevice("meta", () -> Models.create("densenet161").stateDict());
    List<String> keys = List.copyOf(sd.keySet());
    assertEquals("features.conv0.weight", keys.get(0));
    assertArrayEquals(new long[] {96, 3, 7, 7}, Tensors.shape(sd.get("features.conv0.weight")));
    assertEquals("features.norm0.weight", keys.get(1));
    assertEquals("features.denseblock1.denselayer1.norm1.weight", keys.get(6));
    // 96 init features + 6 layers of growth 48 = 384, compressed to 192 by transition1
    assertArrayEquals(new long[] {192, 384, 1, 1}, Tensors.shape(sd.get("features.transition1.conv.weight")));
    assertArrayEquals(new long[] {192, 96, 1, 1},
        Tensors.shape(sd.get("features.denseblock1.denselayer1.conv1.weight")));
    assertArrayEquals(new long[] {48, 192, 3, 3},
        Tensors.shape(sd.get("features.denseblock1.denselayer1.conv2.weight")));
    assertTrue(sd.containsKey("features.denseblock3.denselayer36.conv2.weight"));
    assertFalse(sd.containsKey("features.transition4.norm.weight"));
    assertEquals("features.norm5.num_batches_tracked", keys.get(keys.size() - 3));
    assertArrayEquals(new long[] {1000, 2208}, Tensors.shape(sd.get("classifier.weight")));
  }

  @Test
  void wrongChannelCountNamesTheFirstConvolution() {
    Tensors.onDevice("meta", () -> {
      ImageClassifier m = Models.create("densenet121");
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 224, 224)));
      assertEquals("features.conv0", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[1, 1, 224, 224]"),
          e.getMessage());
      return null;
    });
  }

  @Test
  void trainingStepOnATinyInput() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("densenet121", ModelOptions.defaults().withNumClasses(5));
      m.train();
      Tensor y = m.forward(FillRule.input(new long[] {2, 3, 32, 32}));
      assertArrayEquals(new long[] {2, 5}, Tensors.shape(y));
      y.mul(y).sum().backward();
      Map<String, Tensor> p = m.namedParameters();
      for (String k : List.of("features.conv0.weight", "features.denseblock1.denselayer1.norm1.weight",
          "features.denseblock4.denselayer16.conv2.weight", "classifier.weight")) {
        assertTrue(p.get(k).grad().defined() && Tensors.maxAbs(p.get(k).grad()) > 0, k);
      }
    }
  }

  /**
   * The memory-efficient mode recomputes the bottlenecks in the backward pass: the output, every
   * parameter's gradient, the input's gradient and the batch-norm running statistics equal those
   * of the normal mode.
   */
  @Test
  void memoryEfficientModeGivesTheSameGradients() {
    try (Scope s = Scope.open()) {
      DenseNet normal = (DenseNet) Models.create("densenet121", ModelOptions.defaults().withNumClasses(10));
      DenseNet efficient = (DenseNet) Models.create("densenet121", ModelOptions.defaults().withNumClasses(10));
      normal.to(DType.FLOAT64);
      efficient.to(DType.FLOAT64);
      copyState(normal, efficient);
      efficient.setMemoryEfficient(true);
      assertTrue(efficient.isMemoryEfficient());
      Tensor x = FillRule.input(new long[] {2, 3, 32, 32}).to(DType.FLOAT64.scalarType());
      Tensor gradNormal = trainingStep(normal, x);
      Tensor gradEfficient = trainingStep(efficient, x);

      assertClose(gradNormal, gradEfficient, "input gradient");
      Map<String, Tensor> pn = normal.namedParameters();
      Map<String, Tensor> pe = efficient.namedParameters();
      for (String k : pn.keySet()) {
        assertClose(pn.get(k).grad(), pe.get(k).grad(), k + ".grad");
      }
      Map<String, Tensor> sn = normal.stateDict();
      Map<String, Tensor> se = efficient.stateDict();
      for (String k : sn.keySet()) {
        assertClose(sn.get(k), se.get(k), k);
      }
      assertEquals(1L, Tensors.toLongArray(
          se.get("features.denseblock2.denselayer3.norm1.num_batches_tracked"))[0], "running stats updated once");
    }
  }

  /** Returns the input's gradient after a forward and backward pass in training mode. */
  private static Tensor trainingStep(ImageClassifier m, Tensor input) {
    m.train();
    Tensor x = input.detach().requires_grad_(true);
    Tensor y = m.forward(x);
    Tensor weights = FillRule.tensor("loss.weight", Tensors.shape(y)).to(DType.FLOAT64.scalarType());
    y.mul(weights).sum().backward();
    return x.grad();
  }

  private static void copyState(ImageClassifier from, ImageClassifier to) {
    Map<String, Tensor> src = from.stateDict();
    try (NoGradGuard g = new NoGradGuard()) {
      to.stateDict().forEach((k, v) -> v.copy_(src.get(k)));
    }
  }

  private static void assertClose(Tensor expected, Tensor actual, String what) {
    assertTrue(expected.defined() && actual.defined(), what + " is undefined");
    double diff = Tensors.maxAbsDiff(expected, actual);
    double scale = Math.max(1, Tensors.maxAbs(expected));
    assertTrue(diff <= 1e-6 * scale, what + ": max difference " + diff + " (scale " + scale + ")");
  }

  @Test
  void memoryEfficientModeNeedsAScopeForTraining() {
    DenseNet m = (DenseNet) Models.create("densenet121", ModelOptions.defaults().withNumClasses(3));
    m.setMemoryEfficient(true);
    m.train();
    Nets4jException e = assertThrows(Nets4jException.class,
        () -> m.forward(FillRule.input(new long[] {2, 3, 32, 32})));
    assertTrue(e.getMessage().startsWith("features.denseblock1.denselayer1: the memory-efficient DenseNet needs"),
        e.getMessage());
    // without gradients there is nothing to checkpoint, and no scope is needed
    m.eval();
    try (NoGradGuard g = new NoGradGuard()) {
      assertArrayEquals(new long[] {1, 3}, Tensors.shape(m.forward(FillRule.input(new long[] {1, 3, 32, 32}))));
    }
  }

  @Test
  void featuresOnlyReturnsPooledFeatures() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      ImageClassifier m = Models.create("densenet121", ModelOptions.defaults().featuresOnly());
      m.eval();
      assertEquals(1024, m.numFeatures());
      assertArrayEquals(new long[] {1, 1024}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 32, 32))));
      m.resetClassifier(4);
      assertEquals("classifier.bias", List.copyOf(m.stateDict().keySet()).get(m.stateDict().size() - 1));
      assertArrayEquals(new long[] {1, 4}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 32, 32))));
    }
  }
}
