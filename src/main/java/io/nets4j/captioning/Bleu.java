package io.nets4j.captioning;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus-level BLEU (Papineni et al. 2002, "BLEU: a Method for Automatic Evaluation of Machine
 * Translation"): the geometric mean of the modified (clipped) n-gram precisions for
 * {@code n = 1..N}, each summed over the whole corpus before dividing, times the brevity penalty
 * {@code exp(1 - r / c)} when the total candidate length {@code c} is at most the effective
 * reference length {@code r} (for each candidate, the reference length closest to it, the shorter
 * on ties). No smoothing: a corpus without a single matching n-gram of some order scores 0.
 */
public final class Bleu {
  private Bleu() {}

  /** BLEU-4 of {@code candidates} against their references (one list of references per candidate). */
  public static double corpusBleu4(List<List<String>> candidates, List<List<List<String>>> references) {
    return corpusBleu(candidates, references, 4);
  }

  /** Corpus BLEU with n-grams up to {@code maxOrder}, uniform weights. */
  public static double corpusBleu(List<List<String>> candidates, List<List<List<String>>> references, int maxOrder) {
    if (candidates.size() != references.size()) {
      throw new IllegalArgumentException(candidates.size() + " candidates but " + references.size()
          + " reference lists");
    }
    if (maxOrder < 1) {
      throw new IllegalArgumentException("maximum n-gram order must be positive, got " + maxOrder);
    }
    long[] matches = new long[maxOrder];
    long[] totals = new long[maxOrder];
    long candidateLength = 0;
    long referenceLength = 0;
    for (int i = 0; i < candidates.size(); i++) {
      List<String> cand = candidates.get(i);
      List<List<String>> refs = references.get(i);
      if (refs.isEmpty()) {
        throw new IllegalArgumentException("candidate " + i + " has no reference");
      }
      candidateLength += cand.size();
      referenceLength += closestLength(cand.size(), refs);
      for (int n = 1; n <= maxOrder; n++) {
        Map<List<String>, Integer> counts = ngrams(cand, n);
        Map<List<String>, Integer> maxRef = new HashMap<>();
        for (List<String> ref : refs) {
          ngrams(ref, n).forEach((g, c) -> maxRef.merge(g, c, Math::max));
        }
        for (Map.Entry<List<String>, Integer> e : counts.entrySet()) {
          matches[n - 1] += Math.min(e.getValue(), maxRef.getOrDefault(e.getKey(), 0));
          totals[n - 1] += e.getValue();
        }
      }
    }
    double logPrecision = 0;
    for (int n = 0; n < maxOrder; n++) {
      if (matches[n] == 0) {
        return 0;
      }
      logPrecision += Math.log((double) matches[n] / totals[n]) / maxOrder;
    }
    double brevity = candidateLength > referenceLength ? 1 : Math.exp(1 - (double) referenceLength / candidateLength);
    return brevity * Math.exp(logPrecision);
  }

  private static int closestLength(int length, List<List<String>> refs) {
    int best = refs.get(0).size();
    for (List<String> r : refs) {
      int d = Math.abs(r.size() - length);
      int bestD = Math.abs(best - length);
      if (d < bestD || (d == bestD && r.size() < best)) {
        best = r.size();
      }
    }
    return best;
  }

  private static Map<List<String>, Integer> ngrams(List<String> words, int n) {
    Map<List<String>, Integer> counts = new HashMap<>();
    for (int i = 0; i + n <= words.size(); i++) {
      counts.merge(List.copyOf(words.subList(i, i + n)), 1, Integer::sum);
    }
    return counts;
  }
}
