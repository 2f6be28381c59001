package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.LayerException;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResNetTest {
  /** torchvision's documented parameter counts. */
  @ParameterizedTest
  @CsvSource({
      "resnet18, 11689512", "resnet34, 21797672", "resnet50, 25557032", "resnet101, 44549160",
      "resnet152, 60192808", "resnext50_32x4d, 25028904", "resnext101_32x8d, 88791336",
      "resnext101_64x4d, 83455272", "wide_resnet50_2, 68883240", "wide_resnet101_2, 126886696"})
  void parameterCountMatchesTorchvision(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  @Test
  void featuresInsteadOfLogits() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("resnet18", ModelOptions.defaults().featuresOnly());
      m.eval();
      Tensor y = m.forward(Tensors.zeros(DType.FLOAT32, 2, 3, 64, 64));
      assertArrayEquals(new long[] {2, 512}, Tensors.shape(y));
      assertEquals(0, m.numClasses());
      assertTrue(m.stateDict().keySet().stream().noneMatch(k -> k.startsWith("fc.")));
    }
  }

  @Test
  void resetClassifierKeepsStateDictOrder() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("resnet18");
      m.resetClassifier(7);
      List<String> keys = List.copyOf(m.stateDict().keySet());
      assertEquals("fc.bias", keys.get(keys.size() - 1));
      assertArrayEquals(new long[] {7, 512}, Tensors.shape(m.stateDict().get("fc.weight")));
      m.eval();
      assertArrayEquals(new long[] {1, 7}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 32, 32))));
    }
  }

  @Test
  void wrongChannelCountNamesTheLayer() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("resnet18");
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 4, 32, 32)));
      assertEquals("conv1", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[1, 4, 32, 32]"), e.getMessage());
    }
  }

  @Test
  void wrongRankNamesTheLayer() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("resnet50");
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 3, 32, 32)));
      assertTrue(e.getMessage().startsWith("conv1 (Conv2d): expected input of shape [N, 3, H, W]"), e.getMessage());
    }
  }

  /** An error deep inside the network names that layer's path. */
  @Test
  void libtorchErrorInsideADeepLayerNamesItsPath() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("resnet18");
      m.train();
      // batch 1 at 32x32: layer4 sees 1x1 maps, one value per channel, which training-mode BN rejects
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 32, 32)));
      assertEquals("layer4.0.bn1", e.layerPath(), e.getMessage());
      assertTrue(e.getMessage().startsWith("layer4.0.bn1 (BatchNorm2d): expected more than 1 value per channel"),
          e.getMessage());
    }
  }

  @Test
  void unknownNameSuggestsClosest() {
    UnknownModelException e = assertThrows(UnknownModelException.class, () -> Models.create("resnet5"));
    assertTrue(e.suggestions().contains("resnet50"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean"), e.getMessage());
  }
}
