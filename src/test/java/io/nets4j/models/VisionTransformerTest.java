package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.analysis.ModelSummary;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.RecordsAttention;
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

class VisionTransformerTest {
  /** A tiny ViT (patch 8, 2 layers, 2 heads, width 32) for 32 x 32 images: a 4 x 4 grid, 17 tokens. */
  private static final VisionTransformer.Config TINY = new VisionTransformer.Config(8, 2, 2, 32, 64);

  private static VisionTransformer tiny(int classes) {
    VisionTransformer m = new VisionTransformer(TINY, 32, ModelOptions.defaults().withNumClasses(classes));
    // torchvision zero-initialises the head; non-zero weights make the logits depend on the input
    try (NoGradGuard g = new NoGradGuard()) {
      m.stateDict().forEach((k, v) -> v.copy_(FillRule.tensor(k, Tensors.shape(v))));
    }
    return m;
  }

  private static Tensor image(int size) {
    return FillRule.input(new long[] {2, 3, size, size});
  }

  /** torchvision's documented parameter counts (at 224). */
  @ParameterizedTest
  @CsvSource({"vit_b_16, 86567656", "vit_b_32, 88224232", "vit_l_16, 304326632", "vit_l_32, 306535400",
      "vit_h_14, 632045800"})
  void parameterCountMatchesTorchvision(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  @Test
  void stateDictFollowsTorchvisionNames() {
    Map<String, Tensor> sd = Tensors.onDevice("meta", () -> Models.create("vit_b_16").stateDict());
    List<String> keys = List.copyOf(sd.keySet());
    assertEquals(152, keys.size());
    assertEquals(List.of("class_token", "conv_proj.weight", "conv_proj.bias", "encoder.pos_embedding",
        "encoder.layers.encoder_layer_0.ln_1.weight", "encoder.layers.encoder_layer_0.ln_1.bias",
        "encoder.layers.encoder_layer_0.self_attention.in_proj_weight",
        "encoder.layers.encoder_layer_0.self_attention.in_proj_bias",
        "encoder.layers.encoder_layer_0.self_attention.out_proj.weight",
        "encoder.layers.encoder_layer_0.self_attention.out_proj.bias",
        "encoder.layers.encoder_layer_0.ln_2.weight", "encoder.layers.encoder_layer_0.ln_2.bias",
        "encoder.layers.encoder_layer_0.mlp.0.weight", "encoder.layers.encoder_layer_0.mlp.0.bias",
        "encoder.layers.encoder_layer_0.mlp.3.weight", "encoder.layers.encoder_layer_0.mlp.3.bias"),
        keys.subList(0, 16));
    assertEquals(List.of("encoder.ln.weight", "encoder.ln.bias", "heads.head.weight", "heads.head.bias"),
        keys.subList(148, 152));
    assertArrayEquals(new long[] {1, 197, 768}, Tensors.shape(sd.get("encoder.pos_embedding")));
    assertArrayEquals(new long[] {2304, 768},
        Tensors.shape(sd.get("encoder.layers.encoder_layer_11.self_attention.in_proj_weight")));
  }

  /**
   * The resampling is bicubic (PyTorch's cubic convolution, A = -0.75, borders clamped) with
   * {@code align_corners=True}, checked against a direct computation of that definition.
   */
  @Test
  void interpolationIsBicubicWithAlignedCorners() {
    try (Scope s = Scope.open()) {
      int g = 4;
      int n = 7;
      int d = 3;
      Tensor pos = FillRule.tensor("pos", new long[] {1, 1 + g * g, d}).to(DType.FLOAT64.scalarType());
      Tensor out = VisionTransformer.interpolatePositionEmbedding(pos, n);
      assertArrayEquals(new long[] {1, 1 + n * n, d}, Tensors.shape(out));
      double[] in = Tensors.toDoubleArray(pos);
      double[] got = Tensors.toDoubleArray(out);
      for (int c = 0; c < d; c++) {
        assertEquals(in[c], got[c], 0.0, "class token entry is kept");
      }
      for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++) {
          for (int c = 0; c < d; c++) {
            double expected = 0;
            double sy = y * (g - 1.0) / (n - 1);
            double sx = x * (g - 1.0) / (n - 1);
            int y0 = (int) Math.floor(sy);
            int x0 = (int) Math.floor(sx);
            for (int i = -1; i <= 2; i++) {
              for (int j = -1; j <= 2; j++) {
                int yy = Math.min(Math.max(y0 + i, 0), g - 1);
                int xx = Math.min(Math.max(x0 + j, 0), g - 1);
                expected += cubic(sy - (y0 + i)) * cubic(sx - (x0 + j)) * in[(1 + yy * g + xx) * d + c];
              }
            }
            assertEquals(expected, got[(1 + y * n + x) * d + c], 1e-12, "grid (" + y + ", " + x + ") channel " + c);
          }
        }
      }
      assertSame(pos, VisionTransformer.interpolatePositionEmbedding(pos, g));
    }
  }

  /** PyTorch's cubic convolution kernel (Keys 1981) with A = -0.75. */
  private static double cubic(double t) {
    double a = -0.75;
    double x = Math.abs(t);
    if (x <= 1) {
      return ((a + 2) * x - (a + 3)) * x * x + 1;
    }
    return x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0;
  }

  /** Automatic resampling at another size computes what the permanently resized model computes. */
  @Test
  void otherResolutionAutomaticallyOrAfterResize() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      VisionTransformer m = tiny(5);
      m.eval();
      Tensor x48 = image(48);
      Tensor automatic = m.forward(x48);
      assertArrayEquals(new long[] {2, 5}, Tensors.shape(automatic));
      assertArrayEquals(new long[] {1, 17, 32}, Tensors.shape(m.stateDict().get("encoder.pos_embedding")));

      Tensor param = m.stateDict().get("encoder.pos_embedding");
      m.resizePositionEmbedding(48);
      assertEquals(48, m.imageSize());
      assertArrayEquals(new long[] {1, 37, 32}, Tensors.shape(m.stateDict().get("encoder.pos_embedding")));
      assertArrayEquals(new long[] {1, 37, 32}, Tensors.shape(param), "the parameter itself is resized");
      assertEquals(0.0, Tensors.maxAbsDiff(automatic, m.forward(x48)), 1e-6);
      // and the resized model still runs at its former size, resampling on the fly
      assertArrayEquals(new long[] {2, 5}, Tensors.shape(m.forward(image(32))));
    }
  }

  @Test
  void imageThatIsNotASquareOfPatchesIsRejected() {
    try (Scope s = Scope.open()) {
      VisionTransformer m = tiny(5);
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 32, 40)));
      assertTrue(e.getMessage().contains("square image whose side is a multiple of the patch size 8")
          && e.getMessage().contains("[1, 3, 32, 40]"), e.getMessage());
      e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 36, 36)));
      assertTrue(e.getMessage().contains("[1, 3, 36, 36]"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> m.resizePositionEmbedding(36));
    }
  }

  @Test
  void wrongChannelCountNamesThePatchEmbedding() {
    try (Scope s = Scope.open()) {
      VisionTransformer m = tiny(5);
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32)));
      assertEquals("conv_proj", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]"), e.getMessage());
    }
  }

  @Test
  void attentionWeightsOnRequest() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      VisionTransformer m = tiny(5);
      m.eval();
      m.to(DType.FLOAT64);
      Tensor x = image(32).to(DType.FLOAT64.scalarType());
      Tensor fused = m.forward(x);
      Map<String, Tensor> maps = AttentionMaps.of(m, x);
      assertEquals(List.of("encoder.layers.encoder_layer_0.self_attention",
          "encoder.layers.encoder_layer_1.self_attention"), List.copyOf(maps.keySet()));
      for (Tensor w : maps.values()) {
        assertArrayEquals(new long[] {2, 2, 17, 17}, Tensors.shape(w));
        Tensor rowSums = w.sum(new long[] {-1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
        assertEquals(0.0, Tensors.maxAbsDiff(rowSums, Tensors.ones(DType.FLOAT64, 2, 2, 17)), 1e-12);
      }
      // the explicit computation used while recording is the fused kernel's function
      RecordsAttention.recordAll(m, true);
      assertEquals(0.0, Tensors.maxAbsDiff(fused, m.forward(x)), 1e-12);
      RecordsAttention.recordAll(m, false);
      var attn = (RecordsAttention) m.namedModules().get("encoder.layers.encoder_layer_0.self_attention");
      assertFalse(attn.isRecordingAttention());
      assertNull(attn.lastAttention());
    }
  }

  /** The model summary counts every product, the packed in-projection and attention included. */
  @Test
  void summaryMacsOfTheTinyModel() {
    try (Scope s = Scope.open()) {
      long t = 17;
      long d = 32;
      long mlp = 64;
      long patches = 16L * d * 3 * 8 * 8;
      long block = t * d + t * 3 * d * d + 2 * t * t * d + t * d * d + t * d + 2 * t * d * mlp;
      long expected = patches + 2 * block + t * d + 5 * d;
      assertEquals(expected, ModelSummary.of(tiny(5), 1, 3, 32, 32).totals().macs());
    }
  }

  /** A kept map outlives the scope of the forward pass that made it. */
  @Test
  void recordedMapOutlivesTheForwardScope() {
    VisionTransformer m = tiny(5);
    m.eval();
    RecordsAttention.recordAll(m, true);
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      m.forward(image(32));
    }
    var attn = (RecordsAttention) m.namedModules().get("encoder.layers.encoder_layer_1.self_attention");
    try (Scope s = Scope.open()) {
      Tensor w = attn.lastAttention();
      assertArrayEquals(new long[] {2, 2, 17, 17}, Tensors.shape(w));
      assertEquals(2 * 2 * 17, w.sum().item_double(), 1e-3);
    }
  }

  @Test
  void featuresOnlyAndClassifierReset() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      VisionTransformer m = tiny(0);
      m.eval();
      assertArrayEquals(new long[] {2, 32}, Tensors.shape(m.forward(image(32))));
      assertTrue(m.stateDict().keySet().stream().noneMatch(k -> k.startsWith("heads.")));
      m.resetClassifier(7);
      List<String> keys = List.copyOf(m.stateDict().keySet());
      assertEquals(List.of("heads.head.weight", "heads.head.bias"), keys.subList(keys.size() - 2, keys.size()));
      assertArrayEquals(new long[] {2, 7}, Tensors.shape(m.forward(image(32))));
    }
  }
}
