package io.nets4j.bench;

import io.nets4j.nn.Layer;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Estimates what the Java layer adds to a forward pass on top of libtorch's own work.
 *
 * <p>The presets expose no usable libtorch profiler (its callbacks are C++ {@code std::function}s),
 * so the probe combines three measurements of one forward in evaluation mode without gradients:
 * <ol>
 *   <li>the forward itself, and the same leaf-layer computations replayed one after the other on
 *       their recorded inputs (so the difference is the model's glue: container traversal and the
 *       tensor code between layers, e.g. residual additions), timed alternately so that drift in the
 *       machine's speed does not masquerade as overhead;</li>
 *   <li>the number of native objects (tensor handles, option structs) the forward creates, a count
 *       of the crossings from Java into libtorch that return an object;</li>
 *   <li>the fixed cost of one such crossing, timed on a one-element tensor: a plain JNI call
 *       ({@code dim()}) and a complete tiny operator ({@code add}: JNI, wrapper object, libtorch's
 *       dispatcher, a kernel on one value).</li>
 * </ol>
 * Crossings times the tiny-operator cost bounds the fixed per-call overhead from above (it also
 * counts libtorch's dispatcher, which Python pays as well); crossings times the JNI cost bounds the
 * binding's own share from below.
 *
 * @param forwardMs the forward pass
 * @param leafReplayMs the leaf layers replayed on their recorded inputs
 * @param glueMs per iteration, the forward minus the replay that ran right after it
 * @param leafCalls leaf-layer calls in one forward
 * @param nativeObjects native objects created by one forward
 * @param jniCallNs one plain JNI call ({@code Tensor.dim()}), median
 * @param tinyOpNs one complete operator on a one-element tensor ({@code add}), median
 * @param byLayerType replay time per leaf-layer type, largest first (ms per forward)
 */
public record OverheadProbe(Stats forwardMs, Stats leafReplayMs, Stats glueMs, int leafCalls, long nativeObjects, double jniCallNs,
    double tinyOpNs, Map<String, Double> byLayerType) {

  private record Call(Layer layer, Tensor input) {}

  public static OverheadProbe run(Layer model, Tensor input, int warmup, int iters) {
    if (iters < BenchOptions.MIN_ITERS) {
      throw new IllegalArgumentException("iters must be >= " + BenchOptions.MIN_ITERS + ", got " + iters);
    }
    model.eval();
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      List<Call> leaves = new ArrayList<>();
      long before = Pointer.totalCount();
      Layer.observe((layer, in, out) -> {
        // a layer that returned its input did no work (a folded batch norm, an activation fused
        // into the packed layer before it): replaying it would compute what the forward did not
        if (layer.children().isEmpty() && out != in) {
          leaves.add(new Call(layer, in));
        }
      }, () -> model.forward(input));
      long objects = Pointer.totalCount() - before;
      Stats[] interleaved = timeInterleaved(warmup, iters, () -> model.forward(input), () -> {
        for (Call c : leaves) {
          c.layer().forward(c.input());
        }
      });
      Stats forward = interleaved[0];
      Stats replay = interleaved[1];
      Stats glue = interleaved[2];
      Map<String, Double> byType = byType(leaves, warmup, iters);
      Tensor one = Tensors.ones(DType.FLOAT32, 1);
      double jni = perCallNs(() -> one.dim());
      double op = perCallNs(() -> one.add(one));
      return new OverheadProbe(forward, replay, glue, leaves.size(), objects, jni, op, byType);
    }
  }

  private static Map<String, Double> byType(List<Call> leaves, int warmup, int iters) {
    Map<String, Double> total = new LinkedHashMap<>();
    for (Call c : leaves) {
      double ms = time(warmup, Math.max(BenchOptions.MIN_ITERS, iters / 2), () -> c.layer().forward(c.input())).median();
      total.merge(c.layer().typeName(), ms, Double::sum);
    }
    Map<String, Double> sorted = new LinkedHashMap<>();
    total.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  private static Stats time(int warmup, int iters, Runnable body) {
    double[] ms = new double[iters];
    for (int i = -warmup; i < iters; i++) {
      double t = timeOnce(body);
      if (i >= 0) {
        ms[i] = t;
      }
    }
    return Stats.of(ms);
  }

  /**
   * Times {@code a} and {@code b} alternately, so that a machine whose speed drifts (other processes,
   * frequency changes, a shared host) affects both alike; returns a's times, b's, and the paired
   * differences a - b, whose median is robust to that drift.
   */
  private static Stats[] timeInterleaved(int warmup, int iters, Runnable a, Runnable b) {
    double[] ta = new double[iters];
    double[] tb = new double[iters];
    double[] diff = new double[iters];
    for (int i = -warmup; i < iters; i++) {
      double msA = timeOnce(a);
      double msB = timeOnce(b);
      if (i >= 0) {
        ta[i] = msA;
        tb[i] = msB;
        diff[i] = msA - msB;
      }
    }
    return new Stats[] {Stats.of(ta), Stats.of(tb), Stats.of(diff)};
  }

  private static double timeOnce(Runnable body) {
    try (Scope s = Scope.open()) {
      long t0 = System.nanoTime();
      body.run();
      return (System.nanoTime() - t0) / 1e6;
    }
  }

  /** The median over 20 rounds of the mean time of 1000 calls, in ns. */
  private static double perCallNs(Runnable call) {
    double[] ns = new double[20];
    for (int round = -5; round < ns.length; round++) {
      try (Scope s = Scope.open()) {
        long t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
          call.run();
        }
        if (round >= 0) {
          ns[round] = (System.nanoTime() - t0) / 1000.0;
        }
      }
    }
    return Stats.of(ns).median();
  }

  /** Upper bound of the fixed per-call cost in one forward (crossings times a tiny operator), ms. */
  public double perCallUpperBoundMs() {
    return nativeObjects * tinyOpNs / 1e6;
  }

  /** Lower bound of the binding's share (crossings times a plain JNI call), ms. */
  public double jniLowerBoundMs() {
    return nativeObjects * jniCallNs / 1e6;
  }

  public String text() {
    StringBuilder b = new StringBuilder();
    double t = forwardMs.median();
    b.append(String.format(Locale.ROOT, "forward                          median %9.3f ms (p10 %.3f, p90 %.3f)%n", t,
        forwardMs.p10(), forwardMs.p90()));
    double glue = glueMs.median();
    b.append(String.format(Locale.ROOT, "leaf layers replayed (%4d calls) median %9.3f ms (p10 %.3f, p90 %.3f)%n",
        leafCalls, leafReplayMs.median(), leafReplayMs.p10(), leafReplayMs.p90()));
    b.append(String.format(Locale.ROOT, "glue between layers (forward - replay, paired) median %.3f ms (%.1f%%), p10 %.3f, p90 %.3f%n",
        glue, 100 * glue / t, glueMs.p10(), glueMs.p90()));
    b.append(String.format(Locale.ROOT, "native objects created per forward %d%n", nativeObjects));
    b.append(String.format(Locale.ROOT, "one JNI call %.0f ns, one tiny operator %.0f ns%n", jniCallNs, tinyOpNs));
    b.append(String.format(Locale.ROOT, "fixed per-call cost in the forward: between %.3f ms (JNI, %.2f%%) and %.3f ms "
        + "(tiny operators, %.2f%%)%n", jniLowerBoundMs(), 100 * jniLowerBoundMs() / t, perCallUpperBoundMs(),
        100 * perCallUpperBoundMs() / t));
    b.append("replay time by layer type (ms per forward):\n");
    byLayerType.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %-24s %9.3f%n", k, v)));
    return b.toString();
  }
}
