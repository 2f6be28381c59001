package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.analysis.ModelSummary;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.nn.StochasticDepth;
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

class SwinTransformerTest {
  /** Width 16, two blocks per stage, windows of 4 x 4: at 32 x 32 the first stage is 8 x 8 = 2 x 2 windows. */
  private static final SwinTransformer.Config TINY =
      new SwinTransformer.Config(16, new int[] {2, 2, 2, 2}, new int[] {1, 2, 2, 4}, 4, 0.1);

  private static SwinTransformer tiny(int classes) {
    SwinTransformer m = new SwinTransformer(TINY, ModelOptions.defaults().withNumClasses(classes));
    try (NoGradGuard g = new NoGradGuard()) {
      m.stateDict().forEach((k, v) -> {
        if (v.is_floating_point()) {
          v.copy_(FillRule.tensor(k, Tensors.shape(v)));
        }
      });
    }
    m.eval();
    return m;
  }

  private static Tensor image(int size) {
    return FillRule.input(new long[] {2, 3, size, size});
  }

  /** torchvision's documented parameter counts. */
  @ParameterizedTest
  @CsvSource({"swin_t, 28288354", "swin_s, 49606258", "swin_b, 87768224"})
  void parameterCountMatchesTorchvision(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  @Test
  void relativePositionIndexIsAnInt64BufferInTheStateDict() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("swin_t");
      Map<String, Tensor> sd = m.stateDict();
      Tensor index = sd.get("features.5.3.attn.relative_position_index");
      assertEquals(DType.INT64, Tensors.dtype(index));
      assertArrayEquals(new long[] {2401}, Tensors.shape(index));
      assertArrayEquals(new long[] {169, 12}, Tensors.shape(sd.get("features.5.3.attn.relative_position_bias_table")));
      List<String> keys = List.copyOf(sd.keySet());
      int t = keys.indexOf("features.1.0.attn.relative_position_bias_table");
      assertEquals(List.of("features.1.0.attn.relative_position_bias_table", "features.1.0.attn.relative_position_index",
          "features.1.0.attn.qkv.weight"), keys.subList(t, t + 3));
      long[] idx = Tensors.toLongArray(index);
      // token pairs (i, j) of a 7 x 7 window; the offset (dy, dx) in [-6, 6]^2 selects row (dy+6)*13 + (dx+6)
      assertEquals(84, idx[0]);
      assertEquals(0, idx[48]);
      assertEquals(168, idx[48 * 49]);
      assertEquals((1 - 0 + 6) * 13 + (3 - 5 + 6), idx[(7 + 3) * 49 + 5]);
      for (int i = 0; i < 49; i++) {
        for (int j = 0; j < 49; j++) {
          assertEquals(168, idx[i * 49 + j] + idx[j * 49 + i]);
        }
      }
      m.to(DType.FLOAT64);
      assertEquals(DType.INT64, Tensors.dtype(index));
      assertEquals(DType.FLOAT64, Tensors.dtype(sd.get("features.5.3.attn.relative_position_bias_table")));
    }
  }

  /** Stochastic depth grows linearly over the 12 blocks of swin_t, from 0 to 0.2. */
  @Test
  void stochasticDepthGrowsWithBlockIndex() {
    Tensors.onDevice("meta", () -> {
      var modules = Models.create("swin_t").namedModules();
      assertEquals(0.0, ((StochasticDepth) modules.get("features.1.0.stochastic_depth")).p());
      assertEquals(0.2 * 3 / 11, ((StochasticDepth) modules.get("features.3.1.stochastic_depth")).p(), 1e-15);
      assertEquals(0.2, ((StochasticDepth) modules.get("features.7.1.stochastic_depth")).p(), 1e-15);
      return null;
    });
  }

  /**
   * In the shifted block, a window that the cyclic shift assembled from four regions of the map
   * attends only within each region; unshifted windows attend everywhere.
   */
  @Test
  void shiftedWindowsMaskTokensFromOtherRegions() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      SwinTransformer m = tiny(5);
      Map<String, Tensor> maps = AttentionMaps.of(m, image(32));
      assertEquals(8, maps.size());
      Tensor plain = maps.get("features.1.0.attn");
      Tensor shifted = maps.get("features.1.1.attn");
      assertArrayEquals(new long[] {2, 4, 1, 16, 16}, Tensors.shape(shifted));
      assertTrue(plain.min().item_double() > 0);
      // window 0 lies inside one region; window 3 (bottom right, rows and columns 4..7 of the
      // shifted 8 x 8 map) takes rows/columns 4-5 and 6-7 from different places
      assertTrue(shifted.select(1, 0).min().item_double() > 0);
      float[] w3 = Tensors.toFloatArray(shifted.select(0, 0).select(0, 3).select(0, 0));
      for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) {
          double w = w3[i * 16 + j];
          if (region(i) == region(j)) {
            assertTrue(w > 1e-6, "same region " + i + "," + j + ": " + w);
          } else {
            assertTrue(w < 1e-30, "different regions " + i + "," + j + ": " + w);
          }
        }
      }
    }
  }

  private static int region(int token) {
    int row = 4 + token / 4;
    int col = 4 + token % 4;
    return (row < 6 ? 0 : 2) + (col < 6 ? 0 : 1);
  }

  /**
   * At 44 x 44 the stage maps are 11, 6, 3 and 2 tokens wide: padded windows, shifted and
   * unshifted; the explicit computation used while recording matches the fused kernel.
   */
  @Test
  void paddedMapsAndRecordingGiveTheSameFunction() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      SwinTransformer m = tiny(5);
      m.to(DType.FLOAT64);
      Tensor x = image(44).to(DType.FLOAT64.scalarType());
      Tensor fused = m.forward(x);
      assertArrayEquals(new long[] {2, 5}, Tensors.shape(fused));
      Map<String, Tensor> maps = AttentionMaps.of(m, x);
      assertArrayEquals(new long[] {2, 9, 1, 16, 16}, Tensors.shape(maps.get("features.1.1.attn")));
      assertArrayEquals(new long[] {2, 4, 2, 16, 16}, Tensors.shape(maps.get("features.3.1.attn")));
      assertArrayEquals(new long[] {2, 1, 4, 16, 16}, Tensors.shape(maps.get("features.7.1.attn")));
      RecordsAttention.recordAll(m, true);
      assertEquals(0.0, Tensors.maxAbsDiff(fused, m.forward(x)), 1e-12);
    }
  }

  /** The model summary sees the window-attention products too (reported through {@code nn.MacCounter}). */
  @Test
  void summaryCountsTheAttentionProducts() {
    try (Scope s = Scope.open()) {
      SwinTransformer m = tiny(5);
      TransformerMacs.Macs macs = TransformerMacs.count(m, 44);
      assertTrue(macs.attention() > 0);
      assertEquals(macs.layers() + macs.attention() + macs.norms(), ModelSummary.of(m, 1, 3, 44, 44).totals().macs());
    }
  }

  /** Whether a block shifts is decided per call: a small input first does not change later results. */
  @Test
  void smallInputDoesNotDisableShiftingForLaterInputs() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      SwinTransformer fresh = tiny(5);
      SwinTransformer used = tiny(5);
      used.forward(image(16));
      assertEquals(0.0, Tensors.maxAbsDiff(fresh.forward(image(32)), used.forward(image(32))), 0.0);
    }
  }

  @Test
  void featuresAndClassifier() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      SwinTransformer m = tiny(0);
      assertArrayEquals(new long[] {2, 128, 1, 1}, Tensors.shape(m.forwardFeatures(image(32))));
      assertArrayEquals(new long[] {2, 128}, Tensors.shape(m.forward(image(32))));
      m.resetClassifier(3);
      List<String> keys = List.copyOf(m.stateDict().keySet());
      assertEquals(List.of("head.weight", "head.bias"), keys.subList(keys.size() - 2, keys.size()));
      assertArrayEquals(new long[] {2, 3}, Tensors.shape(m.forward(image(32))));
    }
  }

  @Test
  void wrongChannelCountNamesThePatchConvolution() {
    try (Scope s = Scope.open()) {
      SwinTransformer m = tiny(5);
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 4, 32, 32)));
      assertEquals("features.0.0", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[1, 4, 32, 32]"), e.getMessage());
    }
  }
}
