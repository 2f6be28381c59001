package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Fully connected layer {@code y = x W^T + b}: {@code weight [out, in]}, optional {@code bias [out]}. */
public final class Linear extends Layer {
  private final int inFeatures;
  private final int outFeatures;
  private final Tensor weight;
  private final Tensor bias;

  public Linear(int inFeatures, int outFeatures) {
    this(inFeatures, outFeatures, true);
  }

  public Linear(int inFeatures, int outFeatures, boolean bias) {
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = registerParameter("weight",
        Init.defaultUniform(Tensors.empty(DType.FLOAT32, outFeatures, inFeatures), inFeatures));
    this.bias = bias
        ? registerParameter("bias", Init.defaultUniform(Tensors.empty(DType.FLOAT32, outFeatures), inFeatures))
        : null;
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() < 1 || x.size(x.dim() - 1) != inFeatures) {
      throw fail("expected input of shape [..., " + inFeatures + "], got " + Tensors.describe(x));
    }
    return F.linear(x, weight, bias);
  }

  public Tensor weight() {
    return weight;
  }

  public Tensor bias() {
    return bias;
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  @Override
  public String typeName() {
    return "Linear";
  }
}
