package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.LayerException;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VGGTest {
  /** torchvision's documented parameter counts. */
  @ParameterizedTest
  @CsvSource({
      "vgg11, 132863336", "vgg11_bn, 132868840", "vgg13, 133047848", "vgg13_bn, 133053736",
      "vgg16, 138357544", "vgg16_bn, 138365992", "vgg19, 143667240", "vgg19_bn, 143678248"})
  void parameterCountMatchesTorchvision(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  /**
   * torchvision's naming rule for the batch-norm variants: conv, bn, relu for each convolution and
   * one index for each max pooling, all in {@code features}; checked on vgg19_bn (no fixture).
   */
  @Test
  void vgg19BnStateDictFollowsTorchvisionIndices() {
    Map<String, Tensor> sd = Tensors.onDevice("meta", () -> Models.create("vgg19_bn").stateDict());
    List<String> expected = new ArrayList<>();
    int[] config = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0};
    int index = 0;
    for (int v : config) {
      if (v == 0) {
        index++;
        continue;
      }
      expected.add("features." + index + ".weight");
      expected.add("features." + index + ".bias");
      for (String b : List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked")) {
        expected.add("features." + (index + 1) + "." + b);
      }
      index += 3;
    }
    for (int i : new int[] {0, 3, 6}) {
      expected.add("classifier." + i + ".weight");
      expected.add("classifier." + i + ".bias");
    }
    assertEquals(expected, List.copyOf(sd.keySet()));
    assertArrayEquals(new long[] {512, 512, 3, 3}, Tensors.shape(sd.get("features.49.weight")));
    assertArrayEquals(new long[] {4096, 25088}, Tensors.shape(sd.get("classifier.0.weight")));
  }

  @Test
  void wrongChannelCountNamesTheFirstConvolution() {
    Tensors.onDevice("meta", () -> {
      for (String name : List.of("vgg11", "vgg16_bn")) {
        ImageClassifier m = Models.create(name);
        LayerException e = assertThrows(LayerException.class,
            () -> m.forward(Tensors.zeros(DType.FLOAT32, 2, 4, 224, 224)));
        assertEquals("features.0", e.layerPath());
        assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[2, 4, 224, 224]"),
            e.getMessage());
      }
      return null;
    });
  }

  @Test
  void featuresOnlyDropsTheClassProjection() {
    Tensors.onDevice("meta", () -> {
      ImageClassifier m = Models.create("vgg13", ModelOptions.defaults().featuresOnly());
      assertEquals(4096, m.numFeatures());
      assertTrue(m.stateDict().containsKey("classifier.3.weight"));
      assertTrue(m.stateDict().keySet().stream().noneMatch(k -> k.startsWith("classifier.6")));
      m.resetClassifier(37);
      assertArrayEquals(new long[] {37, 4096}, Tensors.shape(m.stateDict().get("classifier.6.weight")));
      return null;
    });
  }
}
