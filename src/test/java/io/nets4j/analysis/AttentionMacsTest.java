package io.nets4j.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nets4j.models.CoAtNet.Act;
import io.nets4j.models.CoAtNet.MbConvConfig;
import io.nets4j.models.CoAtNet.TransformerConfig;
import io.nets4j.models.CoAtNet;
import io.nets4j.models.ConViT;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.SASA;
import io.nets4j.nn.MacCounter;
import org.junit.jupiter.api.Test;

/**
 * The attention layers of CoAtNet, ConViT and SASA report their matrix products through
 * {@link MacCounter}: the summary row of each attention layer carries exactly the products of the
 * hand formula (its projections are rows of their own), and the model totals include them.
 */
class AttentionMacsTest {
  private static final int BATCH = 2;

  /** {@code q k^T} plus {@code attn v}: twice {@code batch * heads * tokens^2 * headDim}. */
  private static long attention(long heads, long tokens, long headDim) {
    return 2 * BATCH * heads * tokens * tokens * headDim;
  }

  private static long rowMacsSum(ModelSummary s) {
    return s.rows().stream().mapToLong(SummaryRow::macs).sum();
  }

  @Test
  void coatnetAttention() {
    MbConvConfig conv = new MbConvConfig(Act.SILU, true, false, false, true, true, Act.RELU);
    CoAtNet.Config config = new CoAtNet.Config(new int[] {16, 32, 64, 64}, new int[] {1, 1, 2, 1}, new int[] {8, 16},
        conv, new TransformerConfig(false, false), 0);
    CoAtNet model = new CoAtNet(config, 64, ModelOptions.defaults().withNumClasses(10));
    ModelSummary s = ModelSummary.of(model, BATCH, 3, 64, 64);
    // 64 px: stem to 32, stages to 16, 8, 4, 2. Heads of 32 channels at the block's input width.
    long stage2First = attention(32 / 32, 4 * 4, 32);
    long stage2Second = attention(64 / 32, 4 * 4, 32);
    long stage3 = attention(64 / 32, 2 * 2, 32);
    assertEquals(stage2First, s.row("stages.2.blocks.0.attn").macs());
    assertEquals(stage2Second, s.row("stages.2.blocks.1.attn").macs());
    assertEquals(stage3, s.row("stages.3.blocks.0.attn").macs());
    assertEquals(rowMacsSum(s), s.totals().macs());
    assertEquals(stage2First + stage2Second + stage3, s.totals().macsByType().get("Attention2d"));
  }

  @Test
  void convitGatedAndPlainAttention() {
    // 4 heads of 8 channels, 64 px in 16 px patches: 16 patch tokens, 17 with the class token
    ConViT model = new ConViT(new ConViT.Config(8, 4, 3, 2, 1.0, 16), 64, ModelOptions.defaults().withNumClasses(10));
    ModelSummary s = ModelSummary.of(model, BATCH, 3, 64, 64);
    long gpsa = attention(4, 16, 8);
    long mhsa = attention(4, 17, 8);
    assertEquals(gpsa, s.row("blocks.0.attn").macs());
    assertEquals(gpsa, s.row("blocks.1.attn").macs());
    assertEquals(mhsa, s.row("blocks.2.attn").macs());
    assertEquals(2 * gpsa, s.totals().macsByType().get("GPSA"));
    assertEquals(mhsa, s.totals().macsByType().get("MHSA"));
    assertEquals(rowMacsSum(s), s.totals().macs());
  }

  @Test
  void sasaLocalAttention() {
    int width = 16;
    int heads = 2;
    int kernel = 3;
    long h = 5;
    long w = 6;
    SASA.SelfAttention2d layer = new SASA.SelfAttention2d(width, kernel, heads);
    ModelSummary s = ModelSummary.of(layer, BATCH, width, h, w);
    long pixels = BATCH * h * w;
    // per pixel and channel: q.k and attn.v over the k*k window, q.r over k row and k column offsets
    long attention = pixels * width * (2L * kernel * kernel + kernel);
    assertEquals(attention, s.rows().get(0).macs());
    long qkv = pixels * 3L * width * width;
    assertEquals(qkv, s.row("qkv").macs());
    assertEquals(attention + qkv, s.totals().macs());
  }
}
