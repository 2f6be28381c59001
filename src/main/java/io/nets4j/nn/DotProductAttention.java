package io.nets4j.nn;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The core of an attention module: {@code softmax(scale * q k^T + bias) v} (Vaswani et al. 2017,
 * "Attention Is All You Need"), computed by libtorch's fused {@code scaled_dot_product_attention}
 * unless the owner records its attention maps ({@link RecordsAttention}).
 *
 * <p>While recording is off (the default) the fused kernel never materialises the weights. While it
 * is on, the weights are computed explicitly, used for the output (the same function up to
 * rounding) and kept in {@link #maps()} until the next call. Either way the two matrix products
 * are reported to {@link MacCounter}, so that model summaries count attention in this one place. An attention module owns one instance
 * and implements {@link RecordsAttention} by delegating to {@link #maps()} (see {@link KeepsAttentionMaps}).
 *
 * <p>Shapes: {@code q [..., Tq, d]}, {@code k [..., Tk, d]}, {@code v [..., Tk, dv]}, where the
 * leading dimensions are batch and heads (any number of them); {@code bias} is an additive float
 * mask broadcastable to {@code [..., Tq, Tk]} (a relative position bias, {@code -100} for masked
 * pairs, ...) or {@code null}. The kept map has shape {@code [..., Tq, Tk]} (before attention dropout).
 */
public final class DotProductAttention {
  private final AttentionMapStore maps = new AttentionMapStore();

  /**
   * Attends {@code q} to {@code k}/{@code v}, and reports the two matrix products
   * ({@code q k^T}, {@code attn v}) to {@link MacCounter}: the fused kernel is invisible to the
   * per-layer MAC rules, so every attention module counts here.
   *
   * @param scale the factor of the scores, usually {@code 1/sqrt(d)}
   * @param dropout dropout on the attention weights, applied only when {@code training}
   */
  public Tensor apply(Tensor q, Tensor k, Tensor v, Tensor bias, double scale, double dropout, boolean training) {
    countMacs(q, k, v);
    double p = training ? dropout : 0;
    if (!maps.isRecording()) {
      return F.scaledDotProductAttention(q, k, v, bias, p, false, new DoubleOptional(scale));
    }
    Tensor weights = maps.keep(weights(q, k, bias, scale));
    return F.dropout(weights, p, training).matmul(v);
  }

  /** The output of {@link #apply} and the attention weights it used, after dropout. */
  public record Weighted(Tensor output, Tensor weights) {}

  /**
   * {@link #apply} computed explicitly, for callers that return the weights (PyTorch's
   * {@code need_weights}); the map is kept while recording, as by {@link #apply}.
   */
  public Weighted applyWithWeights(Tensor q, Tensor k, Tensor v, Tensor bias, double scale, double dropout,
      boolean training) {
    countMacs(q, k, v);
    Tensor weights = F.dropout(maps.keep(weights(q, k, bias, scale)), training ? dropout : 0, training);
    return new Weighted(weights.matmul(v), weights);
  }

  /**
   * Multi-head attention on packed heads: {@code q [..., Tq, heads * d]}, {@code k [..., Tk, heads * d]},
   * {@code v [..., Tk, heads * dv]} (heads major in the last dimension, as every reference splits
   * them) are split into {@code [..., heads, T, d]}, attended by {@link #apply} ({@code bias}
   * broadcastable to {@code [..., heads, Tq, Tk]}) and merged back to {@code [..., Tq, heads * dv]}.
   */
  public Tensor applyHeads(int heads, Tensor q, Tensor k, Tensor v, Tensor bias, double scale, double dropout,
      boolean training) {
    return mergeHeads(apply(splitHeads(q, heads), splitHeads(k, heads), splitHeads(v, heads), bias, scale, dropout,
        training));
  }

  /** {@code [..., T, heads * d]} to {@code [..., heads, T, d]}. */
  public static Tensor splitHeads(Tensor x, int heads) {
    int n = (int) x.dim();
    long[] shape = new long[n + 1];
    for (int i = 0; i < n - 1; i++) {
      shape[i] = x.size(i);
    }
    shape[n - 1] = heads;
    shape[n] = x.size(n - 1) / heads;
    return x.reshape(shape).transpose(n - 2, n - 1);
  }

  /** {@code [..., heads, T, d]} to {@code [..., T, heads * d]}. */
  public static Tensor mergeHeads(Tensor x) {
    int n = (int) x.dim();
    long[] shape = new long[n - 1];
    for (int i = 0; i < n - 3; i++) {
      shape[i] = x.size(i);
    }
    shape[n - 3] = x.size(n - 2);
    shape[n - 2] = x.size(n - 3) * x.size(n - 1);
    return x.transpose(n - 3, n - 2).reshape(shape);
  }

  /** {@code q k^T} and {@code attn v} over the leading (batch and head) dimensions of {@code q}. */
  private static void countMacs(Tensor q, Tensor k, Tensor v) {
    if (!MacCounter.isCounting()) {
      return;
    }
    int n = (int) q.dim();
    long tq = q.size(n - 2);
    long d = q.size(n - 1);
    long batch = q.numel() / Math.max(1, tq * d);
    long tk = k.size(k.dim() - 2);
    MacCounter.addMatmul(batch, tq, d, tk);
    MacCounter.addMatmul(batch, tq, tk, v.size(v.dim() - 1));
  }

  /**
   * The attention weights {@code softmax(scale * q k^T + bias)}, {@code [..., Tq, Tk]}, computed
   * explicitly: for modules that combine them with other maps before use (ConViT's gated
   * positional attention), and for the recording path of {@link #apply}.
   */
  public static Tensor weights(Tensor q, Tensor k, Tensor bias, double scale) {
    Tensor scores = q.mul(new Scalar(scale)).matmul(k.transpose(-2, -1));
    if (bias != null) {
      scores = scores.add(bias);
    }
    return scores.softmax(-1);
  }

  /** Whether recording is on and the last kept map, behind the owner's {@link RecordsAttention} methods. */
  public AttentionMapStore maps() {
    return maps;
  }
}
