package io.nets4j.sequence;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Step-wise generation of token sequences from any autoregressive decoder: greedy decoding and
 * beam search. The decoder is a {@link StepDecoder}: given the last token of every row and its
 * state, it returns log-probabilities of the next token and the advanced state, so the same API
 * drives a recurrent decoder (state = hidden state), a Transformer (state = encoder memory and the
 * prefix so far) or a hand-written distribution.
 */
public final class Decoding {
  private Decoding() {}

  /**
   * An autoregressive decoder, one token at a time.
   *
   * @param <S> the decoder's state (e.g. {@link RecurrentState}, or a record of tensors)
   */
  public interface StepDecoder<S> {
    /**
     * Consumes one token per row and scores the next one.
     *
     * @param lastTokens {@code [rows]} int64 on the CPU: the previous token of each row (the start
     *     token at first)
     * @param state the state of every row before {@code lastTokens}
     * @return log-probabilities {@code [rows, vocabulary]} and the state after {@code lastTokens}
     */
    Step<S> step(Tensor lastTokens, S state);

    /** The state of the given rows, in that order (beam search follows the surviving hypotheses). */
    S select(S state, Tensor rows);

    /**
     * The tensors that make up a state. The decoding loop frees everything a step creates except
     * these; the default knows a {@link Tensor} and a {@link RecurrentState}.
     */
    default List<Tensor> tensors(S state) {
      if (state instanceof Tensor t) {
        return List.of(t);
      }
      if (state instanceof RecurrentState r) {
        return r.c() == null ? List.of(r.h()) : List.of(r.h(), r.c());
      }
      throw new UnsupportedOperationException("override StepDecoder.tensors for a state of type "
          + state.getClass().getName());
    }
  }

  /** What a decoder step returns: next-token log-probabilities {@code [rows, vocabulary]} and the new state. */
  public record Step<S>(Tensor logProbs, S state) {}

  /**
   * A generated sequence.
   *
   * @param tokens the generated tokens, without the start and end tokens
   * @param logProb the sum of the log-probabilities of the tokens, the end token included
   * @param score the ranking score: {@code logProb / length^lengthPenalty}, length counting the end token
   * @param finished whether it ended with the end token (otherwise it reached the length limit)
   */
  public record Hypothesis(long[] tokens, double logProb, double score, boolean finished) {
    public Hypothesis {
      tokens = tokens.clone();
    }

    @Override
    public long[] tokens() {
      return tokens.clone();
    }

    @Override
    public String toString() {
      return Arrays.toString(tokens) + String.format(" logp=%.4f score=%.4f%s", logProb, score, finished ? "" : " (unfinished)");
    }
  }

  /**
   * Greedy decoding: at every step each row takes its most likely token, until it produces
   * {@code eos} or has {@code maxLength} tokens.
   *
   * @param initial the state of {@code batch} rows before the start token
   * @return one hypothesis per row
   */
  public static <S> List<Hypothesis> greedy(StepDecoder<S> decoder, S initial, int batch, long bos, long eos,
      int maxLength) {
    checkArguments(batch, maxLength, 1);
    List<List<Long>> tokens = new ArrayList<>();
    double[] logProb = new double[batch];
    boolean[] finished = new boolean[batch];
    for (int b = 0; b < batch; b++) {
      tokens.add(new ArrayList<>());
    }
    S state = initial;
    long[] last = filled(batch, bos);
    for (int t = 0; t < maxLength && !allTrue(finished); t++) {
      try (Scope s = Scope.open()) {
        Step<S> step = decoder.step(Tensors.fromLongs(last.clone(), batch), state);
        Tensor[] best = Tensors.owned(logProbsOf(step, batch).max(1, false));
        double[] bestLogProb = Tensors.toDoubleArray(best[0]);
        long[] bestToken = Tensors.toLongArray(best[1]);
        for (int b = 0; b < batch; b++) {
          if (finished[b]) {
            last[b] = eos;
            continue;
          }
          logProb[b] += bestLogProb[b];
          last[b] = bestToken[b];
          if (bestToken[b] == eos) {
            finished[b] = true;
          } else {
            tokens.get(b).add(bestToken[b]);
          }
        }
        state = keep(s, decoder, step.state());
      }
    }
    List<Hypothesis> out = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      long[] seq = tokens.get(b).stream().mapToLong(Long::longValue).toArray();
      out.add(new Hypothesis(seq, logProb[b], logProb[b], finished[b]));
    }
    return out;
  }

  /**
   * Beam search: every row keeps the {@code beamWidth} best prefixes, extends each by every token
   * and keeps the best {@code beamWidth} continuations; a continuation with {@code eos} becomes a
   * finished hypothesis if it ranks among the best {@code beamWidth}. A row stops when it has
   * {@code beamWidth} finished hypotheses and no live prefix scores better than the worst of them,
   * or at {@code maxLength} tokens (its live prefixes then count as unfinished hypotheses).
   *
   * @param initial the state of {@code batch} rows before the start token
   * @param lengthPenalty the exponent {@code alpha} of the length normalisation (0: plain log-probability)
   * @return for each row, its best hypotheses (at most {@code beamWidth}), best first
   */
  public static <S> List<List<Hypothesis>> beamSearch(StepDecoder<S> decoder, S initial, int batch, long bos,
      long eos, int maxLength, int beamWidth, double lengthPenalty) {
    checkArguments(batch, maxLength, beamWidth);
    int k = beamWidth;
    int rows = batch * k;
    long[] expand = new long[rows];
    for (int r = 0; r < rows; r++) {
      expand[r] = r / k;
    }
    S state;
    try (Scope s = Scope.open()) {
      state = keep(s, decoder, decoder.select(initial, Tensors.fromLongs(expand, rows)));
    }
    long[][] prefixes = new long[rows][0];
    double[] beamLogProb = new double[rows];
    for (int r = 0; r < rows; r++) {
      // all beams start equal: only the first may expand at the first step, or beams would repeat
      beamLogProb[r] = r % k == 0 ? 0 : Double.NEGATIVE_INFINITY;
    }
    long[] last = filled(rows, bos);
    List<List<Hypothesis>> done = new ArrayList<>();
    boolean[] closed = new boolean[batch];
    for (int b = 0; b < batch; b++) {
      done.add(new ArrayList<>());
    }
    for (int t = 0; t < maxLength && !allTrue(closed); t++) {
      try (Scope s = Scope.open()) {
        Step<S> step = decoder.step(Tensors.fromLongs(last.clone(), rows), state);
        Tensor logProbs = logProbsOf(step, rows);
        int vocabulary = (int) logProbs.size(1);
        Candidates candidates = best(logProbs, beamLogProb, batch, k, vocabulary);
        long[] parents = new long[rows];
        long[] nextTokens = filled(rows, eos);
        double[] nextLogProb = new double[rows];
        long[][] nextPrefixes = new long[rows][];
        for (int b = 0; b < batch; b++) {
          int live = 0;
          if (!closed[b]) {
            for (int rank = 0; rank < candidates.perRow() && live < k; rank++) {
              int at = b * candidates.perRow() + rank;
              double candidateLogProb = candidates.logProb()[at];
              if (candidateLogProb == Double.NEGATIVE_INFINITY) {
                break;
              }
              int row = b * k + (int) (candidates.index()[at] / vocabulary);
              long token = candidates.index()[at] % vocabulary;
              long[] prefix = prefixes[row];
              if (token == eos) {
                if (rank < k) {
                  double score = candidateLogProb / Math.pow(prefix.length + 1, lengthPenalty);
                  done.get(b).add(new Hypothesis(prefix, candidateLogProb, score, true));
                }
                continue;
              }
              int slot = b * k + live++;
              parents[slot] = row;
              nextTokens[slot] = token;
              nextLogProb[slot] = candidateLogProb;
              nextPrefixes[slot] = Arrays.copyOf(prefix, prefix.length + 1);
              nextPrefixes[slot][prefix.length] = token;
            }
          }
          for (int slot = b * k + live; slot < (b + 1) * k; slot++) {
            parents[slot] = b * k;
            nextLogProb[slot] = Double.NEGATIVE_INFINITY;
            nextPrefixes[slot] = new long[0];
          }
          if (!closed[b]) {
            closed[b] = live == 0 || cannotImprove(done.get(b), k, nextLogProb[b * k], t + 1, lengthPenalty);
          }
        }
        prefixes = nextPrefixes;
        beamLogProb = nextLogProb;
        last = nextTokens;
        state = keep(s, decoder, decoder.select(step.state(), Tensors.fromLongs(parents, rows)));
      }
    }
    List<List<Hypothesis>> out = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      List<Hypothesis> hyps = new ArrayList<>(done.get(b));
      if (!closed[b]) {
        for (int slot = b * k; slot < (b + 1) * k; slot++) {
          if (beamLogProb[slot] > Double.NEGATIVE_INFINITY) {
            double lp = beamLogProb[slot];
            hyps.add(new Hypothesis(prefixes[slot], lp, lp / Math.pow(prefixes[slot].length, lengthPenalty), false));
          }
        }
      }
      hyps.sort(Comparator.comparingDouble(Hypothesis::score).reversed());
      out.add(List.copyOf(hyps.subList(0, Math.min(k, hyps.size()))));
    }
    return out;
  }

  /**
   * The best extensions of every batch row's beams, best first: {@code perRow} per row, as
   * (log-probability, index into the row's {@code beams x vocabulary} extensions).
   */
  private record Candidates(int perRow, double[] logProb, long[] index) {}

  private static Candidates best(Tensor logProbs, double[] beamLogProb, int batch, int k, int vocabulary) {
    Tensor beams = Tensors.fromDoubles(beamLogProb, beamLogProb.length, 1).to(logProbs.device(), logProbs.scalar_type());
    Tensor extensions = logProbs.add(beams).view(batch, (long) k * vocabulary);
    int perRow = Math.min(2 * k, k * vocabulary);
    Tensor[] top = Tensors.owned(extensions.topk(perRow, 1, true, true));
    return new Candidates(perRow, Tensors.toDoubleArray(top[0]), Tensors.toLongArray(top[1]));
  }

  /**
   * Whether a row's best live prefix can no longer beat its worst kept finished hypothesis (judged
   * at its current length, as common implementations do; exact when {@code lengthPenalty} is 0,
   * since log-probabilities only decrease).
   */
  private static boolean cannotImprove(List<Hypothesis> finished, int k, double bestLive, int length,
      double lengthPenalty) {
    if (finished.size() < k) {
      return false;
    }
    List<Double> scores = new ArrayList<>(finished.stream().map(Hypothesis::score).toList());
    scores.sort(Comparator.reverseOrder());
    double worstKept = scores.get(k - 1);
    return bestLive / Math.pow(length, lengthPenalty) <= worstKept;
  }

  private static Tensor logProbsOf(Step<?> step, int rows) {
    Tensor lp = step.logProbs();
    if (lp.dim() != 2 || lp.size(0) != rows) {
      throw new IllegalArgumentException("a decoder step must return log-probabilities [" + rows
          + ", vocabulary], got " + Tensors.describe(lp));
    }
    return lp.detach().to(DType.FLOAT64.scalarType());
  }

  /** Keeps the tensors of a state alive past the step's scope. */
  private static <S> S keep(Scope scope, StepDecoder<S> decoder, S state) {
    decoder.tensors(state).forEach(scope::keep);
    return state;
  }

  private static long[] filled(int n, long value) {
    long[] a = new long[n];
    Arrays.fill(a, value);
    return a;
  }

  private static boolean allTrue(boolean[] a) {
    for (boolean x : a) {
      if (!x) {
        return false;
      }
    }
    return true;
  }

  private static void checkArguments(int batch, int maxLength, int beamWidth) {
    if (batch <= 0 || maxLength <= 0 || beamWidth <= 0) {
      throw new IllegalArgumentException("batch, maximum length and beam width must be positive, got "
          + batch + ", " + maxLength + ", " + beamWidth);
    }
  }
}
