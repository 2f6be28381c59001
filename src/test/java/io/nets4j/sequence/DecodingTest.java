package io.nets4j.sequence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Embedding;
import io.nets4j.nn.F;
import io.nets4j.nn.Linear;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DecodingTest {
  static final long EOS = 0;
  static final long A = 1;
  static final long B = 2;
  static final long BOS = 3;

  /**
   * A hand-built distribution over {EOS, A, B}. First token: A 0.6, B 0.4. After A: A 0.36,
   * B 0.34, EOS 0.30. After B: EOS 0.9. After two tokens: EOS 0.9. Greedy takes A, A, EOS
   * (0.6 * 0.36 * 0.9 = 0.194); the best sequence is B, EOS (0.4 * 0.9 = 0.36). Batch row 1
   * sees the same table with A and B swapped. The state is {@code [rows, 1 + t]}: the batch row,
   * then the tokens so far.
   */
  static final class Toy implements Decoding.StepDecoder<Tensor> {
    final double eosAfterTwo;

    Toy(double eosAfterTwo) {
      this.eosAfterTwo = eosAfterTwo;
    }

    static double[] distribution(long[] prefix, double eosAfterTwo) {
      if (prefix.length == 0) {
        return new double[] {1e-6, 0.6, 0.4};
      }
      if (prefix.length == 1) {
        return prefix[0] == A ? new double[] {0.30, 0.36, 0.34} : new double[] {0.9, 0.05, 0.05};
      }
      double rest = (1 - eosAfterTwo) / 2;
      return new double[] {eosAfterTwo, rest, rest};
    }

    @Override
    public Decoding.Step<Tensor> step(Tensor lastTokens, Tensor state) {
      Tensor next = Tensors.cat(List.of(state, lastTokens.unsqueeze(1)), 1);
      long[] flat = Tensors.toLongArray(next);
      int rows = (int) next.size(0);
      int width = (int) next.size(1);
      double[] logp = new double[rows * 3];
      for (int r = 0; r < rows; r++) {
        long row = flat[r * width];
        List<Long> prefix = new ArrayList<>();
        for (int c = 1; c < width; c++) {
          long t = flat[r * width + c];
          if (t != BOS) {
            prefix.add(row == 1 && t != EOS ? 3 - t : t);
          }
        }
        double[] p = distribution(prefix.stream().mapToLong(Long::longValue).toArray(), eosAfterTwo);
        for (int v = 0; v < 3; v++) {
          int token = row == 1 && v != EOS ? 3 - v : v;
          logp[r * 3 + token] = Math.log(p[v]);
        }
      }
      return new Decoding.Step<>(Tensors.fromDoubles(logp, rows, 3), next);
    }

    @Override
    public Tensor select(Tensor state, Tensor rows) {
      return state.index_select(0, rows);
    }
  }

  static Tensor rows(int batch) {
    long[] ids = new long[batch];
    for (int i = 0; i < batch; i++) {
      ids[i] = i;
    }
    return Tensors.fromLongs(ids, batch, 1);
  }

  @Test
  void greedyAndBeamSearchDifferOnTheToyDistribution() {
    try (Scope s = Scope.open()) {
      Toy toy = new Toy(0.9);
      List<Decoding.Hypothesis> greedy = Decoding.greedy(toy, rows(2), 2, BOS, EOS, 10);
      assertArrayEquals(new long[] {A, A}, greedy.get(0).tokens());
      assertEquals(Math.log(0.6 * 0.36 * 0.9), greedy.get(0).logProb(), 1e-12);
      assertTrue(greedy.get(0).finished());
      assertArrayEquals(new long[] {B, B}, greedy.get(1).tokens(), "row 1 sees A and B swapped");

      List<List<Decoding.Hypothesis>> beams = Decoding.beamSearch(toy, rows(2), 2, BOS, EOS, 10, 2, 0);
      Decoding.Hypothesis best = beams.get(0).get(0);
      assertArrayEquals(new long[] {B}, best.tokens());
      assertEquals(Math.log(0.36), best.logProb(), 1e-12);
      assertArrayEquals(new long[] {A}, beams.get(1).get(0).tokens());
      assertEquals(2, beams.get(0).size());
      assertTrue(beams.get(0).get(0).score() >= beams.get(0).get(1).score());
      assertEquals(bestByEnumeration(0.9, 4), best.logProb(), 1e-12);
    }
  }

  /** With one beam, beam search is greedy decoding. */
  @Test
  void beamOfOneIsGreedy() {
    try (Scope s = Scope.open()) {
      Toy toy = new Toy(0.9);
      Decoding.Hypothesis greedy = Decoding.greedy(toy, rows(1), 1, BOS, EOS, 10).get(0);
      Decoding.Hypothesis beam = Decoding.beamSearch(toy, rows(1), 1, BOS, EOS, 10, 1, 0).get(0).get(0);
      assertArrayEquals(greedy.tokens(), beam.tokens());
      assertEquals(greedy.logProb(), beam.logProb(), 1e-12);
    }
  }

  /** Sequences cut at the length limit come back unfinished; the length penalty divides by length^alpha. */
  @Test
  void lengthLimitAndLengthPenalty() {
    try (Scope s = Scope.open()) {
      Toy rarelyEnds = new Toy(0.01);
      Decoding.Hypothesis g = Decoding.greedy(rarelyEnds, rows(1), 1, BOS, EOS, 3).get(0);
      assertFalse(g.finished());
      assertEquals(3, g.tokens().length);
      List<Decoding.Hypothesis> hyps = Decoding.beamSearch(rarelyEnds, rows(1), 1, BOS, EOS, 4, 3, 1.0).get(0);
      for (Decoding.Hypothesis h : hyps) {
        int length = h.tokens().length + (h.finished() ? 1 : 0);
        assertEquals(h.logProb() / length, h.score(), 1e-12);
      }
      for (int i = 1; i < hyps.size(); i++) {
        assertTrue(hyps.get(i - 1).score() >= hyps.get(i).score());
      }
    }
  }

  /** The highest log-probability of a finished sequence of at most {@code maxTokens} tokens, by brute force. */
  static double bestByEnumeration(double eosAfterTwo, int maxTokens) {
    return best(new long[0], 0, eosAfterTwo, maxTokens);
  }

  private static double best(long[] prefix, double logp, double eosAfterTwo, int maxTokens) {
    double[] p = Toy.distribution(prefix, eosAfterTwo);
    double result = logp + Math.log(p[(int) EOS]);
    if (prefix.length < maxTokens) {
      for (long t : new long[] {A, B}) {
        long[] next = java.util.Arrays.copyOf(prefix, prefix.length + 1);
        next[prefix.length] = t;
        result = Math.max(result, best(next, logp + Math.log(p[(int) t]), eosAfterTwo, maxTokens));
      }
    }
    return result;
  }

  /**
   * A recurrent decoder (embedding, LSTM cell, output layer) under beam search: every returned
   * hypothesis's log-probability equals its rescoring by teacher forcing, so the states followed
   * the right beams.
   */
  @Test
  void beamSearchOverAnLstmCellKeepsStatesWithTheirHypotheses() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(21);
      int vocabulary = 6;
      Embedding embedding = new Embedding(vocabulary + 1, 8);
      LSTMCell cell = new LSTMCell(8, 12);
      Linear generator = new Linear(12, vocabulary);
      for (var m : List.of(embedding, cell, generator)) {
        m.to(DType.FLOAT64);
      }
      Decoding.StepDecoder<RecurrentState> decoder = new Decoding.StepDecoder<>() {
        @Override
        public Decoding.Step<RecurrentState> step(Tensor lastTokens, RecurrentState state) {
          RecurrentState next = cell.step(embedding.forward(lastTokens), state);
          return new Decoding.Step<>(F.logSoftmax(generator.forward(next.h()), 1), next);
        }

        @Override
        public RecurrentState select(RecurrentState state, Tensor rows) {
          return state.indexSelect(0, rows);
        }
      };
      int batch = 3;
      RecurrentState initial = new RecurrentState(Tensors.zeros(DType.FLOAT64, batch, 12).normal_(),
          Tensors.zeros(DType.FLOAT64, batch, 12).normal_());
      long bos = vocabulary;
      List<List<Decoding.Hypothesis>> beams = Decoding.beamSearch(decoder, initial, batch, bos, 0, 6, 4, 0);
      for (int b = 0; b < batch; b++) {
        assertEquals(4, beams.get(b).size());
        for (Decoding.Hypothesis h : beams.get(b)) {
          RecurrentState st = initial.indexSelect(0, Tensors.fromLongs(new long[] {b}, 1));
          long last = bos;
          double logp = 0;
          List<Long> targets = new ArrayList<>();
          for (long t : h.tokens()) {
            targets.add(t);
          }
          if (h.finished()) {
            targets.add(0L);
          }
          for (long t : targets) {
            Decoding.Step<RecurrentState> step = decoder.step(Tensors.fromLongs(new long[] {last}, 1), st);
            logp += step.logProbs().select(0, 0).select(0, t).item_double();
            st = step.state();
            last = t;
          }
          assertEquals(logp, h.logProb(), 1e-9, "row " + b + " " + h);
        }
      }
      Decoding.Hypothesis greedy = Decoding.greedy(decoder, initial, batch, bos, 0, 6).get(0);
      assertTrue(beams.get(0).get(0).score() >= greedy.logProb() - 1e-12, "beam search is never worse than greedy here");
    }
  }
}
