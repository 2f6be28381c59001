package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

class CvTTest {
  /**
   * Exact counts of this implementation, and the paper's (Table 2: 20M and 32M), which they must
   * match within 2%.
   */
  @ParameterizedTest
  @CsvSource({"cvt_13, 19997480, 20e6", "cvt_21, 31622696, 32e6"})
  void parameterCountMatchesThePaper(String name, long exact, double paper) {
    long n = Models.parameterCount(name);
    assertEquals(exact, n);
    assertEquals(paper, n, 0.02 * paper);
  }

  /**
   * MACs at 224 x 224 against the paper's FLOPs (Table 2: 4.5G and 7.1G), within 2%; see
   * {@link TransformerMacs} for what is counted.
   */
  @ParameterizedTest
  @CsvSource({"cvt_13, 4.5e9", "cvt_21, 7.1e9"})
  void macsMatchThePaper(String name, double paper) {
    try (Scope s = Scope.open()) {
      TransformerMacs.Macs macs = TransformerMacs.count(Models.create(name), 224);
      assertEquals(paper, macs.paperConvention(), 0.02 * paper, "layers " + macs.layers() + " + attention " + macs.attention());
      assertTrue(macs.attention() > 0.05 * macs.paperConvention(), "attention matmuls counted: " + macs.attention());
    }
  }

  @Test
  void stateDictFollowsTheOfficialNames() {
    Map<String, Tensor> sd = Tensors.onDevice("meta", () -> Models.create("cvt_13").stateDict());
    List<String> keys = List.copyOf(sd.keySet());
    assertEquals(List.of("stage0.patch_embed.proj.weight", "stage0.patch_embed.proj.bias",
        "stage0.patch_embed.norm.weight", "stage0.patch_embed.norm.bias",
        "stage0.blocks.0.norm1.weight", "stage0.blocks.0.norm1.bias",
        "stage0.blocks.0.attn.conv_proj_q.conv.weight", "stage0.blocks.0.attn.conv_proj_q.bn.weight",
        "stage0.blocks.0.attn.conv_proj_q.bn.bias", "stage0.blocks.0.attn.conv_proj_q.bn.running_mean",
        "stage0.blocks.0.attn.conv_proj_q.bn.running_var", "stage0.blocks.0.attn.conv_proj_q.bn.num_batches_tracked",
        "stage0.blocks.0.attn.conv_proj_k.conv.weight"), keys.subList(0, 13));
    int i = keys.indexOf("stage0.blocks.0.attn.proj_q.weight");
    assertEquals(List.of("stage0.blocks.0.attn.proj_q.weight", "stage0.blocks.0.attn.proj_q.bias",
        "stage0.blocks.0.attn.proj_k.weight", "stage0.blocks.0.attn.proj_k.bias",
        "stage0.blocks.0.attn.proj_v.weight", "stage0.blocks.0.attn.proj_v.bias",
        "stage0.blocks.0.attn.proj.weight", "stage0.blocks.0.attn.proj.bias",
        "stage0.blocks.0.norm2.weight", "stage0.blocks.0.norm2.bias",
        "stage0.blocks.0.mlp.fc1.weight", "stage0.blocks.0.mlp.fc1.bias",
        "stage0.blocks.0.mlp.fc2.weight", "stage0.blocks.0.mlp.fc2.bias",
        "stage1.patch_embed.proj.weight"), keys.subList(i, i + 15));
    int c = keys.indexOf("stage2.cls_token");
    assertEquals("stage2.patch_embed.proj.weight", keys.get(c + 1));
    assertEquals(List.of("stage2.blocks.9.mlp.fc2.bias", "norm.weight", "norm.bias", "head.weight", "head.bias"),
        keys.subList(keys.size() - 5, keys.size()));
    assertArrayEquals(new long[] {192, 64, 3, 3}, Tensors.shape(sd.get("stage1.patch_embed.proj.weight")));
    assertArrayEquals(new long[] {384, 1, 3, 3}, Tensors.shape(sd.get("stage2.blocks.0.attn.conv_proj_v.conv.weight")));
    assertArrayEquals(new long[] {1, 1, 384}, Tensors.shape(sd.get("stage2.cls_token")));
    assertFalse(keys.stream().anyMatch(k -> k.contains("pos_embed") || k.startsWith("stage0.cls_token")
        || k.startsWith("stage1.cls_token")));
  }

  /** The official layout at widths 16, 32, 48 and depths 1, 1, 2. */
  private static final CvT.Config TINY = new CvT.Config(List.of(
      new CvT.Stage(7, 4, 2, 16, 1, 1, 0.0, false),
      new CvT.Stage(3, 2, 1, 32, 1, 2, 0.0, false),
      new CvT.Stage(3, 2, 1, 48, 2, 3, 0.1, true)));

  /**
   * At 64 x 64 the stages see 16x16, 8x8 and 4x4 maps; keys and values are subsampled by 2; the
   * last stage adds the class token to both.
   */
  @Test
  void attentionMapsAndTheFusedKernelAgree() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      CvT m = new CvT(TINY, ModelOptions.defaults().withNumClasses(10));
      m.eval();
      m.to(DType.FLOAT64);
      m.stateDict().forEach((k, v) -> {
        if (v.is_floating_point()) {
          v.copy_(FillRule.tensor(k, Tensors.shape(v)));
        }
      });
      Tensor x = FillRule.input(new long[] {2, 3, 64, 64}).to(DType.FLOAT64.scalarType());
      Tensor fused = m.forward(x);
      assertArrayEquals(new long[] {2, 10}, Tensors.shape(fused));
      Map<String, Tensor> maps = AttentionMaps.of(m, x);
      assertEquals(List.of("stage0.blocks.0.attn", "stage1.blocks.0.attn", "stage2.blocks.0.attn",
          "stage2.blocks.1.attn"), List.copyOf(maps.keySet()));
      assertArrayEquals(new long[] {2, 1, 256, 64}, Tensors.shape(maps.get("stage0.blocks.0.attn")));
      assertArrayEquals(new long[] {2, 2, 64, 16}, Tensors.shape(maps.get("stage1.blocks.0.attn")));
      assertArrayEquals(new long[] {2, 3, 17, 5}, Tensors.shape(maps.get("stage2.blocks.1.attn")));
      RecordsAttention.recordAll(m, true);
      assertEquals(0.0, Tensors.maxAbsDiff(fused, m.forward(x)), 1e-12);
    }
  }

  /** The model summary sees the attention products too (reported through {@code nn.MacCounter}). */
  @Test
  void summaryCountsTheAttentionProducts() {
    try (Scope s = Scope.open()) {
      CvT m = new CvT(TINY, ModelOptions.defaults());
      TransformerMacs.Macs macs = TransformerMacs.count(m, 1, 3, 64, 48);
      assertEquals(macs.layers() + macs.attention() + macs.norms(), ModelSummary.of(m, 1, 3, 64, 48).totals().macs());
    }
  }

  /** Without a position embedding any size works, non-square and odd ones included. */
  @Test
  void anyInputSize() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      CvT m = new CvT(TINY, ModelOptions.defaults().featuresOnly());
      m.eval();
      assertArrayEquals(new long[] {1, 48}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 45, 70))));
      // 45x70 -> 11x17 -> 6x9 -> 3x5 tokens, plus the class token
      assertArrayEquals(new long[] {1, 16, 48}, Tensors.shape(m.forwardFeatures(Tensors.zeros(DType.FLOAT32, 1, 3, 45, 70))));
    }
  }

  @Test
  void quickGeluIsTheSigmoidApproximation() {
    try (Scope s = Scope.open()) {
      Tensor x = Tensors.fromDoubles(new double[] {-2, 0, 1}, 3);
      double[] y = Tensors.toDoubleArray(new CvT.QuickGelu().forward(x));
      assertArrayEquals(new double[] {-2 / (1 + Math.exp(3.404)), 0, 1 / (1 + Math.exp(-1.702))}, y, 1e-15);
    }
  }

  @Test
  void wrongChannelCountNamesTheTokenEmbedding() {
    try (Scope s = Scope.open()) {
      CvT m = new CvT(TINY, ModelOptions.defaults());
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32)));
      assertEquals("stage0.patch_embed.proj", e.layerPath());
      assertTrue(e.getMessage().contains("[N, 3, H, W]"), e.getMessage());
    }
  }

  @Test
  void attentionRejectsTokensThatDoNotFitTheMap() {
    try (Scope s = Scope.open()) {
      CvT.Stage spec = new CvT.Stage(3, 2, 1, 8, 1, 2, 0, true);
      CvT.Attention attn = new CvT.Attention(spec, 0);
      LayerException e = assertThrows(LayerException.class,
          () -> attn.forward(Tensors.zeros(DType.FLOAT32, 1, 16, 8), 4, 4));
      assertTrue(e.getMessage().contains("expected tokens [N, 17, 8] for a 4x4 map and a class token, got [1, 16, 8]"),
          e.getMessage());
    }
  }
}
