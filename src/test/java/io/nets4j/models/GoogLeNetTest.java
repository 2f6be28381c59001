package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.F;
import io.nets4j.nn.LayerException;
import io.nets4j.parity.FillRule;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class GoogLeNetTest {
  /** With the auxiliary classifiers (torchvision's googlenet() without weights, and the fixture). */
  @Test
  void parameterCountWithAuxiliaryClassifiers() {
    assertEquals(13_004_888L, Models.parameterCount("googlenet"));
  }

  /** Without them: torchvision's documented count for its pretrained model. */
  @Test
  void parameterCountWithoutAuxiliaryClassifiers() {
    long n = Tensors.onDevice("meta", () -> {
      GoogLeNet m = (GoogLeNet) Models.create("googlenet");
      m.dropAuxClassifiers();
      assertFalse(m.hasAuxClassifiers());
      assertTrue(m.stateDict().keySet().stream().noneMatch(k -> k.startsWith("aux")));
      return m.parameterCount();
    });
    assertEquals(6_624_904L, n);
  }

  /** torchvision's 3x3 convolution in the "5x5" branch, and its ceil-mode pooling. */
  @Test
  void followsTorchvisionDeviations() {
    Map<String, Tensor> sd = Tensors.onDevice("meta", () -> Models.create("googlenet").stateDict());
    assertArrayEquals(new long[] {32, 16, 3, 3}, Tensors.shape(sd.get("inception3a.branch3.1.conv.weight")));
    assertTrue(!sd.containsKey("conv1.conv.bias"), "BasicConv2d has no convolution bias");
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      ImageClassifier m = Models.create("googlenet", ModelOptions.defaults().withNumClasses(3));
      m.eval();
      // ceil mode: 112 -> 56 -> 28 -> 14 -> 7 after conv1; floor mode would give 55, 27, 13, 6
      assertArrayEquals(new long[] {1, 1024, 7, 7},
          Tensors.shape(m.forwardFeatures(Tensors.zeros(DType.FLOAT32, 1, 3, 224, 224))));
    }
  }

  @Test
  void trainingStepWithAuxiliaryClassifiers() {
    try (Scope s = Scope.open()) {
      GoogLeNet m = (GoogLeNet) Models.create("googlenet", ModelOptions.defaults().withNumClasses(10));
      m.train();
      Tensor x = FillRule.input(new long[] {2, 3, 64, 64});
      GoogLeNet.Outputs out = m.forwardWithAux(x);
      for (Tensor t : List.of(out.logits(), out.aux1(), out.aux2())) {
        assertArrayEquals(new long[] {2, 10}, Tensors.shape(t));
      }
      Tensor target = Tensors.fromLongs(new long[] {3, 7});
      Tensor loss = out.loss(target);
      double expected = F.crossEntropy(out.logits(), target).item_double()
          + 0.3 * (F.crossEntropy(out.aux1(), target).item_double() + F.crossEntropy(out.aux2(), target).item_double());
      assertEquals(expected, loss.item_double(), 1e-5);
      loss.backward();
      Map<String, Tensor> p = m.namedParameters();
      for (String k : List.of("conv1.conv.weight", "inception4a.branch1.conv.weight", "aux1.fc2.weight",
          "aux2.conv.conv.weight", "inception5b.branch4.1.bn.weight", "fc.weight")) {
        assertTrue(p.get(k).grad().defined() && Tensors.maxAbs(p.get(k).grad()) > 0, k);
      }
      // the plain forward gives the main logits only, in training mode too
      assertArrayEquals(new long[] {2, 10}, Tensors.shape(m.forward(x)));
    }
  }

  @Test
  void resetClassifierAlsoResetsTheAuxiliaryClassifiers() {
    Tensors.onDevice("meta", () -> {
      ImageClassifier m = Models.create("googlenet");
      m.resetClassifier(5);
      Map<String, Tensor> sd = m.stateDict();
      for (String k : List.of("fc.weight", "aux1.fc2.weight", "aux2.fc2.weight")) {
        assertEquals(5, Tensors.shape(sd.get(k))[0], k);
      }
      List<String> keys = List.copyOf(sd.keySet());
      assertEquals("fc.bias", keys.get(keys.size() - 1));
      return null;
    });
  }

  /** The TensorFlow weights' input scaling: x * std / 0.5 + (mean - 0.5) / 0.5 per channel. */
  @Test
  void transformInputRescalesEachChannel() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      ModelOptions options = ModelOptions.defaults().withNumClasses(2);
      GoogLeNet plain = new GoogLeNet(GoogLeNet.Config.DEFAULT, options);
      GoogLeNet transformed = new GoogLeNet(new GoogLeNet.Config(true, true), options);
      Map<String, Tensor> src = plain.stateDict();
      transformed.stateDict().forEach((k, v) -> v.copy_(src.get(k)));
      plain.eval();
      transformed.eval();
      float[] x = new float[3 * 32 * 32];
      float[] tx = new float[x.length];
      double[] mean = {0.485, 0.456, 0.406};
      double[] std = {0.229, 0.224, 0.225};
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) Math.sin(i);
        int c = i / (32 * 32);
        tx[i] = (float) (x[i] * (std[c] / 0.5) + (mean[c] - 0.5) / 0.5);
      }
      Tensor expected = plain.forward(Tensors.fromFloats(tx, 1, 3, 32, 32));
      Tensor actual = transformed.forward(Tensors.fromFloats(x, 1, 3, 32, 32));
      assertTrue(Tensors.maxAbsDiff(expected, actual) < 1e-5, "max difference " + Tensors.maxAbsDiff(expected, actual));
    }
  }

  @Test
  void wrongChannelCountNamesTheFirstConvolution() {
    Tensors.onDevice("meta", () -> {
      ImageClassifier m = Models.create("googlenet");
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 224, 224)));
      assertEquals("conv1.conv", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[1, 1, 224, 224]"),
          e.getMessage());
      GoogLeNet t = new GoogLeNet(new GoogLeNet.Config(true, true), ModelOptions.defaults());
      LayerException te = assertThrows(LayerException.class,
          () -> t.forward(Tensors.zeros(DType.FLOAT32, 1, 4, 224, 224)));
      assertTrue(te.getMessage().contains("transformInput") && te.getMessage().contains("[1, 4, 224, 224]"),
          te.getMessage());
      return null;
    });
  }

  @Test
  void forwardWithAuxNeedsTheAuxiliaryClassifiers() {
    Tensors.onDevice("meta", () -> {
      GoogLeNet m = (GoogLeNet) Models.create("googlenet");
      m.dropAuxClassifiers();
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> m.forwardWithAux(Tensors.zeros(DType.FLOAT32, 1, 3, 224, 224)));
      assertTrue(e.getMessage().contains("no auxiliary classifiers"), e.getMessage());
      return null;
    });
  }
}
