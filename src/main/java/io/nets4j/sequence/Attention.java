package io.nets4j.sequence;

import io.nets4j.nn.F;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Dot-product attention functions over queries {@code [..., L, d]}, keys {@code [..., S, d]} and
 * values {@code [..., S, dv]}, giving {@code [..., L, dv]}.
 *
 * <p>Masks follow {@code torch.nn.functional.scaled_dot_product_attention}: a boolean mask is
 * {@code true} where a query may attend a key; a floating-point mask is added to the scores. Both
 * broadcast to {@code [..., L, S]}. A query that may attend no key gets NaN weights, as in PyTorch.
 */
public final class Attention {
  private Attention() {}

  /** The attended values ({@code context}) and the attention weights {@code [..., L, S]}. */
  public record Result(Tensor context, Tensor weights) {}

  /**
   * Dot-product attention (Luong, Pham and Manning 2015, "Effective Approaches to
   * Attention-based Neural Machine Translation", the "dot" score): {@code softmax(q k^T) v}.
   */
  public static Result dotProduct(Tensor q, Tensor k, Tensor v, Tensor mask) {
    check(q, k, v);
    return attend(q.matmul(k.transpose(-2, -1)), v, mask, false);
  }

  /**
   * Scaled dot-product attention (Vaswani et al. 2017): {@code softmax(q k^T / sqrt(d) + mask) v},
   * computed step by step so that the weights are available.
   *
   * @param causal also hide keys after each query's position (query {@code i} sees keys {@code <= i})
   */
  public static Result scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
    check(q, k, v);
    Tensor scores = q.mul(new Scalar(1.0 / Math.sqrt(q.size(-1)))).matmul(k.transpose(-2, -1));
    return attend(scores, v, mask, causal);
  }

  /**
   * The same function as {@link #scaledDotProduct} through libtorch's fused kernel, which does not
   * return the weights; {@code dropout} applies to the weights (pass 0 outside training).
   */
  public static Tensor scaledDotProductFused(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal,
      double dropout) {
    check(q, k, v);
    return F.scaledDotProductAttention(q, k, v, mask, dropout, causal);
  }

  private static Result attend(Tensor scores, Tensor v, Tensor mask, boolean causal) {
    Tensor s = scores;
    if (mask != null) {
      s = Tensors.dtype(mask) == DType.BOOL
          ? s.masked_fill(mask.logical_not(), new Scalar(Double.NEGATIVE_INFINITY))
          : s.add(mask);
    }
    if (causal) {
      // as the fused kernel: query i sees keys 0..i (top-left aligned when L != S)
      Tensor future = s.new_ones(s.size(-2), s.size(-1)).triu(1).to(DType.BOOL.scalarType());
      s = s.masked_fill(future, new Scalar(Double.NEGATIVE_INFINITY));
    }
    Tensor weights = F.softmax(s, -1);
    return new Result(weights.matmul(v), weights);
  }

  private static void check(Tensor q, Tensor k, Tensor v) {
    if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2 || q.size(-1) != k.size(-1) || k.size(-2) != v.size(-2)) {
      throw new IllegalArgumentException("attention expects queries [..., L, d], keys [..., S, d] and values "
          + "[..., S, dv], got " + Tensors.describe(q) + ", " + Tensors.describe(k) + ", " + Tensors.describe(v));
    }
  }
}
