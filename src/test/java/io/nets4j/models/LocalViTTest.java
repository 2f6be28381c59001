package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.analysis.ModelSummary;
import io.nets4j.nn.Layer;
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

class LocalViTTest {
  /** Width 16, 2 blocks, 2 heads, feed-forward width 64, SE to 16; 48 x 48 images: a 3 x 3 grid, 10 tokens. */
  private static final LocalViT.Config TINY = new LocalViT.Config(16, 2, 2, 4, 4);

  private static LocalViT tiny(int classes) {
    LocalViT m = new LocalViT(TINY, 48, ModelOptions.defaults().withNumClasses(classes));
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

  /** Exact counts of the official models, and the paper's (Table 3: 5.9M and 22.4M) within 2%. */
  @ParameterizedTest
  @CsvSource({"localvit_tiny_mlp4_act3_r192, 5908696, 5.9e6", "localvit_small_mlp4_act3_r384, 22433176, 22.4e6"})
  void parameterCountMatchesThePaper(String name, long exact, double paper) {
    long n = Models.parameterCount(name);
    assertEquals(exact, n);
    assertEquals(paper, n, 0.02 * paper);
  }

  @Test
  void stateDictFollowsTheOfficialNames() {
    Map<String, Tensor> sd = Tensors.onDevice("meta", () -> Models.create("localvit_tiny_mlp4_act3_r192").stateDict());
    List<String> keys = List.copyOf(sd.keySet());
    assertEquals(List.of("cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias",
        "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
        "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias", "blocks.0.conv.conv.0.weight",
        "blocks.0.conv.conv.1.weight", "blocks.0.conv.conv.1.bias", "blocks.0.conv.conv.1.running_mean",
        "blocks.0.conv.conv.1.running_var", "blocks.0.conv.conv.1.num_batches_tracked",
        "blocks.0.conv.conv.3.weight", "blocks.0.conv.conv.4.weight"), keys.subList(0, 18));
    int se = keys.indexOf("blocks.0.conv.conv.6.fc.0.weight");
    assertEquals(List.of("blocks.0.conv.conv.6.fc.0.weight", "blocks.0.conv.conv.6.fc.0.bias",
        "blocks.0.conv.conv.6.fc.2.weight", "blocks.0.conv.conv.6.fc.2.bias", "blocks.0.conv.conv.7.weight",
        "blocks.0.conv.conv.8.weight"), keys.subList(se, se + 6));
    assertEquals(List.of("norm.weight", "norm.bias", "head.weight", "head.bias"), keys.subList(keys.size() - 4, keys.size()));
    assertArrayEquals(new long[] {1, 197, 192}, Tensors.shape(sd.get("pos_embed")));
    assertArrayEquals(new long[] {768, 192, 1, 1}, Tensors.shape(sd.get("blocks.11.conv.conv.0.weight")));
    assertArrayEquals(new long[] {768, 1, 3, 3}, Tensors.shape(sd.get("blocks.11.conv.conv.3.weight")));
    assertArrayEquals(new long[] {4, 768}, Tensors.shape(sd.get("blocks.11.conv.conv.6.fc.0.weight")));
    assertTrue(keys.stream().noneMatch(k -> k.contains("norm2") || k.contains("mlp")));
  }

  /** The class token gets the attention update only; the patch tokens also the feed-forward network. */
  @Test
  void classTokenBypassesTheFeedForwardNetwork() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      LocalViT m = tiny(5);
      Layer block = (Layer) m.namedModules().get("blocks.0");
      Layer norm1 = (Layer) m.namedModules().get("blocks.0.norm1");
      Layer attn = (Layer) m.namedModules().get("blocks.0.attn");
      Tensor x = FillRule.tensor("tokens", new long[] {2, 10, 16}).mul(new org.bytedeco.pytorch.Scalar(10.0));
      Tensor afterAttention = x.add(attn.forward(norm1.forward(x)));
      Tensor y = block.forward(x);
      assertEquals(0.0, Tensors.maxAbsDiff(y.narrow(1, 0, 1), afterAttention.narrow(1, 0, 1)), 1e-6);
      assertTrue(Tensors.maxAbsDiff(y.narrow(1, 1, 9), afterAttention.narrow(1, 1, 9)) > 1e-2);
    }
  }

  @Test
  void attentionMapsAndTheFusedKernelAgree() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      LocalViT m = tiny(5);
      m.to(DType.FLOAT64);
      Tensor x = FillRule.input(new long[] {2, 3, 48, 48}).to(DType.FLOAT64.scalarType());
      Tensor fused = m.forward(x);
      assertArrayEquals(new long[] {2, 5}, Tensors.shape(fused));
      Map<String, Tensor> maps = AttentionMaps.of(m, x);
      assertEquals(List.of("blocks.0.attn", "blocks.1.attn"), List.copyOf(maps.keySet()));
      assertArrayEquals(new long[] {2, 2, 10, 10}, Tensors.shape(maps.get("blocks.1.attn")));
      RecordsAttention.recordAll(m, true);
      assertEquals(0.0, Tensors.maxAbsDiff(fused, m.forward(x)), 1e-12);
    }
  }

  /** The model summary sees the attention products too (reported through {@code nn.MacCounter}). */
  @Test
  void summaryCountsTheAttentionProducts() {
    try (Scope s = Scope.open()) {
      LocalViT m = tiny(5);
      TransformerMacs.Macs macs = TransformerMacs.count(m, 48);
      assertEquals(2 * (2L * 10 * 10 * 16), macs.attention());
      assertEquals(macs.layers() + macs.attention() + macs.norms(), ModelSummary.of(m, 1, 3, 48, 48).totals().macs());
    }
  }

  @Test
  void otherImageSizeIsRejectedClearly() {
    try (Scope s = Scope.open()) {
      LocalViT m = tiny(5);
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 64, 64)));
      assertTrue(e.getMessage().contains("expected 48x48 images") && e.getMessage().contains("[1, 3, 64, 64]"),
          e.getMessage());
      e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 48, 48)));
      assertEquals("patch_embed.proj", e.layerPath());
    }
  }

  @Test
  void featuresOnly() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      LocalViT m = tiny(0);
      assertArrayEquals(new long[] {2, 16}, Tensors.shape(m.forward(FillRule.input(new long[] {2, 3, 48, 48}))));
      assertTrue(m.stateDict().keySet().stream().noneMatch(k -> k.startsWith("head.")));
    }
  }
}
