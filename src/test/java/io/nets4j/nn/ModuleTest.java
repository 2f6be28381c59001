package io.nets4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class ModuleTest {
  /** conv -> bn -> (block: conv, bn) like a tiny torchvision network. */
  static final class Tiny extends Layer {
    final Conv2d conv1 = register("conv1", new Conv2d(3, 4, ConvSpec.kernel(3).padding(1).noBias()));
    final BatchNorm2d bn1 = register("bn1", new BatchNorm2d(4));
    final Sequential layer1 = register("layer1", new Sequential(
        new Conv2d(4, 4, ConvSpec.kernel(1)), new BatchNorm2d(4), Activation.relu()));
    final Linear fc = register("fc", new Linear(4, 2));

    @Override
    protected Tensor compute(Tensor x) {
      Tensor y = layer1.forward(bn1.forward(conv1.forward(x)));
      return fc.forward(F.globalAvgPool(y));
    }
  }

  @Test
  void stateDictNamesAndOrderFollowPyTorch() {
    List<String> keys = List.copyOf(new Tiny().stateDict().keySet());
    assertEquals(List.of("conv1.weight",
        "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
        "layer1.0.weight", "layer1.0.bias",
        "layer1.1.weight", "layer1.1.bias", "layer1.1.running_mean", "layer1.1.running_var",
        "layer1.1.num_batches_tracked", "fc.weight", "fc.bias"), keys);
  }

  @Test
  void parametersExcludeBuffers() {
    Tiny t = new Tiny();
    assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.weight", "layer1.0.bias",
        "layer1.1.weight", "layer1.1.bias", "fc.weight", "fc.bias"), List.copyOf(t.namedParameters().keySet()));
    assertEquals(4 * 3 * 9 + 8 + 16 + 4 + 8 + 8 + 2, t.parameterCount());
    assertTrue(t.namedParameters().values().stream().allMatch(Tensor::requires_grad));
  }

  @Test
  void pathsAndModes() {
    Tiny t = new Tiny();
    assertEquals("layer1.1", t.layer1.get(1).path());
    t.eval();
    assertFalse(t.layer1.get(1).isTraining());
    t.train();
    assertTrue(t.layer1.get(1).isTraining());
  }

  @Test
  void toFloat64KeepsTensorIdentityAndIntegerBuffers() {
    Tiny t = new Tiny();
    Tensor w = t.conv1.weight();
    float[] before = Tensors.toFloatArray(w);
    t.to(DType.FLOAT64);
    assertSame(w, t.stateDict().get("conv1.weight"));
    assertEquals(DType.FLOAT64, Tensors.dtype(w));
    assertEquals(DType.INT64, Tensors.dtype(t.stateDict().get("bn1.num_batches_tracked")));
    double[] after = Tensors.toDoubleArray(w);
    for (int i = 0; i < before.length; i++) {
      assertEquals(before[i], after[i], 0.0);
    }
    try (Scope s = Scope.open()) {
      t.eval();
      Tensor y = t.forward(Tensors.zeros(DType.FLOAT64, 1, 3, 5, 5));
      assertEquals(DType.FLOAT64, Tensors.dtype(y));
    }
    t.to(DType.BFLOAT16);
    assertEquals(DType.BFLOAT16, Tensors.dtype(w));
  }

  @Test
  void trainingModeBatchNormUpdatesStatistics() {
    Tiny t = new Tiny();
    try (Scope s = Scope.open()) {
      t.train();
      t.forward(Tensors.fromFloats(new float[2 * 3 * 4 * 4], 2, 3, 4, 4).add(new org.bytedeco.pytorch.Scalar(1.0)));
      assertEquals(1, t.stateDict().get("bn1.num_batches_tracked").item_long());
    }
  }

  @Test
  void parametersOutliveTheScopeTheModelWasBuiltIn() {
    Tiny t;
    try (Scope s = Scope.open()) {
      t = new Tiny();
    }
    System.gc();
    try (Scope s = Scope.open()) {
      t.eval();
      assertArrayEquals(new long[] {1, 2}, Tensors.shape(t.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 4, 4))));
    }
  }

  @Test
  void sequentialReplaceKeepsNameOrderAndMode() {
    Tiny t = new Tiny();
    t.eval();
    Tensor bn = t.stateDict().get("layer1.1.weight");
    Conv2d wider = new Conv2d(4, 4, ConvSpec.kernel(3).padding(1).noBias());
    assertSame(wider, t.layer1.replace(0, wider));
    assertSame(wider, t.layer1.get(0));
    assertEquals("layer1.0", wider.path());
    assertFalse(wider.isTraining(), "the new layer takes the mode of its Sequential");
    List<String> keys = List.copyOf(t.stateDict().keySet());
    assertEquals(List.of("conv1.weight",
        "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
        "layer1.0.weight",
        "layer1.1.weight", "layer1.1.bias", "layer1.1.running_mean", "layer1.1.running_var",
        "layer1.1.num_batches_tracked", "fc.weight", "fc.bias"), keys);
    assertArrayEquals(new long[] {4, 4, 3, 3}, Tensors.shape(t.stateDict().get("layer1.0.weight")));
    assertSame(bn, t.stateDict().get("layer1.1.weight"), "the other layers are kept");
    try (Scope s = Scope.open()) {
      assertArrayEquals(new long[] {1, 2}, Tensors.shape(t.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 8, 8))));
    }
  }

  @Test
  void sequentialReplaceKeepsExplicitNames() {
    Sequential s = new Sequential().add("fc", new Linear(2, 3)).add("act", Activation.relu());
    s.replace(0, new Linear(2, 5));
    assertEquals(List.of("fc.weight", "fc.bias"), List.copyOf(s.stateDict().keySet()));
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> s.replace(2, new Identity()));
    assertTrue(e.getMessage().contains("no layer 2") && e.getMessage().contains("2 layers"), e.getMessage());
  }

  @Test
  void registeringTwiceFails() {
    Conv2d c = new Conv2d(1, 1, ConvSpec.kernel(1));
    new Sequential(c);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Sequential(c));
    assertTrue(e.getMessage().contains("already belongs"), e.getMessage());
  }

  @Test
  void linearRejectsWrongFeatureCount() {
    Linear fc = new Linear(4, 2);
    try (Scope s = Scope.open()) {
      LayerException e = assertThrows(LayerException.class, () -> fc.forward(Tensors.zeros(DType.FLOAT32, 3, 5)));
      assertEquals("<model> (Linear): expected input of shape [..., 4], got [3, 5]", e.getMessage());
    }
  }

  @Test
  void stochasticDepthDropsWholeSamplesAndKeepsExpectation() {
    try (Scope s = Scope.open()) {
      Tensor ones = Tensors.ones(DType.FLOAT64, 20000, 3);
      Tensor y = F.stochasticDepth(ones, 0.25, true);
      double[] v = Tensors.toDoubleArray(y);
      int kept = 0;
      for (int i = 0; i < 20000; i++) {
        assertEquals(v[3 * i], v[3 * i + 2], 0.0);
        if (v[3 * i] != 0) {
          kept++;
          assertEquals(1 / 0.75, v[3 * i], 1e-12);
        }
      }
      assertEquals(0.75, kept / 20000.0, 0.02);
      assertSame(ones, F.stochasticDepth(ones, 0.25, false));
    }
  }
}
