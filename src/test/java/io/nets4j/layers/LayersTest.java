package io.nets4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.inference.BatchNormFolding;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.DotProductAttention;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.MacCounter;
import io.nets4j.nn.MultiheadAttention;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.StochasticDepth;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LayersTest {
  static final double EXACT = 1e-12;

  static Tensor randn(long... shape) {
    return Tensors.zeros(DType.FLOAT64, shape).normal_();
  }

  /** Heads are contiguous slices of the channels, and merging undoes splitting. */
  @Test
  void splitAndMergeHeads() {
    try (Scope s = Scope.open()) {
      Tensor x = randn(2, 5, 12);
      Tensor heads = DotProductAttention.splitHeads(x, 3);
      assertArrayEquals(new long[] {2, 3, 5, 4}, Tensors.shape(heads));
      assertEquals(0, Tensors.maxAbsDiff(heads.select(1, 2), x.narrow(2, 8, 4)));
      assertEquals(0, Tensors.maxAbsDiff(DotProductAttention.mergeHeads(heads), x));
    }
  }

  /** The kernel reports q k^T and attn v, whatever the leading dimensions. */
  @Test
  void kernelCountsBothProducts() {
    try (Scope s = Scope.open()) {
      Tensor q = randn(2, 3, 4, 5, 8);
      Tensor k = randn(2, 3, 4, 7, 8);
      Tensor v = randn(2, 3, 4, 7, 6);
      long[] sink = new long[1];
      Tensor y = MacCounter.counting(sink, () -> new DotProductAttention().apply(q, k, v, null, 0.5, 0, false));
      assertArrayEquals(new long[] {2, 3, 4, 5, 6}, Tensors.shape(y));
      assertEquals(24L * 5 * 8 * 7 + 24L * 5 * 7 * 6, sink[0]);
    }
  }

  /** On tokens, SelfAttention is nn.MultiheadAttention with the packed projection as a Linear {@code qkv}. */
  @Test
  void tokenAttentionMatchesMultiheadAttention() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(3);
      MultiheadAttention mha = new MultiheadAttention(MultiheadAttention.Config.of(12, 3).withBatchFirst(true));
      SelfAttention attn = new SelfAttention(SelfAttention.Config.tokens(12, 3));
      mha.to(DType.FLOAT64).eval();
      attn.to(DType.FLOAT64).eval();
      var from = mha.stateDict();
      var to = attn.stateDict();
      assertEquals(List.of("qkv.weight", "qkv.bias", "proj.weight", "proj.bias"), List.copyOf(to.keySet()));
      to.get("qkv.weight").copy_(from.get("in_proj_weight"));
      to.get("qkv.bias").copy_(from.get("in_proj_bias").normal_());
      to.get("proj.weight").copy_(from.get("out_proj.weight"));
      to.get("proj.bias").copy_(from.get("out_proj.bias").normal_());
      Tensor x = randn(2, 5, 12);
      assertTrue(Tensors.maxAbsDiff(mha.forward(x), attn.forward(x)) < EXACT);
    }
  }

  /**
   * On maps with heads first in {@code qkv} (timm's Attention2d), the attention equals the token
   * form whose {@code qkv} rows are reordered from (heads, q/k/v, d) to (q/k/v, heads, d).
   */
  @Test
  void mapAttentionWithHeadsFirstMatchesTokens() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(4);
      int dim = 8;
      int heads = 2;
      SelfAttention maps = new SelfAttention(SelfAttention.Config.maps(dim, dim, dim, heads));
      SelfAttention tokens = new SelfAttention(SelfAttention.Config.tokens(dim, heads));
      maps.to(DType.FLOAT64).eval();
      tokens.to(DType.FLOAT64).eval();
      var m = maps.stateDict();
      var t = tokens.stateDict();
      int d = dim / heads;
      Tensor qkvW = m.get("qkv.weight").view(heads, 3, d, dim).transpose(0, 1).reshape(3 * dim, dim);
      t.get("qkv.weight").copy_(qkvW);
      t.get("qkv.bias").copy_(m.get("qkv.bias").normal_().view(heads, 3, d).transpose(0, 1).reshape(3 * dim));
      t.get("proj.weight").copy_(m.get("proj.weight").view(dim, dim));
      t.get("proj.bias").copy_(m.get("proj.bias"));
      Tensor x = randn(2, dim, 3, 4);
      Tensor fromMaps = maps.forward(x);
      Tensor fromTokens = tokens.forward(x.flatten(2, -1).transpose(1, 2)).transpose(1, 2).reshape(2, dim, 3, 4);
      assertTrue(Tensors.maxAbsDiff(fromMaps, fromTokens) < EXACT);
    }
  }

  /** A batch norm with activation (timm's BatchNormAct2d) keeps its state names and is folded into its convolution. */
  @Test
  void batchNormWithActivationFolds() {
    try (Scope s = Scope.open()) {
      torch.manual_seed(5);
      BatchNorm2d bn = BatchNorm2d.withActivation(6, 1e-5, Activation.relu());
      Sequential net = new Sequential(new Conv2d(3, 6, ConvSpec.kernel(3).padding(1).noBias()), bn);
      assertEquals(List.of("1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"),
          List.copyOf(net.stateDict().keySet()).subList(1, 6));
      net.to(DType.FLOAT64);
      try (NoGradGuard g = new NoGradGuard()) {
        bn.runningMean().normal_();
        bn.runningVar().uniform_(0.5, 2.0, new GeneratorOptional());
        bn.bias().normal_();
      }
      net.eval();
      Tensor x = randn(2, 3, 5, 5);
      Tensor before = net.forward(x);
      assertEquals(0, Tensors.maxAbs(before.clamp_max(new Scalar(0.0))), "the activation runs");
      assertEquals(1, BatchNormFolding.fold(net, x).size());
      assertTrue(bn.isFolded());
      assertTrue(Tensors.maxAbsDiff(before, net.forward(x)) < 1e-10);
    }
  }

  /** The linear decay rule of stochastic depth. */
  @Test
  void linearDropPathRates() {
    assertEquals(0, StochasticDepth.linearRate(0.2, 0, 5));
    assertEquals(0.1, StochasticDepth.linearRate(0.2, 2, 5), EXACT);
    assertEquals(0.2, StochasticDepth.linearRate(0.2, 4, 5), EXACT);
    assertEquals(0, StochasticDepth.linearRate(0.2, 0, 1));
  }

  /** LayerNorm2d is LayerNorm over the channels of each position, between the two permutations. */
  @Test
  void layerNorm2dIsLayerNormOverChannels() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      LayerNorm2d ln2d = new LayerNorm2d(4, 1e-6);
      LayerNorm ln = new LayerNorm(4, 1e-6);
      ln2d.to(DType.FLOAT64);
      ln.to(DType.FLOAT64);
      ln2d.stateDict().get("weight").normal_();
      ln.stateDict().get("weight").copy_(ln2d.stateDict().get("weight"));
      Tensor x = randn(2, 4, 3, 3);
      Tensor expected = Permute.channelsFirst().forward(ln.forward(Permute.channelsLast().forward(x)));
      assertTrue(Tensors.maxAbsDiff(ln2d.forward(x), expected) < EXACT);
    }
  }
}
