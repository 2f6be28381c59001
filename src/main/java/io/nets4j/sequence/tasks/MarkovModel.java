package io.nets4j.sequence.tasks;

import java.util.HashMap;
import java.util.Map;

/**
 * A character n-gram model, the baseline of the language models: the next character depends on
 * the last {@code order - 1} characters. Counts are smoothed by interpolation with the next
 * shorter context, down to the uniform distribution over the characters:
 * {@code P_k(c | h) = (N(h c) + alpha P_{k-1}(c | h')) / (N(h) + alpha)}, where {@code h'} drops
 * the oldest character of {@code h} (a Dirichlet prior centred on the shorter context, as in
 * MacKay and Peto 1995), so unseen contexts and characters keep a non-zero probability.
 */
public final class MarkovModel {
  private final int order;
  private final double alpha;
  private final int characters;
  private final Map<String, int[]> counts = new HashMap<>();
  private final Map<String, Integer> totals = new HashMap<>();

  /**
   * Counts the n-grams of {@code text}.
   *
   * @param text character indices in {@code [0, characters)}
   * @param characters the size of the alphabet
   * @param order n: the prediction uses the {@code n - 1} previous characters
   * @param alpha the weight of the shorter context (larger is smoother)
   */
  public MarkovModel(int[] text, int characters, int order, double alpha) {
    if (order < 1 || alpha <= 0 || characters < 1) {
      throw new IllegalArgumentException("order, smoothing weight and alphabet size must be positive, got " + order
          + ", " + alpha + ", " + characters);
    }
    this.order = order;
    this.alpha = alpha;
    this.characters = characters;
    for (int t = 0; t < text.length; t++) {
      check(text[t], t);
      for (int k = 0; k < order && k <= t; k++) {
        String h = key(text, t - k, t);
        counts.computeIfAbsent(h, x -> new int[characters])[text[t]]++;
        totals.merge(h, 1, Integer::sum);
      }
    }
  }

  public int order() {
    return order;
  }

  /** P(next | the characters {@code context[from, to)}), using at most the last {@code order - 1} of them. */
  public double probability(int[] context, int from, int to, int next) {
    check(next, to);
    int start = Math.max(from, to - (order - 1));
    double p = 1.0 / characters;
    for (int s = to; s >= start; s--) {
      String h = key(context, s, to);
      int[] c = counts.get(h);
      if (c != null) {
        p = (c[next] + alpha * p) / (totals.get(h) + alpha);
      }
    }
    return p;
  }

  /** The mean negative log-likelihood (nats) of {@code text[1..]}, each character given the ones before it. */
  public double meanNll(int[] text) {
    if (text.length < 2) {
      throw new IllegalArgumentException("need at least 2 characters to evaluate, got " + text.length);
    }
    double sum = 0;
    for (int t = 1; t < text.length; t++) {
      sum -= Math.log(probability(text, 0, t, text[t]));
    }
    return sum / (text.length - 1);
  }

  private void check(int c, int position) {
    if (c < 0 || c >= characters) {
      throw new IllegalArgumentException("character index " + c + " at position " + position + " is outside [0, "
          + characters + ")");
    }
  }

  private static String key(int[] text, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      sb.appendCodePoint(text[i]);
    }
    return sb.toString();
  }
}
