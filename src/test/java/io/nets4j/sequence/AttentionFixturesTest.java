package io.nets4j.sequence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nets4j.nn.MultiheadAttention;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reference fixtures of {@code nn.MultiheadAttention} and {@code nn.Transformer}. */
class AttentionFixturesTest {
  /** {@code nn.MultiheadAttention(32, 4, batch_first=True)(q, kv, kv, key_padding_mask)}. */
  @Test
  void multiheadAttentionWithAveragedWeights() {
    try (Scope s = Scope.open()) {
      OpFixture f = new OpFixture("multihead_attention");
      MultiheadAttention mha = new MultiheadAttention(MultiheadAttention.Config.of(32, 4).withBatchFirst(true));
      assertEquals(f.parameterCount(), mha.parameterCount());
      f.load(mha);
      Tensor kv = f.tensor("kv");
      MultiheadAttention.Result r = mha.forward(f.tensor("q"), kv, kv, f.tensor("key_padding_mask"), null, true, true);
      double e1 = f.assertClose("output", r.output());
      double e2 = f.assertClose("attn_weights", r.weights());
      System.out.printf("multihead_attention (weights path): max |error| output %.2e, weights %.2e%n", e1, e2);
    }
  }

  /** Float32, both computations, within the project's float32 bound. */
  @Test
  void float32() {
    try (Scope s = Scope.open()) {
      OpFixture f = new OpFixture("multihead_attention");
      MultiheadAttention mha = new MultiheadAttention(MultiheadAttention.Config.of(32, 4).withBatchFirst(true));
      f.load(mha, DType.FLOAT32);
      Tensor kv = f.tensor("kv").to(DType.FLOAT32.scalarType());
      Tensor q = f.tensor("q").to(DType.FLOAT32.scalarType());
      for (boolean weights : new boolean[] {false, true}) {
        f.assertClose("output", mha.forward(q, kv, kv, f.tensor("key_padding_mask"), null, weights, true).output(),
            OpFixture.TOLERANCE_F32);
      }
      OpFixture ft = new OpFixture("transformer");
      Transformer t = new Transformer(Transformer.Config.builder().size(32, 4, 64).layers(2, 2)
          .dropout(0).batchFirst(true).build());
      ft.load(t, DType.FLOAT32);
      Tensor tgt = ft.tensor("tgt").to(DType.FLOAT32.scalarType());
      Tensor y = t.forward(ft.tensor("src").to(DType.FLOAT32.scalarType()), tgt,
          Transformer.Masks.teacherForcing(tgt.size(1), ft.tensor("src_key_padding_mask")));
      System.out.printf("transformer float32: max |error| %.2e%n", ft.assertClose("output", y, OpFixture.TOLERANCE_F32));
    }
  }

  /** Without weights the heads run through libtorch's fused kernel: the same output. */
  @Test
  void multiheadAttentionFusedKernel() {
    try (Scope s = Scope.open()) {
      OpFixture f = new OpFixture("multihead_attention");
      MultiheadAttention mha = new MultiheadAttention(MultiheadAttention.Config.of(32, 4).withBatchFirst(true));
      f.load(mha);
      Tensor kv = f.tensor("kv");
      MultiheadAttention.Result r = mha.forward(f.tensor("q"), kv, kv, f.tensor("key_padding_mask"), null, false, true);
      assertNull(r.weights());
      System.out.printf("multihead_attention (fused): max |error| output %.2e%n", f.assertClose("output", r.output()));
    }
  }

  /** Sequence-first layout (PyTorch's default) gives the same function on transposed inputs. */
  @Test
  void multiheadAttentionSequenceFirst() {
    try (Scope s = Scope.open()) {
      OpFixture f = new OpFixture("multihead_attention");
      MultiheadAttention mha = new MultiheadAttention(32, 4);
      f.load(mha);
      Tensor kv = f.tensor("kv").transpose(0, 1);
      MultiheadAttention.Result r = mha.forward(f.tensor("q").transpose(0, 1), kv, kv, f.tensor("key_padding_mask"),
          null, true, true);
      f.assertClose("output", r.output().transpose(0, 1));
      f.assertClose("attn_weights", r.weights());
    }
  }

  /**
   * {@code nn.Transformer(d_model=32, nhead=4, 2+2 layers, dim_feedforward=64, dropout=0,
   * batch_first=True)}, post-norm, causal target mask, source padding for encoder and memory.
   */
  @ParameterizedTest(name = "causal mask {0}")
  @ValueSource(strings = {"bool", "float"})
  void transformer(String maskKind) {
    try (Scope s = Scope.open()) {
      OpFixture f = new OpFixture("transformer");
      Transformer t = new Transformer(Transformer.Config.builder().size(32, 4, 64).layers(2, 2)
          .dropout(0).batchFirst(true).build());
      assertEquals(f.parameterCount(), t.parameterCount());
      f.load(t);
      Tensor tgt = f.tensor("tgt");
      Tensor causal = Transformer.causalMask(tgt.size(1));
      if (maskKind.equals("float")) {
        // generate_square_subsequent_mask's form: -inf above the diagonal, 0 elsewhere
        causal = tgt.new_zeros(tgt.size(1), tgt.size(1)).masked_fill(causal,
            new org.bytedeco.pytorch.Scalar(Double.NEGATIVE_INFINITY));
      }
      Transformer.Masks masks = new Transformer.Masks(null, causal, null, f.tensor("src_key_padding_mask"), null,
          f.tensor("src_key_padding_mask"));
      Tensor y = t.forward(f.tensor("src"), tgt, masks);
      System.out.printf("transformer (%s mask): max |error| output %.2e%n", maskKind, f.assertClose("output", y));
      Tensor y2 = t.forward(f.tensor("src"), tgt, Transformer.Masks.teacherForcing(tgt.size(1), f.tensor("src_key_padding_mask")));
      f.assertClose("output", y2);
    }
  }
}
