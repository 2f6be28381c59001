package io.nets4j.analysis;

import io.nets4j.tensor.Tensors;
import static io.nets4j.analysis.ModelSummaryTest.assertField;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Activation;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.AvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.ConvTranspose2d;
import io.nets4j.nn.F;
import io.nets4j.nn.GroupNorm;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MacCounter;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.DType;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** MAC rules and receptive-field tracing on small hand-checkable networks. */
class LayerRulesTest {

  @Test
  void vggLikeChain() {
    Sequential net = new Sequential(
        new Conv2d(3, 8, ConvSpec.kernel(3).padding(1)),
        Activation.relu(),
        new Conv2d(8, 8, ConvSpec.kernel(3).padding(1)),
        new MaxPool2d(2, 2, 0),
        new Conv2d(8, 16, ConvSpec.kernel(3).padding(2).dilation(2)),
        new AvgPool2d(3, 1, 1, false, true),
        new Conv2d(16, 4, ConvSpec.kernel(1, 5).padding(0, 2).stride(1, 2)));
    ModelSummary s = ModelSummary.of(net, 1, 3, 16, 16);
    assertEquals(16L * 16 * 8 * 27, s.row("0").macs());
    assertEquals(16L * 16 * 8 * 72, s.row("2").macs());
    assertEquals(0, s.row("3").macs());
    assertEquals(8L * 8 * 16 * 72, s.row("4").macs());
    assertEquals(8L * 4 * 4 * 16 * 5, s.row("6").macs());
    assertEquals(8 * 3 * 9 + 8 + 8 * 8 * 9 + 8 + 16 * 8 * 9 + 16 + 4 * 16 * 5 + 4, s.totals().params());
    assertField(s.row("0"), 3, 1);
    assertField(s.row("2"), 5, 1);
    assertField(s.row("3"), 6, 2);
    assertField(s.row("4"), 6 + 2 * 2 * 2, 2); // dilation 2 on a jump of 2
    assertField(s.row("5"), 14 + 2 * 2, 2);
    assertEquals(new ReceptiveField(18, 18 + 4 * 2, 2, 4), s.row("6").receptiveField(), "1x5 kernel, stride (1, 2)");
    assertEquals("18x26", s.row("6").receptiveField().sizeText());
    assertEquals("2x4", s.row("6").receptiveField().jumpText());
    assertNull(s.row("1").receptiveField());
    assertEquals(s.row("6").receptiveField(), s.rows().get(0).receptiveField(), "a chain's field is its last layer's");
  }

  @Test
  void groupedTransposedLinearAndNorms() {
    Sequential net = new Sequential(
        new Conv2d(8, 16, ConvSpec.kernel(3).padding(1).groups(4)),
        new GroupNorm(2, 16, 1e-5),
        new ConvTranspose2d(16, 4, ConvSpec.kernel(4).stride(2).padding(1)),
        new BatchNorm2d(4),
        new AdaptiveAvgPool2d(3, 3));
    ModelSummary s = ModelSummary.of(net, 2, 8, 10, 10);
    assertEquals(2L * 16 * 10 * 10 * (8 / 4) * 9, s.row("0").macs());
    assertEquals(2L * 16 * 10 * 10, s.row("1").macs());
    // every input pixel is scattered through out/groups x 4 x 4 weights
    assertEquals(2L * 16 * 10 * 10 * 4 * 16, s.row("2").macs());
    assertArrayEquals(new long[] {2, 4, 20, 20}, s.row("2").outputShape());
    assertEquals(2L * 4 * 20 * 20, s.row("3").macs());
    assertEquals(0, s.row("4").macs());
    assertField(s.row("0"), 3, 1);
    // a 4-tap kernel at factor 2 reaches 2 input positions per output; the jump halves
    assertField(s.row("2"), 4, 0.5);
    assertEquals("0.5", s.row("2").receptiveField().jumpText());
    // adaptive pooling 20 -> 3: windows [0,7) [6,14) [13,20), the widest 8, stride floor(20/3) = 6
    assertField(s.row("4"), 4 + 7 * 0.5, 3);
    assertEquals(2, LayerRules.transposedStride(10, 20, 4));
    assertEquals(32, LayerRules.transposedStride(7, 256, 64), "FCN-32s upsampling, no padding");
    assertEquals(2, LayerRules.transposedStride(10, 20, 3), "k3 s2 p1 output_padding 1");
    assertEquals(1, LayerRules.transposedStride(10, 12, 3));
  }

  @Test
  void linearOverAnyLeadingDimensionsAndLayerNorm() {
    Sequential net = new Sequential(new Linear(6, 5), new LayerNorm(5, 1e-6), new Linear(5, 3, false));
    ModelSummary s = ModelSummary.of(net, 2, 7, 6);
    assertEquals(2L * 7 * 5 * 6, s.row("0").macs());
    assertEquals(2L * 7 * 5, s.row("1").macs());
    assertEquals(2L * 7 * 3 * 5, s.row("2").macs());
    assertEquals(6 * 5 + 5 + 10 + 15, s.totals().params());
    assertNull(s.row("0").receptiveField());
    assertEquals(2L * 7 * 3 * 4, s.rows().get(0).outputBytes());
    assertEquals((2L * 7 * 5 * 2 + 2L * 7 * 3) * 4, s.totals().activationBytes());
  }

  /** A residual block: the sum's field is the union of its operands' (the two-conv branch's). */
  @Test
  void residualSumTakesTheWidestOperand() {
    Sequential net = new Sequential(new Conv2d(3, 4, ConvSpec.kernel(3).padding(1)), new Residual(4),
        new Conv2d(4, 4, ConvSpec.kernel(3).stride(2).padding(1)));
    ModelSummary s = ModelSummary.of(net, 1, 3, 12, 12);
    assertField(s.row("1.branch.0"), 5, 1);
    assertField(s.row("1.branch.1"), 7, 1);
    assertField(s.row("1.shortcut"), 3, 1);
    assertField(s.row("1"), 7, 1);
    assertField(s.row("2"), 9, 2);
    assertEquals(List.of("Sequential", "Conv2d", "Residual", "Sequential", "Conv2d", "Conv2d", "Conv2d", "ReLU",
        "Conv2d"), s.rows().stream().map(SummaryRow::type).toList());
  }

  /** Inception-like: branches concatenated; the result sees the union of the branches' windows. */
  @Test
  void concatenationTakesTheUnionOfTheBranches() {
    Sequential net = new Sequential(new Branches(), new Conv2d(20, 2, ConvSpec.kernel(1)));
    ModelSummary s = ModelSummary.of(net, 1, 3, 9, 9);
    assertField(s.row("0.b1"), 1, 1);
    assertField(s.row("0.b5"), 5, 1);
    assertEquals(new ReceptiveField(1, 7, 1, 1), s.row("0.b17").receptiveField());
    assertEquals(new ReceptiveField(7, 1, 1, 1), s.row("0.b71").receptiveField());
    assertField(s.row("0"), 7, 1);
    assertField(s.row("1"), 7, 1);
  }

  @Test
  void reportedMacsGoToTheInnermostLayer() {
    Attention attention = new Attention(8);
    Sequential net = new Sequential(new Linear(8, 8), attention);
    ModelSummary s = ModelSummary.of(net, 2, 5, 8);
    SummaryRow row = s.row("1");
    // q k^T and attn v: 2 x (batch 2, 5x8 times 8x5) plus the projection Linear
    assertEquals(2L * 2 * 5 * 8 * 5, row.macs());
    assertEquals(2L * 5 * 8 * 8, s.row("1.proj").macs());
    assertEquals(row.macs() + s.row("1.proj").macs(), row.macsTotal());
    assertEquals(2L * 5 * 8 * 8 * 2 + 2L * 2 * 5 * 8 * 5, s.totals().macs());
    assertEquals(Long.valueOf(2L * 2 * 5 * 8 * 5), s.totals().macsByType().get("Attention"));
    // outside a summary the counter is inert
    assertFalse(MacCounter.isCounting());
    MacCounter.add(5);
    MacCounter.addMatmul(1, 2, 3, 4);
    assertThrows(IllegalArgumentException.class, () -> MacCounter.add(-1));
  }

  @Test
  void sharedLayerIsCountedOnceButRunsTwice() {
    Twice twice = new Twice(new Conv2d(2, 2, ConvSpec.kernel(3).padding(1)));
    ModelSummary s = ModelSummary.of(twice, 1, 2, 6, 6);
    List<SummaryRow> calls = s.rows().stream().filter(r -> r.path().equals("conv")).toList();
    assertEquals(2, calls.size());
    assertFalse(calls.get(0).repeated());
    assertTrue(calls.get(1).repeated());
    assertEquals(38, calls.get(0).paramsAt(1));
    assertEquals(0, calls.get(1).paramsAt(1));
    assertEquals(38, s.totals().params());
    assertEquals(2L * 36 * 2 * 2 * 9, s.totals().macs());
    assertField(calls.get(1), 5, 1);
    assertTrue(s.render(SummaryFormat.TEXT, 1).contains("(shared)"));
  }

  @Test
  void windowAndMacRulesForNewTypes() {
    Blur blur = new Blur();
    LayerRules.window(Blur.class, (l, in, out) -> Window.square(5, 1));
    LayerRules.macs(Blur.class, (l, in, out) -> out.numel() * 25);
    ModelSummary s = ModelSummary.of(new Sequential(new Conv2d(1, 1, ConvSpec.kernel(3)), blur), 1, 1, 12, 12);
    assertField(s.row("1"), 7, 1);
    assertTrue(s.row("1").spatial());
    assertEquals(10L * 10 * 25, s.row("1").macs());
  }

  /** conv-conv branch plus a 1x1 projection, summed, then a registered ReLU. */
  static final class Residual extends Layer {
    private final Sequential branch;
    private final Conv2d shortcut;
    private final Activation relu;

    Residual(int c) {
      branch = register("branch", new Sequential(new Conv2d(c, c, ConvSpec.kernel(3).padding(1)),
          new Conv2d(c, c, ConvSpec.kernel(3).padding(1))));
      shortcut = register("shortcut", new Conv2d(c, c, ConvSpec.kernel(1)));
      relu = register("relu", Activation.relu());
    }

    @Override
    protected Tensor compute(Tensor x) {
      return relu.forward(branch.forward(x).add(shortcut.forward(x)));
    }
  }

  /** 1x1, 5x5 (as two 3x3), 1x7 and 7x1 branches concatenated along channels. */
  static final class Branches extends Layer {
    private final Conv2d b1;
    private final Sequential b5;
    private final Conv2d b17;
    private final Conv2d b71;

    Branches() {
      b1 = register("b1", new Conv2d(3, 4, ConvSpec.kernel(1)));
      b5 = register("b5", new Sequential(new Conv2d(3, 8, ConvSpec.kernel(3).padding(1)),
          new Conv2d(8, 8, ConvSpec.kernel(3).padding(1))));
      b17 = register("b17", new Conv2d(3, 4, ConvSpec.kernel(1, 7).padding(0, 3)));
      b71 = register("b71", new Conv2d(3, 4, ConvSpec.kernel(7, 1).padding(3, 0)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return Tensors.cat(List.of(b1.forward(x), b5.forward(x), b17.forward(x), b71.forward(x)), 1);
    }
  }

  /** Single-head self-attention over {@code [B, T, D]} without its own projections of q/k/v. */
  static final class Attention extends Layer {
    private final Linear proj;
    private final int dim;

    Attention(int dim) {
      this.dim = dim;
      proj = register("proj", new Linear(dim, dim, false));
    }

    @Override
    protected Tensor compute(Tensor x) {
      long b = x.size(0);
      long t = x.size(1);
      MacCounter.addMatmul(b, t, dim, t);
      Tensor attn = F.softmax(x.matmul(x.transpose(1, 2)), -1);
      MacCounter.addMatmul(b, t, t, dim);
      return proj.forward(attn.matmul(x));
    }
  }

  /** Applies the same convolution twice. */
  static final class Twice extends Layer {
    private final Conv2d conv;

    Twice(Conv2d conv) {
      this.conv = register("conv", conv);
    }

    @Override
    protected Tensor compute(Tensor x) {
      return conv.forward(conv.forward(x));
    }
  }

  /** A fixed 5x5 box blur: a layer type unknown to the built-in rules. */
  static final class Blur extends Layer {
    @Override
    protected Tensor compute(Tensor x) {
      Tensor k = io.nets4j.tensor.Tensors.full(DType.FLOAT32, 1.0 / 25, 1, 1, 5, 5);
      return F.conv2d(x, k, null, ConvSpec.kernel(5).padding(2));
    }
  }
}
