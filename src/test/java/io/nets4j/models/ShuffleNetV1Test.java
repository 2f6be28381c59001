package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Conv2d;
import io.nets4j.nn.F;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Linear;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShuffleNetV1Test {
  /**
   * Multiply-accumulates of every convolution and linear layer of one forward pass, counted by
   * observing the layers: a convolution costs {@code (in / groups) * kh * kw} per output element,
   * a linear layer {@code in} per output element. Pooling, norms and activations are not counted,
   * as in the paper's FLOPs (multiply-adds).
   */
  static long macs(ImageClassifier model, int resolution) {
    long[] total = {0};
    Layer.ForwardObserver counter = (layer, input, output) -> {
      long perImage = output.numel() / output.size(0);
      if (layer instanceof Conv2d c) {
        total[0] += perImage * (c.inChannels() / c.spec().groups()) * c.spec().kernelH() * c.spec().kernelW();
      } else if (layer instanceof Linear l) {
        total[0] += perImage * l.inFeatures();
      }
    };
    model.eval();
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Layer.observe(counter, () -> model.forward(Tensors.zeros(DType.FLOAT32, 1, 3, resolution, resolution)));
    }
    return total[0];
  }

  /**
   * Complexity at 224x224 against the paper (Table 1: g = 1..8 at 1x; Table 2: 0.5x g = 3) and the
   * authors' README (0.5x-2x for g = 3 and 8), in MFLOPs = millions of multiply-adds. The paper
   * rounds loosely (it lists 1x g = 3 as 137 in Table 1 and as "140 MFLOPs" elsewhere), so the
   * measured value must be within 2% of the published one.
   */
  @ParameterizedTest
  @CsvSource({
      "shufflenet_v1_x1_0_g1, 143", "shufflenet_v1_x1_0_g2, 140", "shufflenet_v1_x1_0_g3, 137",
      "shufflenet_v1_x1_0_g4, 133", "shufflenet_v1_x1_0_g8, 137",
      "shufflenet_v1_x0_5_g3, 38", "shufflenet_v1_x1_5_g3, 292", "shufflenet_v1_x2_0_g3, 524",
      "shufflenet_v1_x0_5_g8, 40", "shufflenet_v1_x1_5_g8, 290", "shufflenet_v1_x2_0_g8, 522"})
  void complexityMatchesThePaper(String name, double publishedMflops) {
    double measured;
    try (Scope s = Scope.open()) {
      measured = macs(Models.create(name), 224) / 1e6;
    }
    System.out.printf(Locale.ROOT, "%-24s %8.1f MMACs measured, %5.0f published (%+.1f%%)%n", name, measured,
        publishedMflops, 100 * (measured / publishedMflops - 1));
    assertEquals(publishedMflops, measured, 0.02 * publishedMflops, name);
  }

  /**
   * Exact counts of the layers of paper Table 1 with the widths of the config table (conv and BN
   * weights, classifier without bias); the authors' README lists them rounded: 1.9M (1x g=3),
   * 2.4M (1x g=8), 0.7M / 1.0M (0.5x), 3.4M / 4.3M (1.5x), 5.4M / 6.5M (2x).
   */
  @ParameterizedTest
  @CsvSource({
      "shufflenet_v1_x1_0_g1, 1530936", "shufflenet_v1_x1_0_g2, 1732848", "shufflenet_v1_x1_0_g3, 1864728",
      "shufflenet_v1_x1_0_g4, 1967344", "shufflenet_v1_x1_0_g8, 2433768",
      "shufflenet_v1_x0_5_g3, 717324", "shufflenet_v1_x1_5_g3, 3441168", "shufflenet_v1_x2_0_g3, 5449776",
      "shufflenet_v1_x0_5_g8, 1010448", "shufflenet_v1_x1_5_g8, 4268952", "shufflenet_v1_x2_0_g8, 6521232"})
  void parameterCount(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  @Test
  void onlyTheFirstPointwiseConvolutionOfStage2IsDense() {
    Map<String, Tensor> state = Tensors.onDevice("meta", () -> Models.create("shufflenet_v1_x1_0_g3").stateDict());
    // 24 -> 60 dense, then 60 -> 216 (240 - 24 concatenated from the pooled input) in 3 groups
    assertArrayEquals(new long[] {60, 24, 1, 1}, Tensors.shape(state.get("features.0.branch_main_1.0.weight")));
    assertArrayEquals(new long[] {216, 20, 1, 1}, Tensors.shape(state.get("features.0.branch_main_2.0.weight")));
    assertArrayEquals(new long[] {60, 80, 1, 1}, Tensors.shape(state.get("features.1.branch_main_1.0.weight")));
    assertArrayEquals(new long[] {120, 80, 1, 1}, Tensors.shape(state.get("features.4.branch_main_1.0.weight")));
    assertArrayEquals(new long[] {1000, 960}, Tensors.shape(state.get("classifier.0.weight")));
  }

  /**
   * The shuffle of the authors' code (view channels as a (C/g, g) grid, transpose) is libtorch's
   * channel shuffle with C/g groups: channel {@code a*g + b} moves to {@code b*(C/g) + a}.
   */
  @Test
  void shuffleIsTheAuthorsPermutation() {
    try (Scope s = Scope.open()) {
      int c = 12;
      int g = 3;
      float[] values = new float[c];
      for (int i = 0; i < c; i++) {
        values[i] = i;
      }
      float[] shuffled = Tensors.toFloatArray(F.channelShuffle(Tensors.fromFloats(values, 1, c, 1, 1), c / g));
      for (int a = 0; a < c / g; a++) {
        for (int b = 0; b < g; b++) {
          assertEquals(a * g + b, shuffled[b * (c / g) + a]);
        }
      }
    }
  }

  @Test
  void stride2UnitsConcatenateAndHalve() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("shufflenet_v1_x0_5_g8", ModelOptions.defaults().featuresOnly());
      m.eval();
      Tensor x = Tensors.zeros(DType.FLOAT32, 2, 3, 64, 64);
      assertArrayEquals(new long[] {2, 768, 2, 2}, Tensors.shape(m.forwardFeatures(x)));
      assertArrayEquals(new long[] {2, 768}, Tensors.shape(m.forward(x)));
    }
  }

  @Test
  void wrongChannelCountNamesTheStem() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("shufflenet_v1_x0_5_g3");
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32)));
      assertEquals("first_conv.0", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]"), e.getMessage());
    }
  }

  @Test
  void widthsThatDoNotFitTheGroupsAreRejected() {
    // 0.5x of the g=4 widths: a bottleneck of 34 channels cannot be split in 4 groups
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ShuffleNetV1.Config(4, 12, new int[] {136, 272, 544}));
    assertTrue(e.getMessage().startsWith("stage2 width 136 does not fit g=4"), e.getMessage());
  }
}
