package io.nets4j.experiments;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One metric measured over several seeds: its mean and spread, so that a reader sees whether a
 * difference between two configurations is larger than the seed-to-seed variation.
 *
 * @param mean the mean
 * @param std the sample standard deviation (n - 1 in the denominator; 0 for a single seed)
 * @param min the smallest value
 * @param max the largest value
 * @param values the values, one per seed, in seed order
 */
public record SeedStats(double mean, double std, double min, double max, List<Double> values) {
  public SeedStats {
    values = List.copyOf(values);
  }

  /** The statistics of {@code values} (at least one, all finite). */
  public static SeedStats of(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values to summarise");
    }
    for (double v : values) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("non-finite value " + v + " in " + Arrays.toString(values));
      }
    }
    double mean = Arrays.stream(values).average().orElseThrow();
    double ss = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum();
    double std = values.length > 1 ? Math.sqrt(ss / (values.length - 1)) : 0;
    return new SeedStats(mean, std, Arrays.stream(values).min().orElseThrow(), Arrays.stream(values).max().orElseThrow(),
        Arrays.stream(values).boxed().toList());
  }

  /** Whether the ranges over seeds of this and {@code other} are disjoint (the difference is not seed noise). */
  public boolean separatedFrom(SeedStats other) {
    return max < other.min || other.max < min;
  }

  /** {@code mean ± std (min-max)} of the values times {@code scale} (100 for percent), with one decimal. */
  public String format(double scale) {
    return String.format(Locale.ROOT, "%.1f ± %.1f (%.1f-%.1f)", mean * scale, std * scale, min * scale, max * scale);
  }
}
