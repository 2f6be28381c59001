package io.nets4j.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Counts of (true class, predicted class) pairs, with the accuracy and the per-class precision,
 * recall and F1 score derived from them. A class that is never predicted has precision 0, one
 * that never occurs has recall 0 (scikit-learn's {@code zero_division=0}).
 */
public final class ConfusionMatrix {
  private final long[][] counts;

  public ConfusionMatrix(int classes) {
    if (classes < 1) {
      throw new IllegalArgumentException("a confusion matrix needs at least one class, got " + classes);
    }
    counts = new long[classes][classes];
  }

  /** A matrix with the given counts ({@code counts[true][predicted]}). */
  public static ConfusionMatrix of(long[][] counts) {
    ConfusionMatrix m = new ConfusionMatrix(counts.length);
    for (int t = 0; t < counts.length; t++) {
      if (counts[t].length != counts.length) {
        throw new IllegalArgumentException("row " + t + " has " + counts[t].length + " entries, expected "
            + counts.length);
      }
      m.counts[t] = counts[t].clone();
    }
    return m;
  }

  public int classes() {
    return counts.length;
  }

  /** Records one prediction. */
  public void add(int trueClass, int predicted) {
    check(trueClass, "true");
    check(predicted, "predicted");
    counts[trueClass][predicted]++;
  }

  /** Records a batch of predictions. */
  public void add(long[] trueClasses, long[] predicted) {
    if (trueClasses.length != predicted.length) {
      throw new IllegalArgumentException(trueClasses.length + " true classes but " + predicted.length + " predictions");
    }
    for (int i = 0; i < trueClasses.length; i++) {
      add((int) trueClasses[i], (int) predicted[i]);
    }
  }

  /** Adds another matrix's counts to this one. */
  public void addAll(ConfusionMatrix other) {
    if (other.classes() != classes()) {
      throw new IllegalArgumentException("cannot add a " + other.classes() + "-class matrix to a " + classes()
          + "-class one");
    }
    for (int t = 0; t < counts.length; t++) {
      for (int p = 0; p < counts.length; p++) {
        counts[t][p] += other.counts[t][p];
      }
    }
  }

  private void check(int c, String what) {
    if (c < 0 || c >= counts.length) {
      throw new IllegalArgumentException(what + " class " + c + " is outside [0, " + counts.length + ")");
    }
  }

  /** The number of samples of class {@code trueClass} predicted as {@code predicted}. */
  public long count(int trueClass, int predicted) {
    return counts[trueClass][predicted];
  }

  /** A copy of the counts, {@code [true][predicted]}. */
  public long[][] counts() {
    long[][] out = new long[counts.length][];
    for (int t = 0; t < counts.length; t++) {
      out[t] = counts[t].clone();
    }
    return out;
  }

  public long total() {
    return Arrays.stream(counts).flatMapToLong(Arrays::stream).sum();
  }

  public long correct() {
    long c = 0;
    for (int i = 0; i < counts.length; i++) {
      c += counts[i][i];
    }
    return c;
  }

  /** The fraction of correct predictions (0 for an empty matrix). */
  public double accuracy() {
    long n = total();
    return n == 0 ? 0 : (double) correct() / n;
  }

  /** Of the samples predicted as {@code c}, the fraction that are {@code c}. */
  public double precision(int c) {
    long predicted = 0;
    for (long[] row : counts) {
      predicted += row[c];
    }
    return predicted == 0 ? 0 : (double) counts[c][c] / predicted;
  }

  /** Of the samples of class {@code c}, the fraction predicted as {@code c}. */
  public double recall(int c) {
    long actual = Arrays.stream(counts[c]).sum();
    return actual == 0 ? 0 : (double) counts[c][c] / actual;
  }

  /** The harmonic mean of precision and recall (0 when both are 0). */
  public double f1(int c) {
    double p = precision(c);
    double r = recall(c);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  /** The number of samples of class {@code c}. */
  public long support(int c) {
    return Arrays.stream(counts[c]).sum();
  }

  /** A per-class table (precision, recall, F1, support) as text, classes named by {@code names}. */
  public String report(List<String> names) {
    int width = Math.max(5, names.stream().mapToInt(String::length).max().orElse(5));
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s %9s %9s %9s %8s%n", "class",
        "precision", "recall", "f1", "support"));
    for (int c = 0; c < counts.length; c++) {
      out.append(String.format(Locale.ROOT, "%-" + width + "s %9.4f %9.4f %9.4f %8d%n", names.get(c), precision(c),
          recall(c), f1(c), support(c)));
    }
    out.append(String.format(Locale.ROOT, "%-" + width + "s %9s %9s %9.4f %8d%n", "accuracy", "", "", accuracy(),
        total()));
    return out.toString();
  }
}
