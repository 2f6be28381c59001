package io.nets4j.nn;

import java.util.function.Supplier;

/**
 * Lets a layer report multiply-accumulates that the per-type rules of {@code analysis.LayerRules}
 * cannot see, so that {@code analysis.ModelSummary} counts them: the matrix products of attention
 * ({@code q k^T} and {@code attn v}, reported by {@link DotProductAttention} for every module that
 * attends through it), a functional {@code F.linear} on raw parameters, an einsum.
 *
 * <p>Call it from the layer's {@code compute}, next to the operation it counts:
 *
 * <pre>{@code
 * protected Tensor compute(Tensor x) {
 *   ...
 *   MacCounter.addMatmul(batch, m, k, n); // torch.einsum("bmk,bkn->bmn", a, b)
 *   return torch.einsum("bmk,bkn->bmn", new TensorVector(a, b));
 * }
 * }</pre>
 *
 * <p>The summary attributes the MACs to the innermost layer running when they are reported. Outside
 * a summary the calls are no-ops (one thread-local read), so model code may call them always.
 */
public final class MacCounter {
  private static final ThreadLocal<long[]> SINK = new ThreadLocal<>();

  private MacCounter() {}

  /** Reports {@code macs} multiply-accumulates done by the running layer. */
  public static void add(long macs) {
    if (macs < 0) {
      throw new IllegalArgumentException("a MAC count cannot be negative, got " + macs);
    }
    long[] sink = SINK.get();
    if (sink != null) {
      sink[0] = Math.addExact(sink[0], macs);
    }
  }

  /**
   * Reports a (batched) matrix product {@code [batch, m, k] x [batch, k, n]}: {@code batch * m * k * n}
   * multiply-accumulates.
   */
  public static void addMatmul(long batch, long m, long k, long n) {
    if (batch < 0 || m < 0 || k < 0 || n < 0) {
      throw new IllegalArgumentException("matrix product dimensions must be >= 0, got batch " + batch
          + ", " + m + "x" + k + " times " + k + "x" + n);
    }
    if (SINK.get() != null) {
      add(Math.multiplyExact(Math.multiplyExact(batch, m), Math.multiplyExact(k, n)));
    }
  }

  /** Whether a summary is counting on this thread (to skip computing an expensive count). */
  public static boolean isCounting() {
    return SINK.get() != null;
  }

  /** Runs {@code body} with reported MACs accumulated into {@code sink[0]} (the model summary's counter). */
  public static <T> T counting(long[] sink, Supplier<T> body) {
    long[] previous = SINK.get();
    SINK.set(sink);
    try {
      return body.get();
    } finally {
      SINK.set(previous);
    }
  }
}
