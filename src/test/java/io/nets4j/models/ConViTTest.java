package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ConViT.Config;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConViTTest {
  /** convit_tiny: the timm fixture's num_params; small and base: timm 1.0.29's configs (published 27.78M, 86.54M). */
  @ParameterizedTest
  @CsvSource({"convit_tiny, 5710512", "convit_small, 27777322", "convit_base, 86540040"})
  void parameterCountMatchesTimm(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  /** 2 GPSA blocks then 1 MHSA block, 4 heads of 8 channels, 8x8 patches of a 32x32 image (16 tokens). */
  private static ConViT tiny(ModelOptions options) {
    return new ConViT(new Config(8, 4, 3, 2, 1.0, 8), 32, options);
  }

  /**
   * The paper's local init: v is the identity and head h1 + 2 h2 of the 2x2 grid scores offset
   * (dx, dy) by 2 (h2 - 1/2) dx + 2 (h1 - 1/2) dy - (dx^2 + dy^2), times the locality strength.
   */
  @Test
  void gpsaLocalInit() {
    try (Scope s = Scope.open()) {
      ConViT m = tiny(ModelOptions.defaults());
      Map<String, Tensor> state = m.stateDict();
      Tensor v = state.get("blocks.1.attn.v.weight");
      assertEquals(0, Tensors.maxAbsDiff(v, torch.eye(32)), 0);
      float[] pos = Tensors.toFloatArray(state.get("blocks.0.attn.pos_proj.weight"));
      float[] expected = {-1, -1, -1, -1, 1, -1, 1, -1, -1, 1, 1, -1};
      assertArrayEquals(expected, pos, 0f);
      assertEquals(0, Tensors.maxAbs(state.get("blocks.0.attn.pos_proj.bias")), 0);
      assertEquals(0, Tensors.maxAbsDiff(state.get("blocks.0.attn.gating_param"), torch.ones(4)), 0);
      assertTrue(state.keySet().stream().noneMatch(k -> k.startsWith("blocks.2.attn.pos_proj")));
    }
  }

  /**
   * With the init's positional scores and a gate near 1, each GPSA head attends to its own
   * neighbour: with 9 heads (a 3x3 grid), head h1 + 3 h2 of a patch peaks at offset
   * (dy, dx) = (h1 - 1, h2 - 1).
   */
  @Test
  void initialPositionalAttentionIsLocal() {
    try (Scope s = Scope.open()) {
      ConViT m = new ConViT(new Config(4, 9, 1, 1, 1.0, 8), 40, ModelOptions.defaults());
      m.eval();
      try (NoGradGuard g = new NoGradGuard()) {
        m.stateDict().get("blocks.0.attn.gating_param").fill_(new org.bytedeco.pytorch.Scalar(20.0));
        m.stateDict().get("blocks.0.attn.pos_proj.weight").mul_(new org.bytedeco.pytorch.Scalar(5.0));
      }
      RecordsAttention.recordAll(m, true);
      m.forward(torch.randn(new long[] {1, 3, 40, 40}, Tensors.options(DType.FLOAT32)));
      Tensor attn = RecordsAttention.find(m).get("blocks.0.attn").lastAttention();
      assertArrayEquals(new long[] {1, 9, 25, 25}, Tensors.shape(attn));
      // the query is the centre patch (2, 2) of the 5x5 grid, token 12
      long[] argmax = Tensors.toLongArray(attn.select(0, 0).select(1, 12).argmax(new org.bytedeco.pytorch.LongOptional(1), false));
      long[] expected = new long[9];
      for (int h = 0; h < 9; h++) {
        expected[h] = (2 + h % 3 - 1) * 5 + (2 + h / 3 - 1);
      }
      assertArrayEquals(expected, argmax);
      assertTrue(attn.select(0, 0).select(1, 12).max().item_double() > 0.9);
    }
  }

  @Test
  void recordingMatchesFusedAttention() {
    try (Scope s = Scope.open()) {
      ConViT m = tiny(ModelOptions.defaults().withNumClasses(6));
      m.eval();
      m.to(DType.FLOAT64);
      try (NoGradGuard g = new NoGradGuard()) {
        // a mixed gate, so that both the content and the positional part matter
        m.stateDict().get("blocks.0.attn.gating_param").copy_(Tensors.fromDoubles(new double[] {-1, 0, 0.5, 2}, 4));
      }
      Tensor x = torch.randn(new long[] {2, 3, 32, 32}, Tensors.options(DType.FLOAT64));
      Tensor fused = m.forward(x);
      RecordsAttention.recordAll(m, true);
      Tensor explicit = m.forward(x);
      assertArrayEquals(new long[] {2, 6}, Tensors.shape(explicit));
      assertEquals(0, Tensors.maxAbsDiff(fused, explicit), 1e-12);

      Map<String, Tensor> maps = RecordsAttention.lastAttentions(m);
      assertEquals(List.of("blocks.0.attn", "blocks.1.attn", "blocks.2.attn"), List.copyOf(maps.keySet()));
      assertArrayEquals(new long[] {2, 4, 16, 16}, Tensors.shape(maps.get("blocks.1.attn")));
      assertArrayEquals(new long[] {2, 4, 17, 17}, Tensors.shape(maps.get("blocks.2.attn")));
      for (Tensor a : maps.values()) {
        Tensor sums = a.sum(new long[] {-1}, false, new ScalarTypeOptional());
        assertEquals(0, Tensors.maxAbsDiff(sums, torch.ones_like(sums)), 1e-12);
      }
      assertEquals("GPSA", ((io.nets4j.nn.Module) RecordsAttention.find(m).get("blocks.0.attn")).typeName());
      assertEquals("MHSA", ((io.nets4j.nn.Module) RecordsAttention.find(m).get("blocks.2.attn")).typeName());
    }
  }

  @Test
  void featuresOnlyAndResetClassifier() {
    try (Scope s = Scope.open()) {
      ConViT m = tiny(ModelOptions.defaults().featuresOnly());
      m.eval();
      Tensor x = torch.randn(new long[] {3, 3, 32, 32}, Tensors.options(DType.FLOAT32));
      assertArrayEquals(new long[] {3, 32}, Tensors.shape(m.forward(x)));
      assertArrayEquals(new long[] {3, 17, 32}, Tensors.shape(m.forwardFeatures(x)));
      m.resetClassifier(4);
      List<String> keys = List.copyOf(m.stateDict().keySet());
      assertEquals(List.of("head.weight", "head.bias"), keys.subList(keys.size() - 2, keys.size()));
      assertEquals(List.of("cls_token", "pos_embed", "patch_embed.proj.weight"), keys.subList(0, 3));
      assertArrayEquals(new long[] {3, 4}, Tensors.shape(m.forward(x)));
    }
  }

  @Test
  void trainsEndToEnd() {
    try (Scope s = Scope.open()) {
      // no stochastic depth: in this 3-block model, dropping the one class-attention branch for
      // both samples (1 time in 100) legitimately cuts every gradient path to the patch tokens
      ConViT m = tiny(ModelOptions.defaults().withNumClasses(3).withDropPathRate(0));
      m.train();
      Tensor loss = io.nets4j.nn.F.crossEntropy(m.forward(torch.randn(new long[] {2, 3, 32, 32},
          Tensors.options(DType.FLOAT32))), Tensors.fromLongs(new long[] {1, 2}));
      loss.backward();
      for (String p : List.of("blocks.0.attn.gating_param", "blocks.0.attn.pos_proj.weight", "cls_token")) {
        Tensor g = m.namedParameters().get(p).grad();
        assertTrue(g.defined() && Tensors.maxAbs(g) > 0, p);
      }
    }
  }

  @Test
  void wrongInputIsAClearError() {
    try (Scope s = Scope.open()) {
      ConViT m = tiny(ModelOptions.defaults());
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 48, 48)));
      assertTrue(e.getMessage().contains("expected input of shape [N, 3, 32, 32]") && e.getMessage().contains("[1, 3, 48, 48]"),
          e.getMessage());
    }
  }

  @Test
  void invalidConfigsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new Config(48, 6, 12, 10, 1.0, 16));
    assertThrows(IllegalArgumentException.class, () -> new Config(48, 4, 12, 13, 1.0, 16));
    assertThrows(IllegalArgumentException.class, () -> new ConViT(new Config(8, 4, 3, 2, 1.0, 8), 36, ModelOptions.defaults()));
  }
}
