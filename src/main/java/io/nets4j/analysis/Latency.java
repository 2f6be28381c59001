package io.nets4j.analysis;

import io.nets4j.nn.Layer;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Wall-clock latency of a model's forward pass, the way deployment sees it: evaluation mode,
 * libtorch's {@code InferenceMode} (no autograd bookkeeping), a few untimed warm-up passes (first
 * calls allocate caches and pick kernels), then the median of timed passes, each on the same input.
 *
 * <pre>{@code
 * Latency.Stats s = Latency.measure(Models.create("resnet50"), new long[] {1, 3, 224, 224}, 3, 20);
 * double ms = s.medianMs();
 * }</pre>
 *
 * <p>The numbers belong to the machine and its load: {@link Machine#current()} describes the one
 * they were taken on. Benchmarks, not unit tests, should assert anything about their size.
 */
public final class Latency {
  /**
   * The timed passes of one measurement.
   *
   * @param warmupRuns untimed passes before the timed ones
   * @param runs timed passes
   * @param medianMs the median of the timed passes, in milliseconds
   * @param p25Ms the first quartile (linear interpolation between order statistics)
   * @param p75Ms the third quartile
   * @param minMs the fastest pass
   */
  public record Stats(int warmupRuns, int runs, double medianMs, double p25Ms, double p75Ms, double minMs) {}

  private Latency() {}

  /**
   * Times {@code runs} forward passes of {@code model} on a random input of {@code inputShape}, after
   * {@code warmupRuns} untimed ones. The model is put in evaluation mode and left there.
   *
   * @throws IllegalArgumentException if {@code runs < 1}, {@code warmupRuns < 0} or the shape is empty
   */
  public static Stats measure(Layer model, long[] inputShape, int warmupRuns, int runs) {
    Objects.requireNonNull(model, "model");
    if (runs < 1 || warmupRuns < 0) {
      throw new IllegalArgumentException("need at least 1 timed run and no negative warm-up, got " + runs
          + " timed and " + warmupRuns + " warm-up runs");
    }
    if (inputShape == null || inputShape.length == 0 || Arrays.stream(inputShape).anyMatch(d -> d < 1)) {
      throw new IllegalArgumentException("the input shape must have at least one dimension, all >= 1; got "
          + (inputShape == null ? "none" : Tensors.describe(inputShape)));
    }
    model.eval();
    double[] ms = new double[runs];
    try (InferenceMode guard = new InferenceMode(); Scope s = Scope.open()) {
      Tensor x = torch.randn(inputShape.clone(), Tensors.options(model.dtype()));
      for (int i = 0; i < warmupRuns; i++) {
        try (Scope pass = Scope.open()) {
          model.forward(x);
        }
      }
      for (int i = 0; i < runs; i++) {
        try (Scope pass = Scope.open()) {
          long start = System.nanoTime();
          model.forward(x);
          ms[i] = (System.nanoTime() - start) / 1e6;
        }
      }
    }
    Arrays.sort(ms);
    return new Stats(warmupRuns, runs, quantile(ms, 0.5), quantile(ms, 0.25), quantile(ms, 0.75), ms[0]);
  }

  /** The {@code q}-quantile of sorted values, interpolating linearly (numpy's default). */
  static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
