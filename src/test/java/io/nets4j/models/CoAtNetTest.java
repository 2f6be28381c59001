package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.CoAtNet.Act;
import io.nets4j.models.CoAtNet.Config;
import io.nets4j.models.CoAtNet.MbConvConfig;
import io.nets4j.models.CoAtNet.TransformerConfig;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CoAtNetTest {
  private static final MbConvConfig RW_CONV = new MbConvConfig(Act.SILU, true, false, false, true, true, Act.RELU);
  private static final MbConvConfig PAPER_CONV = new MbConvConfig(Act.GELU, false, true, true, false, false, Act.SILU);

  /**
   * coatnet_0_rw_224: the timm fixture's num_params. coatnet_0_224 / coatnet_1_224 (untrained in
   * timm): counted from timm 1.0.29's configs, matching timm's published 25.04M and 42.23M.
   */
  @ParameterizedTest
  @CsvSource({"coatnet_0_rw_224, 27435562", "coatnet_0_224, 25036820", "coatnet_1_224, 42225776"})
  void parameterCountMatchesTimm(String name, long expected) {
    assertEquals(expected, Models.parameterCount(name));
  }

  /** The paper-style variants' layout: SE after the norm, output biases, pre-logits head (timm names). */
  @Test
  void paperVariantStateDictLayout() {
    List<String> keys = Tensors.onDevice("meta", () -> List.copyOf(Models.create("coatnet_0_224").stateDict().keySet()));
    assertEquals("stem.conv1.weight", keys.get(0));
    assertTrue(keys.containsAll(List.of("stages.0.blocks.0.shortcut.expand.bias", "stages.0.blocks.0.se.fc1.weight",
        "stages.0.blocks.0.conv3_1x1.bias", "stages.2.blocks.0.attn.rel_pos.relative_position_bias_table",
        "head.norm.weight", "head.pre_logits.fc.weight")), keys.toString());
    assertTrue(keys.stream().noneMatch(k -> k.contains("se_early") || k.startsWith("norm.")
        || k.endsWith("relative_position_index")), keys.toString());
    assertEquals(List.of("head.norm.weight", "head.norm.bias", "head.pre_logits.fc.weight", "head.pre_logits.fc.bias",
        "head.fc.weight", "head.fc.bias"), keys.subList(keys.size() - 6, keys.size()));
  }

  private static CoAtNet tiny(MbConvConfig conv, TransformerConfig t, int headHidden, ModelOptions options) {
    Config c = new Config(new int[] {16, 32, 64, 64}, new int[] {1, 2, 2, 1}, new int[] {8, 16}, conv, t, headHidden);
    return new CoAtNet(c, 64, options);
  }

  /** The explicit (recording) attention and the fused path compute the same function. */
  @Test
  void recordingMatchesFusedAttention() {
    for (boolean paper : new boolean[] {false, true}) {
      try (Scope s = Scope.open()) {
        CoAtNet m = paper
            ? tiny(PAPER_CONV, new TransformerConfig(true, true), 48, ModelOptions.defaults().withNumClasses(5))
            : tiny(RW_CONV, new TransformerConfig(false, false), 0, ModelOptions.defaults().withNumClasses(5));
        m.eval();
        m.to(DType.FLOAT64);
        Tensor x = torch.randn(new long[] {2, 3, 64, 64}, Tensors.options(DType.FLOAT64));
        Tensor fused = m.forward(x);
        assertTrue(RecordsAttention.lastAttentions(m).isEmpty());
        RecordsAttention.recordAll(m, true);
        Tensor explicit = m.forward(x);
        assertEquals(0, Tensors.maxAbsDiff(fused, explicit), 1e-12);
        assertArrayEquals(new long[] {2, 5}, Tensors.shape(explicit));

        Map<String, Tensor> maps = RecordsAttention.lastAttentions(m);
        assertEquals(List.of("stages.2.blocks.0.attn", "stages.2.blocks.1.attn", "stages.3.blocks.0.attn"),
            List.copyOf(maps.keySet()));
        // stage 2 runs on 4x4 maps (64 / 2 / 2 / 2 / 2), stage 3 on 2x2; 2 heads of 32 channels
        int stage2Heads = paper ? 2 : 1;
        assertArrayEquals(new long[] {2, stage2Heads, 16, 16}, Tensors.shape(maps.get("stages.2.blocks.0.attn")));
        assertArrayEquals(new long[] {2, 2, 4, 4}, Tensors.shape(maps.get("stages.3.blocks.0.attn")));
        Tensor rowSums = maps.get("stages.2.blocks.1.attn").sum(new long[] {-1}, false,
            new org.bytedeco.pytorch.ScalarTypeOptional());
        assertEquals(0, Tensors.maxAbsDiff(rowSums, torch.ones_like(rowSums)), 1e-12);

        RecordsAttention.recordAll(m, false);
        assertNull(RecordsAttention.find(m).get("stages.3.blocks.0.attn").lastAttention());
      }
    }
  }

  /** Without content (q = k = 0), attention is the softmax of the relative-position bias alone. */
  @Test
  void relativePositionBiasIsIndexedByOffset() {
    try (Scope s = Scope.open()) {
      CoAtNet m = tiny(RW_CONV, new TransformerConfig(false, false), 0, ModelOptions.defaults());
      m.eval();
      Map<String, Tensor> state = m.stateDict();
      Tensor qkvWeight = state.get("stages.3.blocks.0.attn.qkv.weight");
      Tensor qkvBias = state.get("stages.3.blocks.0.attn.qkv.bias");
      Tensor table = state.get("stages.3.blocks.0.attn.rel_pos.relative_position_bias_table");
      assertArrayEquals(new long[] {9, 2}, Tensors.shape(table)); // (2*2-1)^2 offsets, 2 heads
      try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
        qkvWeight.zero_();
        qkvBias.zero_();
        float[] values = new float[18];
        for (int i = 0; i < 18; i++) {
          values[i] = i * 0.1f;
        }
        table.copy_(Tensors.fromFloats(values, 9, 2));
      }
      RecordsAttention.recordAll(m, true);
      m.forward(torch.randn(new long[] {1, 3, 64, 64}, Tensors.options(DType.FLOAT32)));
      float[] attn = Tensors.toFloatArray(RecordsAttention.find(m).get("stages.3.blocks.0.attn").lastAttention());
      // 2x2 map: query i=(yi, xi), key j=(yj, xj), offset row (yi-yj+1)*3 + (xi-xj+1), head h
      for (int h = 0; h < 2; h++) {
        for (int i = 0; i < 4; i++) {
          double[] logits = new double[4];
          double sum = 0;
          for (int j = 0; j < 4; j++) {
            int row = (i / 2 - j / 2 + 1) * 3 + (i % 2 - j % 2 + 1);
            logits[j] = Math.exp(tableValue(row, h));
            sum += logits[j];
          }
          for (int j = 0; j < 4; j++) {
            assertEquals(logits[j] / sum, attn[(h * 4 + i) * 4 + j], 1e-6, "head " + h + " query " + i + " key " + j);
          }
        }
      }
    }
  }

  private static double tableValue(int row, int head) {
    return (float) ((row * 2 + head) * 0.1f);
  }

  @Test
  void trainsEndToEnd() {
    try (Scope s = Scope.open()) {
      CoAtNet m = tiny(RW_CONV, new TransformerConfig(false, false), 0,
          ModelOptions.defaults().withNumClasses(3).withDropPathRate(0.1));
      m.train();
      Tensor x = torch.randn(new long[] {2, 3, 64, 64}, Tensors.options(DType.FLOAT32));
      Tensor loss = io.nets4j.nn.F.crossEntropy(m.forward(x), Tensors.fromLongs(new long[] {0, 2}));
      loss.backward();
      Tensor g = m.namedParameters().get("stages.2.blocks.0.attn.rel_pos.relative_position_bias_table").grad();
      assertTrue(g.defined() && Tensors.maxAbs(g) > 0);
      assertEquals(1, m.stateDict().get("stem.norm1.num_batches_tracked").item_long());
    }
  }

  @Test
  void featuresOnlyAndResetClassifier() {
    try (Scope s = Scope.open()) {
      CoAtNet m = tiny(PAPER_CONV, new TransformerConfig(true, true), 48, ModelOptions.defaults().featuresOnly());
      m.eval();
      Tensor x = torch.randn(new long[] {1, 3, 64, 64}, Tensors.options(DType.FLOAT32));
      assertArrayEquals(new long[] {1, 48}, Tensors.shape(m.forward(x)));
      assertArrayEquals(new long[] {1, 64, 2, 2}, Tensors.shape(m.forwardFeatures(x)));
      m.resetClassifier(7);
      List<String> keys = List.copyOf(m.stateDict().keySet());
      assertEquals("head.fc.bias", keys.get(keys.size() - 1));
      assertArrayEquals(new long[] {1, 7}, Tensors.shape(m.forward(x)));
      assertEquals(7, m.numClasses());
    }
  }

  @Test
  void wrongInputSizeIsAClearError() {
    try (Scope s = Scope.open()) {
      CoAtNet m = tiny(RW_CONV, new TransformerConfig(false, false), 0, ModelOptions.defaults());
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 96, 96)));
      assertTrue(e.getMessage().contains("expected input of shape [N, 3, 64, 64]")
          && e.getMessage().contains("[1, 3, 96, 96]"), e.getMessage());
      LayerException channels = assertThrows(LayerException.class,
          () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 64, 64)));
      assertTrue(channels.getMessage().contains("[1, 1, 64, 64]"), channels.getMessage());
    }
  }

  @Test
  void invalidConfigsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new Config(new int[] {16, 32, 48, 64}, new int[] {1, 1, 1, 1},
        new int[] {8, 16}, RW_CONV, new TransformerConfig(false, false), 0));
    Config ok = new Config(new int[] {16, 32, 64, 64}, new int[] {1, 1, 1, 1}, new int[] {8, 16}, RW_CONV,
        new TransformerConfig(false, false), 0);
    assertThrows(IllegalArgumentException.class, () -> new CoAtNet(ok, 48, ModelOptions.defaults()));
    assertNotNull(Models.info("coatnet_1_224"));
  }
}
