package io.nets4j.nn;

import io.nets4j.tensor.Scope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The core of an attention module: {@code softmax(scale * q k^T + bias) v} (Vaswani et al. 2017,
 * "Attention Is All You Need"), with the option of keeping the attention weights (the softmax map)
 * for inspection.
 *
 * <p>Each attention module owns one instance (see {@link HasAttentionWeights}). While recording is
 * off (the default), the computation goes through libtorch's fused {@code scaled_dot_product_attention},
 * which never materialises the weights. While recording is on, the weights are computed explicitly,
 * used for the output, and the map of the last call is kept until the next call, until recording is
 * switched off, or until {@link #clear()}.
 *
 * <p>Shapes: {@code q [..., Tq, d]}, {@code k [..., Tk, d]}, {@code v [..., Tk, dv]}, where the
 * leading dimensions are batch and heads (any number of them); {@code bias} is an additive float
 * mask broadcastable to {@code [..., Tq, Tk]} (a relative position bias, {@code -100} for masked
 * pairs, ...) or {@code null}. The recorded map has shape {@code [..., Tq, Tk]}; each row sums to 1.
 */
public final class DotProductAttention {
  private boolean recording;
  private Tensor last;

  /**
   * Attends {@code q} to {@code k}/{@code v}.
   *
   * @param scale the factor of the scores, usually {@code 1/sqrt(d)}
   * @param dropout dropout on the attention weights, applied only when {@code training}
   */
  public Tensor apply(Tensor q, Tensor k, Tensor v, Tensor bias, double scale, double dropout, boolean training) {
    double p = training ? dropout : 0;
    if (!recording) {
      return torch.scaled_dot_product_attention(q, k, v, F.optional(bias), p, false, new DoubleOptional(scale), false);
    }
    Tensor scores = q.mul(new Scalar(scale)).matmul(k.transpose(-2, -1));
    if (bias != null) {
      scores = scores.add(bias);
    }
    Tensor weights = scores.softmax(-1);
    keep(weights);
    return F.dropout(weights, p, training).matmul(v);
  }

  /** Switches recording on or off; switching it off drops the kept map. */
  public void record(boolean on) {
    recording = on;
    if (!on) {
      clear();
    }
  }

  public boolean isRecording() {
    return recording;
  }

  /**
   * The attention weights of the last call made while recording (before attention dropout), or
   * {@code null}. The returned handle belongs to the caller's {@link Scope} and stays valid after
   * the next forward pass. When gradients were on, the map is part of the autograd graph: call
   * {@code retain_grad()} on it before {@code backward()} to obtain its gradient.
   */
  public Tensor weights() {
    return last == null ? null : new Tensor(last);
  }

  /** Drops the kept map (its memory is freed once no caller holds it). */
  public void clear() {
    if (last != null) {
      last.releaseReference();
      last = null;
    }
  }

  private void keep(Tensor weights) {
    clear();
    // the forward pass runs inside the caller's scope; the kept map must outlive it
    last = Scope.detachFromScopes(weights);
  }
}
