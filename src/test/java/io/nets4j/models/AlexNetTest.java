package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Activation;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Linear;
import io.nets4j.nn.LocalResponseNorm;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class AlexNetTest {
  @Test
  void torchvisionParameterCount() {
    assertEquals(61_100_840L, Models.parameterCount("alexnet"));
  }

  /**
   * The 2012 network: 60,965,224 parameters (the paper's "60 million"), fewer than torchvision's
   * single-tower variant because conv2, conv4 and conv5 are split into two groups.
   */
  @Test
  void paperParameterCount() {
    assertEquals(60_965_224L, Models.parameterCount("alexnet_paper"));
  }

  @Test
  void paperLayersFollowTheTwoGpuSplit() {
    Map<String, Tensor> sd = Tensors.onDevice("meta", () -> Models.create("alexnet_paper").stateDict());
    assertEquals(List.of("features.0.weight", "features.0.bias", "features.4.weight", "features.4.bias",
        "features.8.weight", "features.8.bias", "features.10.weight", "features.10.bias",
        "features.12.weight", "features.12.bias", "classifier.0.weight", "classifier.0.bias",
        "classifier.3.weight", "classifier.3.bias", "classifier.6.weight", "classifier.6.bias"),
        List.copyOf(sd.keySet()));
    assertArrayEquals(new long[] {96, 3, 11, 11}, Tensors.shape(sd.get("features.0.weight")));
    // conv2, conv4, conv5: each kernel sees the maps of its own GPU only (two groups)
    assertArrayEquals(new long[] {256, 48, 5, 5}, Tensors.shape(sd.get("features.4.weight")));
    assertArrayEquals(new long[] {384, 192, 3, 3}, Tensors.shape(sd.get("features.10.weight")));
    assertArrayEquals(new long[] {256, 192, 3, 3}, Tensors.shape(sd.get("features.12.weight")));
    // conv3 and the fully connected layers see both GPUs
    assertArrayEquals(new long[] {384, 256, 3, 3}, Tensors.shape(sd.get("features.8.weight")));
    assertArrayEquals(new long[] {4096, 9216}, Tensors.shape(sd.get("classifier.0.weight")));
    assertArrayEquals(new long[] {4096, 4096}, Tensors.shape(sd.get("classifier.3.weight")));
  }

  @Test
  void paperNormalizationPoolingAndDropout() {
    Map<String, Module> modules = Tensors.onDevice("meta", () -> Models.create("alexnet_paper").namedModules());
    for (String lrn : List.of("features.2", "features.6")) {
      LocalResponseNorm n = (LocalResponseNorm) modules.get(lrn);
      assertEquals(5, n.size());
      assertEquals(1e-4, n.alpha());
      assertEquals(0.75, n.beta());
      assertEquals(2.0, n.k());
    }
    for (String pool : List.of("features.3", "features.7", "features.14")) {
      MaxPool2d p = (MaxPool2d) modules.get(pool);
      assertEquals(3, p.kernel());
      assertEquals(2, p.stride());
    }
    assertTrue(modules.get("features.1") instanceof Activation, "ReLU before the normalization");
    // dropout on the outputs of fc6 and fc7
    assertTrue(modules.get("classifier.0") instanceof Linear);
    assertTrue(modules.get("classifier.1") instanceof Activation);
    assertEquals(0.5, ((Dropout) modules.get("classifier.2")).p());
    assertEquals(0.5, ((Dropout) modules.get("classifier.5")).p());
  }

  @Test
  void paperTakes224Or227Input() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      ImageClassifier m = paper();
      m.eval();
      assertArrayEquals(new long[] {1, 256, 6, 6}, Tensors.shape(m.forwardFeatures(Tensors.zeros(DType.FLOAT32, 1, 3, 224, 224))));
      assertArrayEquals(new long[] {1, 1000}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 224, 224))));
      assertArrayEquals(new long[] {1, 1000}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 227, 227))));
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 192, 192)));
      assertEquals("classifier", e.layerPath());
      assertTrue(e.getMessage().contains("224x224") && e.getMessage().contains("[1, 256, 5, 5]"), e.getMessage());
    }
  }

  private static ImageClassifier paperModel;

  /** One CPU instance shared by the tests that only read it (building 61M weights takes a while). */
  private static synchronized ImageClassifier paper() {
    if (paperModel == null) {
      paperModel = Models.create("alexnet_paper");
    }
    return paperModel;
  }

  @Test
  void paperInitialisation() {
    try (Scope s = Scope.open()) {
      Map<String, Tensor> sd = paper().stateDict();
      for (String b : List.of("features.4.bias", "features.10.bias", "features.12.bias", "classifier.0.bias",
          "classifier.3.bias")) {
        assertEquals(1.0, sd.get(b).min().item_double(), b);
        assertEquals(1.0, sd.get(b).max().item_double(), b);
      }
      for (String b : List.of("features.0.bias", "features.8.bias", "classifier.6.bias")) {
        assertEquals(0.0, Tensors.maxAbs(sd.get(b)), b);
      }
      double std = sd.get("classifier.0.weight").std().item_double();
      assertEquals(0.01, std, 1e-4);
    }
  }

  @Test
  void torchvisionClassifierLayout() {
    Map<String, Module> modules = Tensors.onDevice("meta", () -> Models.create("alexnet").namedModules());
    assertTrue(modules.get("classifier.0") instanceof Dropout, "torchvision drops the inputs of fc6");
    assertTrue(modules.get("classifier.1") instanceof Linear);
    assertTrue(modules.get("classifier.3") instanceof Dropout);
    assertTrue(modules.get("classifier.6") instanceof Linear);
  }

  @Test
  void resetClassifierKeepsTheHiddenLayers() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      for (String name : List.of("alexnet", "alexnet_paper")) {
        ImageClassifier m = Models.create(name, ModelOptions.defaults().withNumClasses(2));
        String fc7 = name.equals("alexnet") ? "classifier.4.weight" : "classifier.3.weight";
        Tensor hidden = m.stateDict().get(fc7);
        m.resetClassifier(0);
        assertEquals(0, m.numClasses());
        assertSame(hidden, m.stateDict().get(fc7));
        assertTrue(m.stateDict().keySet().stream().noneMatch(k -> k.startsWith("classifier.6")));
        m.eval();
        assertArrayEquals(new long[] {1, 4096}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 224, 224))));
        m.resetClassifier(10);
        assertArrayEquals(new long[] {10, 4096}, Tensors.shape(m.stateDict().get("classifier.6.weight")));
        List<String> keys = List.copyOf(m.stateDict().keySet());
        assertEquals("classifier.6.bias", keys.get(keys.size() - 1));
        assertArrayEquals(new long[] {1, 10}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 224, 224))));
      }
    }
  }

  @Test
  void wrongChannelCountNamesTheFirstConvolution() {
    Tensors.onDevice("meta", () -> {
      for (String name : List.of("alexnet", "alexnet_paper")) {
        ImageClassifier m = Models.create(name);
        LayerException e = assertThrows(LayerException.class,
            () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 224, 224)));
        assertEquals("features.0", e.layerPath());
        assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[1, 1, 224, 224]"),
            e.getMessage());
      }
      return null;
    });
  }
}
