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
 * rounding) and kept in {@link #maps()} until the next call. An attention module owns one instance
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
   * Attends {@code q} to {@code k}/{@code v}.
   *
   * @param scale the factor of the scores, usually {@code 1/sqrt(d)}
   * @param dropout dropout on the attention weights, applied only when {@code training}
   */
  public Tensor apply(Tensor q, Tensor k, Tensor v, Tensor bias, double scale, double dropout, boolean training) {
    double p = training ? dropout : 0;
    if (!maps.isRecording()) {
      return F.scaledDotProductAttention(q, k, v, bias, p, false, new DoubleOptional(scale));
    }
    Tensor weights = maps.keep(weights(q, k, bias, scale));
    return F.dropout(weights, p, training).matmul(v);
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
