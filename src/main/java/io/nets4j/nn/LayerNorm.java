package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Layer normalisation (Ba et al. 2016) over the last dimension(s), with {@code weight, bias}. */
public final class LayerNorm extends Layer {
  private final long[] normalizedShape;
  private final double eps;
  private final Tensor weight;
  private final Tensor bias;

  public LayerNorm(int features, double eps) {
    this(new long[] {features}, eps, true);
  }

  public LayerNorm(long[] normalizedShape, double eps, boolean affine) {
    this.normalizedShape = normalizedShape.clone();
    this.eps = eps;
    this.weight = affine ? registerParameter("weight", Tensors.ones(DType.FLOAT32, normalizedShape)) : null;
    this.bias = affine ? registerParameter("bias", Tensors.zeros(DType.FLOAT32, normalizedShape)) : null;
  }

  @Override
  protected Tensor compute(Tensor x) {
    int n = normalizedShape.length;
    boolean ok = x.dim() >= n;
    for (int i = 0; ok && i < n; i++) {
      ok = x.size(x.dim() - n + i) == normalizedShape[i];
    }
    if (!ok) {
      throw fail("expected input whose last dimensions are " + Tensors.describe(normalizedShape)
          + ", got " + Tensors.describe(x));
    }
    return F.layerNorm(x, normalizedShape, weight, bias, eps);
  }

  @Override
  public String typeName() {
    return "LayerNorm";
  }
}
