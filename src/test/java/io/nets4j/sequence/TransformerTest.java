package io.nets4j.sequence;

import static io.nets4j.sequence.RecurrentTest.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Embedding;
import io.nets4j.nn.F;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Linear;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TransformerTest {
  static final double EXACT = 1e-12;

  static Transformer small(boolean normFirst) {
    Transformer t = new Transformer(Transformer.Config.builder().size(16, 2, 32).layers(2, 2)
        .batchFirst(true).normFirst(normFirst).build());
    t.to(DType.FLOAT64);
    t.eval();
    return t;
  }

  /** {@code sum(p.numel() for p in nn.Transformer().parameters())}. */
  @Test
  void parameterCountOfTheBaseModel() {
    assertEquals(44_140_544L, Tensors.onDevice("meta", () -> new Transformer(Transformer.Config.defaults()).parameterCount()));
  }

  @Test
  void preNormHasTheSameParametersButComputesDifferently() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(1);
      Transformer post = small(false);
      Transformer pre = small(true);
      assertEquals(List.copyOf(post.stateDict().keySet()), List.copyOf(pre.stateDict().keySet()));
      pre.stateDict().forEach((k, v) -> v.copy_(post.stateDict().get(k)));
      Tensor src = randn(2, 5, 16);
      Tensor tgt = randn(2, 4, 16);
      Transformer.Masks masks = Transformer.Masks.teacherForcing(4, null);
      assertTrue(Tensors.maxAbsDiff(post.forward(src, tgt, masks), pre.forward(src, tgt, masks)) > 1e-3);
    }
  }

  /** Teacher forcing under the causal mask: a target position never sees later target positions. */
  @ParameterizedTest(name = "normFirst={0}")
  @ValueSource(booleans = {false, true})
  void decoderIsCausal(boolean normFirst) {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(2);
      Transformer t = small(normFirst);
      Tensor src = randn(2, 5, 16);
      Tensor tgt = randn(2, 4, 16);
      Tensor changed = tgt.clone();
      changed.narrow(1, 2, 2).normal_();
      Transformer.Masks masks = Transformer.Masks.teacherForcing(4, null);
      Tensor a = t.forward(src, tgt, masks);
      Tensor b = t.forward(src, changed, masks);
      assertTrue(Tensors.maxAbsDiff(a.narrow(1, 0, 2), b.narrow(1, 0, 2)) < EXACT);
      assertTrue(Tensors.maxAbsDiff(a.narrow(1, 2, 2), b.narrow(1, 2, 2)) > 1e-3);
    }
  }

  /** Padded source positions do not matter when the source padding mask covers encoder and memory. */
  @Test
  void paddedSourcePositionsAreIgnored() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(3);
      Transformer t = small(false);
      Tensor src = randn(2, 5, 16);
      Tensor tgt = randn(2, 3, 16);
      Tensor pad = Tensors.fromLongs(new long[] {0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, 2, 5).to(DType.BOOL.scalarType());
      Tensor changed = src.clone();
      changed.select(0, 0).narrow(0, 3, 2).normal_();
      Transformer.Masks masks = Transformer.Masks.teacherForcing(3, pad);
      assertTrue(Tensors.maxAbsDiff(t.forward(src, tgt, masks), t.forward(changed, tgt, masks)) < EXACT);
    }
  }

  /** An encoder stack alone under a causal mask, as a language model uses it: causal, no final norm. */
  @Test
  void standaloneCausalEncoder() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(5);
      Transformer.Encoder encoder = new Transformer.Encoder(Transformer.Config.builder().size(16, 2, 32)
          .layers(2, 0).batchFirst(true).build(), false);
      encoder.to(DType.FLOAT64);
      encoder.eval();
      assertTrue(encoder.stateDict().keySet().stream().noneMatch(k -> k.startsWith("norm.")));
      assertEquals("layers.0.self_attn.in_proj_weight", encoder.stateDict().keySet().iterator().next());
      Tensor x = randn(1, 6, 16);
      Tensor changed = x.clone();
      changed.narrow(1, 4, 2).normal_();
      Tensor causal = Transformer.causalMask(6);
      Tensor a = encoder.forward(x, causal, null);
      Tensor b = encoder.forward(changed, causal, null);
      assertTrue(Tensors.maxAbsDiff(a.narrow(1, 0, 4), b.narrow(1, 0, 4)) < EXACT);
      assertTrue(Tensors.maxAbsDiff(a.narrow(1, 4, 2), b.narrow(1, 4, 2)) > 1e-3);
    }
  }

  /** Recording attention maps changes nothing in the output and exposes every layer's map by path. */
  @Test
  void attentionMapsCanBeRecorded() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(6);
      Transformer t = small(false);
      Tensor src = randn(2, 5, 16);
      Tensor tgt = randn(2, 4, 16);
      Transformer.Masks masks = Transformer.Masks.teacherForcing(4, null);
      Tensor fused = t.forward(src, tgt, masks);
      RecordsAttention.recordAll(t, true);
      Tensor recorded = t.forward(src, tgt, masks);
      assertTrue(Tensors.maxAbsDiff(fused, recorded) < EXACT);
      Map<String, Tensor> maps = RecordsAttention.lastAttentions(t);
      assertEquals(List.of("encoder.layers.0.self_attn", "encoder.layers.1.self_attn", "decoder.layers.0.self_attn",
          "decoder.layers.0.multihead_attn", "decoder.layers.1.self_attn", "decoder.layers.1.multihead_attn"),
          List.copyOf(maps.keySet()));
      assertEquals("[2, 2, 4, 5]", Tensors.describe(maps.get("decoder.layers.1.multihead_attn")));
      Tensor causal = maps.get("decoder.layers.0.self_attn");
      assertEquals(0.0, Tensors.maxAbs(causal.narrow(2, 0, 1).narrow(3, 1, 3)));
      RecordsAttention.recordAll(t, false);
      assertTrue(RecordsAttention.lastAttentions(t).isEmpty());
    }
  }

  @Test
  void wrongWidthNamesTheFailingLayer() {
    try (Scope s = Scope.open()) {
      Transformer t = new Transformer(Transformer.Config.builder().size(16, 2, 32).layers(1, 1).batchFirst(true).build());
      LayerException e = assertThrows(LayerException.class,
          () -> t.forward(Tensors.zeros(DType.FLOAT32, 2, 5, 12), Tensors.zeros(DType.FLOAT32, 2, 3, 16), Transformer.Masks.none()));
      assertEquals("encoder.layers.0.self_attn", e.layerPath());
      assertTrue(e.getMessage().contains("expected query of shape [batch, seq, 16], got [2, 5, 12]"), e.getMessage());
      e = assertThrows(LayerException.class,
          () -> t.forward(Tensors.zeros(DType.FLOAT32, 2, 5, 16), Tensors.zeros(DType.FLOAT32, 3, 3, 16), Transformer.Masks.none()));
      assertTrue(e.getMessage().contains("same batch size"), e.getMessage());
    }
  }

  @Test
  void sinusoidalEncodingValues() {
    try (Scope s = Scope.open()) {
      int d = 6;
      Tensor table = SinusoidalPositionalEncoding.table(0, 4, d);
      for (int pos = 0; pos < 4; pos++) {
        for (int i = 0; i < d; i++) {
          double angle = pos / Math.pow(10000, 2 * (i / 2) / (double) d);
          double expected = i % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
          assertEquals(expected, table.select(0, pos).select(0, i).item_double(), 1e-12);
        }
      }
      SinusoidalPositionalEncoding pe = new SinusoidalPositionalEncoding(d, 0, false);
      Tensor x = Tensors.zeros(DType.FLOAT64, 6, 2, d);
      Tensor all = pe.forward(x);
      Tensor tail = pe.forward(x.narrow(0, 4, 2), 4);
      assertTrue(Tensors.maxAbsDiff(all.narrow(0, 4, 2), tail) < EXACT);
      assertTrue(Tensors.maxAbsDiff(all.select(1, 0), SinusoidalPositionalEncoding.table(0, 6, d)) < EXACT);
    }
  }

  /** The state of a Transformer decoder during generation: encoder memory, its padding, and the prefix. */
  record State(Tensor memory, Tensor memoryPadding, Tensor prefix) {}

  /**
   * Step-wise decoding of a small sequence-to-sequence Transformer (embeddings, sinusoidal
   * positions, generator) agrees with teacher forcing: decoding the greedy output again in one
   * pass predicts the same tokens with the same log-probabilities.
   */
  @Test
  void stepwiseGreedyDecodingAgreesWithTeacherForcing() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(4);
      int vocabulary = 7;
      long bos = 1;
      long eos = 2;
      Transformer t = small(true);
      Embedding embed = new Embedding(vocabulary, 16);
      SinusoidalPositionalEncoding positions = new SinusoidalPositionalEncoding(16, 0, true);
      Linear generator = new Linear(16, vocabulary);
      embed.to(DType.FLOAT64);
      generator.to(DType.FLOAT64);
      java.util.function.Function<Tensor, Tensor> embedTokens = tokens -> positions.forward(
          embed.forward(tokens).mul(new Scalar(4.0)));
      Tensor srcTokens = Tensors.fromLongs(new long[] {3, 4, 5, 6, 0, 5, 5, 3, 4, 4}, 2, 5);
      Tensor srcPad = srcTokens.eq(new Scalar(0));
      Tensor memory = t.encode(embedTokens.apply(srcTokens), null, srcPad);
      Decoding.StepDecoder<State> decoder = new Decoding.StepDecoder<>() {
        @Override
        public Decoding.Step<State> step(Tensor lastTokens, State st) {
          Tensor prefix = Tensors.cat(List.of(st.prefix(), lastTokens.unsqueeze(1)), 1);
          Transformer.Masks masks = new Transformer.Masks(null, Transformer.causalMask(prefix.size(1)), null, null, null,
              st.memoryPadding());
          Tensor out = t.decode(embedTokens.apply(prefix), st.memory(), masks);
          Tensor logits = generator.forward(out.select(1, out.size(1) - 1));
          return new Decoding.Step<>(F.logSoftmax(logits, 1), new State(st.memory(), st.memoryPadding(), prefix));
        }

        @Override
        public State select(State st, Tensor rows) {
          return new State(st.memory().index_select(0, rows), st.memoryPadding().index_select(0, rows),
              st.prefix().index_select(0, rows));
        }

        @Override
        public List<Tensor> tensors(State st) {
          return List.of(st.memory(), st.memoryPadding(), st.prefix());
        }
      };
      State initial = new State(memory, srcPad, Tensors.zeros(DType.INT64, 2, 0));
      List<Decoding.Hypothesis> greedy = Decoding.greedy(decoder, initial, 2, bos, eos, 6);
      for (int b = 0; b < 2; b++) {
        Decoding.Hypothesis h = greedy.get(b);
        long[] tokens = h.tokens();
        long[] input = new long[tokens.length + 1];
        input[0] = bos;
        System.arraycopy(tokens, 0, input, 1, tokens.length);
        Tensor in = Tensors.fromLongs(input, 1, input.length);
        Transformer.Masks masks = Transformer.Masks.teacherForcing(input.length, srcPad.narrow(0, b, 1));
        Tensor out = t.decode(embedTokens.apply(in), memory.narrow(0, b, 1), masks);
        Tensor logp = F.logSoftmax(generator.forward(out), 2).select(0, 0);
        long[] predicted = Tensors.toLongArray(logp.argmax(new LongOptional(1), false));
        double total = 0;
        for (int i = 0; i < input.length; i++) {
          long expected = i < tokens.length ? tokens[i] : eos;
          if (i < tokens.length || h.finished()) {
            assertEquals(expected, predicted[i], "row " + b + " position " + i);
            total += logp.select(0, i).select(0, expected).item_double();
          }
        }
        assertEquals(total, h.logProb(), 1e-9);
      }
      List<List<Decoding.Hypothesis>> beams = Decoding.beamSearch(decoder, initial, 2, bos, eos, 6, 3, 0.6);
      assertEquals(2, beams.size());
      assertTrue(beams.get(1).size() >= 1);
    }
  }
}
