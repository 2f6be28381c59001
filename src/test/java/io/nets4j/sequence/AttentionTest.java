package io.nets4j.sequence;

import static io.nets4j.sequence.RecurrentTest.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.F;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.MultiheadAttention;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class AttentionTest {
  static final double EXACT = 1e-12;

  static MultiheadAttention mha(MultiheadAttention.Config config) {
    MultiheadAttention m = new MultiheadAttention(config);
    m.to(DType.FLOAT64);
    m.eval();
    return m;
  }

  static Tensor bools(boolean[] values, long... shape) {
    long[] asLongs = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      asLongs[i] = values[i] ? 1 : 0;
    }
    return Tensors.fromLongs(asLongs, shape).to(DType.BOOL.scalarType());
  }

  @Test
  void multiheadAttentionParameterCountsAndNames() {
    assertEquals(1_050_624, Tensors.onDevice("meta", () -> new MultiheadAttention(512, 8).parameterCount()));
    MultiheadAttention cross = Tensors.onDevice("meta",
        () -> new MultiheadAttention(MultiheadAttention.Config.of(8, 2).withKeyValueDims(5, 3)));
    assertEquals(List.of("q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight",
        "out_proj.bias"), List.copyOf(cross.stateDict().keySet()));
    assertEquals(64 + 40 + 24 + 24 + 64 + 8, cross.parameterCount());
  }

  /** Per-head weights average to PyTorch's default weights; padded keys get no weight. */
  @Test
  void perHeadAndAveragedWeights() {
    try (Scope s = Scope.open()) {
      torch.manual_seed(1);
      MultiheadAttention m = mha(MultiheadAttention.Config.of(8, 2).withBatchFirst(true));
      Tensor q = randn(2, 3, 8);
      Tensor kv = randn(2, 4, 8);
      Tensor pad = bools(new boolean[] {false, false, false, true, false, false, false, false}, 2, 4);
      MultiheadAttention.Result avg = m.forward(q, kv, kv, pad, null, true, true);
      MultiheadAttention.Result per = m.forward(q, kv, kv, pad, null, true, false);
      assertArrayEquals(new long[] {2, 3, 4}, Tensors.shape(avg.weights()));
      assertArrayEquals(new long[] {2, 2, 3, 4}, Tensors.shape(per.weights()));
      assertTrue(Tensors.maxAbsDiff(per.weights().mean(1), avg.weights()) < EXACT);
      assertTrue(Tensors.maxAbsDiff(avg.output(), per.output()) < EXACT);
      assertEquals(0.0, Tensors.maxAbs(per.weights().select(0, 0).select(-1, 3)));
      Tensor rowSums = per.weights().sum(-1);
      assertTrue(Tensors.maxAbsDiff(rowSums, torch.ones_like(rowSums)) < EXACT);
    }
  }

  /** Causal self-attention: position i does not see later positions, in both computations. */
  @Test
  void causalSelfAttentionIgnoresTheFuture() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(2);
      MultiheadAttention m = mha(MultiheadAttention.Config.of(8, 4).withBatchFirst(true));
      Tensor x = randn(1, 5, 8);
      Tensor changed = x.clone();
      changed.narrow(1, 3, 2).normal_();
      Tensor causal = MultiheadAttention.causalMask(5);
      for (boolean weights : new boolean[] {false, true}) {
        Tensor a = m.forward(x, x, x, null, causal, weights, true).output();
        Tensor b = m.forward(changed, changed, changed, null, causal, weights, true).output();
        assertTrue(Tensors.maxAbsDiff(a.narrow(1, 0, 3), b.narrow(1, 0, 3)) < EXACT);
        assertTrue(Tensors.maxAbsDiff(a.narrow(1, 3, 2), b.narrow(1, 3, 2)) > 1e-3);
      }
      Tensor w = m.forward(x, x, x, null, causal, true, true).weights();
      assertEquals(0.0, Tensors.maxAbs(w.select(0, 0).select(0, 1).narrow(0, 2, 3)));
    }
  }

  /** The fused kernel and the explicit computation agree for every mask form and for kdim/vdim. */
  @Test
  void fusedAndExplicitAgreeForAllMaskForms() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(3);
      MultiheadAttention m = mha(MultiheadAttention.Config.of(8, 2).withKeyValueDims(5, 3));
      Tensor q = randn(3, 2, 8);
      Tensor k = randn(4, 2, 5);
      Tensor v = randn(4, 2, 3);
      Tensor pad = bools(new boolean[] {false, false, true, true, false, false, false, false}, 2, 4);
      Tensor boolMask = bools(new boolean[] {false, true, false, false, false, false, true, false, false, false, false, false}, 3, 4);
      Tensor floatMask = randn(4, 3, 4);
      for (Tensor attn : new Tensor[] {null, boolMask, floatMask}) {
        Tensor fused = m.forward(q, k, v, pad, attn, false, true).output();
        Tensor explicit = m.forward(q, k, v, pad, attn, true, true).output();
        assertArrayEquals(new long[] {3, 2, 8}, Tensors.shape(fused));
        assertTrue(Tensors.maxAbsDiff(fused, explicit) < EXACT);
      }
    }
  }

  @Test
  void multiheadAttentionErrorsNameTheLayer() {
    try (Scope s = Scope.open()) {
      MultiheadAttention m = new MultiheadAttention(MultiheadAttention.Config.of(8, 2).withBatchFirst(true));
      Tensor q = Tensors.zeros(DType.FLOAT32, 2, 3, 8);
      LayerException e = assertThrows(LayerException.class,
          () -> m.forward(q, Tensors.zeros(DType.FLOAT32, 2, 4, 6), q, null, null));
      assertTrue(e.getMessage().contains("MultiheadAttention") && e.getMessage().contains("key of shape [batch, seq, 8]")
          && e.getMessage().contains("[2, 4, 6]"), e.getMessage());
      e = assertThrows(LayerException.class,
          () -> m.forward(q, q, q, Tensors.zeros(DType.BOOL, 2, 4), null));
      assertTrue(e.getMessage().contains("key_padding_mask of shape [2, 3], got [2, 4]"), e.getMessage());
    }
  }

  /** Bahdanau's score, written out for one query and key, and the masked softmax over keys. */
  @Test
  void additiveAttentionFollowsTheFormula() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(5);
      AdditiveAttention att = new AdditiveAttention(3, 4, 6);
      att.to(DType.FLOAT64);
      assertEquals(List.of("Wa.weight", "Wa.bias", "Ua.weight", "Ua.bias", "Va.weight", "Va.bias"),
          List.copyOf(att.stateDict().keySet()));
      Tensor query = randn(2, 3);
      Tensor keys = randn(2, 5, 4);
      Tensor values = randn(2, 5, 2);
      Tensor pad = bools(new boolean[] {false, false, false, false, true, false, false, false, false, false}, 2, 5);
      var p = att.stateDict();
      Tensor hidden = F.tanh(F.linear(query.select(0, 1), p.get("Wa.weight"), p.get("Wa.bias"))
          .add(F.linear(keys.select(0, 1).select(0, 2), p.get("Ua.weight"), p.get("Ua.bias"))));
      double expected = F.linear(hidden, p.get("Va.weight"), p.get("Va.bias")).item_double();
      Tensor scores = att.scores(query, keys, pad);
      assertEquals(expected, scores.select(0, 1).select(0, 2).item_double(), EXACT);
      att.recordAttention(true);
      AdditiveAttention.Result r = att.forward(query, keys, values, pad);
      assertEquals(0.0, Tensors.maxAbsDiff(att.lastAttention(), r.weights()));
      assertEquals(0.0, r.weights().select(0, 0).select(0, 4).item_double());
      assertTrue(Tensors.maxAbsDiff(r.weights().sum(-1), Tensors.ones(DType.FLOAT64, 2)) < EXACT);
      assertTrue(Tensors.maxAbsDiff(r.context(), r.weights().unsqueeze(1).matmul(values).squeeze(1)) < EXACT);
      // several queries at once give the same rows as one at a time
      AdditiveAttention.Result many = att.forward(torch.stack(new org.bytedeco.pytorch.TensorVector(query, query), 1), keys, values, pad);
      assertTrue(Tensors.maxAbsDiff(many.context().select(1, 1), r.context()) < EXACT);
      LayerException e = assertThrows(LayerException.class, () -> att.forward(randn(2, 4), keys, null));
      assertTrue(e.getMessage().contains("expected query of shape [2, 3]"), e.getMessage());
    }
  }
}
