package io.nets4j.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Order statistics of repeated measurements: the median and the spread (min, 10th and 90th
 * percentiles, max). Percentiles interpolate linearly between the sorted samples, as numpy's
 * default does, so a handful of samples still gives a stable figure.
 *
 * @param n number of samples
 * @param median 50th percentile
 * @param min smallest sample
 * @param p10 10th percentile
 * @param p90 90th percentile
 * @param max largest sample
 */
public record Stats(int n, double median, double min, double p10, double p90, double max) {

  public static Stats of(double[] samples) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    double[] s = samples.clone();
    Arrays.sort(s);
    return new Stats(s.length, percentile(s, 50), s[0], percentile(s, 10), percentile(s, 90), s[s.length - 1]);
  }

  /** The {@code q}-th percentile of sorted samples, interpolated linearly. */
  static double percentile(double[] sorted, double q) {
    double pos = q / 100 * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  /** These statistics of {@code k / x} for each sample x (e.g. items per second from seconds per batch). */
  public Stats reciprocal(double k) {
    // a decreasing map swaps the ends of the distribution
    return new Stats(n, k / median, k / max, k / p90, k / p10, k / min);
  }

  /** Reads back {@link #toMap} written as JSON. */
  static Stats fromJson(com.fasterxml.jackson.databind.JsonNode n) {
    return new Stats(n.get("n").asInt(), n.get("median").asDouble(), n.get("min").asDouble(), n.get("p10").asDouble(),
        n.get("p90").asDouble(), n.get("max").asDouble());
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", n);
    m.put("median", median);
    m.put("min", min);
    m.put("p10", p10);
    m.put("p90", p90);
    m.put("max", max);
    return m;
  }

  /** {@code median (p10–p90)} with {@code digits} decimals. */
  public String format(int digits) {
    String f = "%." + digits + "f";
    return String.format(java.util.Locale.ROOT, f + " (" + f + "–" + f + ")", median, p10, p90);
  }
}
