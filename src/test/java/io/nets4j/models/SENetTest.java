package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Conv2d;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SENetTest {
  /**
   * The counts of the models released with the paper (Cadene's pretrained-models listing:
   * se_resnet50 .. senet154), which timm's SE-ResNe(X)ts share layer for layer.
   */
  @ParameterizedTest
  @CsvSource({
      "seresnet50, 28088024", "seresnet101, 49326872", "seresnet152, 66821848",
      "seresnext50_32x4d, 27559896", "seresnext101_32x4d, 48955416",
      "legacy_seresnet50, 28088024", "legacy_seresnet101, 49326872", "legacy_seresnet152, 66821848",
      "legacy_seresnext50_32x4d, 27559896", "legacy_seresnext101_32x4d, 48955416", "legacy_senet154, 115088984"})
  void parameterCountMatchesReference(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  /**
   * An SE block on C channels with r = 16 adds {@code 2 C^2 / r} weights and {@code C/r + C}
   * biases: summed over ResNet-50's 3, 4, 6, 3 bottlenecks of 256..2048 channels, exactly the
   * difference between SE-ResNet-50 and ResNet-50.
   */
  @Test
  void seCostIsTwoCSquaredOverR() {
    long se = 0;
    int[] depths = {3, 4, 6, 3};
    for (int s = 0; s < 4; s++) {
      long c = 256L << s;
      se += depths[s] * (2 * c * c / 16 + c / 16 + c);
    }
    assertEquals(2530992, se);
    assertEquals(se, Models.parameterCount("seresnet50") - Models.parameterCount("resnet50"));
    assertEquals(se, Models.parameterCount("legacy_seresnet50") - Models.parameterCount("resnet50"));
  }

  @Test
  void timmLayoutNames() {
    Map<String, Tensor> state = Tensors.onDevice("meta", () -> Models.create("seresnext50_32x4d").stateDict());
    List<String> keys = List.copyOf(state.keySet());
    assertEquals("conv1.weight", keys.get(0));
    assertEquals("fc.bias", keys.get(keys.size() - 1));
    assertArrayEquals(new long[] {128, 4, 3, 3}, Tensors.shape(state.get("layer1.0.conv2.weight")));
    assertArrayEquals(new long[] {16, 256, 1, 1}, Tensors.shape(state.get("layer1.0.se.fc1.weight")));
    assertArrayEquals(new long[] {2048, 128, 1, 1}, Tensors.shape(state.get("layer4.2.se.fc2.weight")));
  }

  /** The Caffe SE-ResNet strides in the first 1x1 convolution; SENet-154 projects with 3x3 convolutions. */
  @Test
  void legacyLayout() {
    Map<String, Module> resnet = Tensors.onDevice("meta", () -> Models.create("legacy_seresnet50").namedModules());
    assertEquals(2, ((Conv2d) resnet.get("layer2.0.conv1")).spec().strideH());
    assertEquals(1, ((Conv2d) resnet.get("layer2.0.conv2")).spec().strideH());
    Map<String, Module> senet = Tensors.onDevice("meta", () -> Models.create("legacy_senet154").namedModules());
    assertEquals(2, ((Conv2d) senet.get("layer2.0.conv2")).spec().strideH());
    assertEquals(3, ((Conv2d) senet.get("layer2.0.downsample.0")).spec().kernelH());
    assertEquals(1, ((Conv2d) senet.get("layer1.0.downsample.0")).spec().kernelH());
    Map<String, Tensor> state = Tensors.onDevice("meta", () -> Models.create("legacy_senet154").stateDict());
    assertArrayEquals(new long[] {128, 64, 3, 3}, Tensors.shape(state.get("layer0.conv3.weight")));
    assertArrayEquals(new long[] {256, 2, 3, 3}, Tensors.shape(state.get("layer1.0.conv2.weight")));
    assertArrayEquals(new long[] {16, 256, 1, 1}, Tensors.shape(state.get("layer1.0.se_module.fc1.weight")));
    assertArrayEquals(new long[] {1000, 2048}, Tensors.shape(state.get("last_linear.weight")));
  }

  @Test
  void forwardShapes() {
    try (Scope s = Scope.open()) {
      // one bottleneck per stage keeps the test fast; the layers are those of legacy_seresnet50
      ImageClassifier legacy = new SENet(new SENet.Config(SENet.Block.RESNET, new int[] {1, 1, 1, 1}, 1, 64, false),
          ModelOptions.defaults());
      legacy.eval();
      // ceil mode: 16 -> 8 where padding-free floor mode gives 7
      Layer pool0 = (Layer) legacy.namedModules().get("pool0");
      assertArrayEquals(new long[] {1, 1, 8, 8}, Tensors.shape(pool0.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 16, 16))));
      Tensor x = Tensors.zeros(DType.FLOAT32, 1, 3, 64, 64);
      assertArrayEquals(new long[] {1, 2048, 2, 2}, Tensors.shape(legacy.forwardFeatures(x)));
      legacy.resetClassifier(3);
      assertArrayEquals(new long[] {1, 3}, Tensors.shape(legacy.forward(x)));
      ImageClassifier timm = SENet.seResNet(new int[] {1, 1, 1, 1}, 32, 4,
          ModelOptions.defaults().featuresOnly().withDropPathRate(0.1));
      timm.train();
      assertArrayEquals(new long[] {2, 2048}, Tensors.shape(timm.forward(Tensors.zeros(DType.FLOAT32, 2, 3, 64, 64))));
    }
  }

  @Test
  void wrongChannelCountNamesTheStem() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("legacy_seresnet50");
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32)));
      assertEquals("layer0.conv1", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]"), e.getMessage());
    }
  }
}
