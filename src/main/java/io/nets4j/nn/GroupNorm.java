package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Group normalisation (Wu and He 2018): channels split into groups, normalised per sample. */
public final class GroupNorm extends Layer {
  private final int groups;
  private final int channels;
  private final double eps;
  private final Tensor weight;
  private final Tensor bias;

  public GroupNorm(int groups, int channels, double eps) {
    if (channels % groups != 0) {
      throw new IllegalArgumentException(channels + " channels cannot be split into " + groups + " groups");
    }
    this.groups = groups;
    this.channels = channels;
    this.eps = eps;
    this.weight = registerParameter("weight", Tensors.ones(DType.FLOAT32, channels));
    this.bias = registerParameter("bias", Tensors.zeros(DType.FLOAT32, channels));
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() < 2 || x.size(1) != channels) {
      throw fail("expected input of shape [N, " + channels + ", ...], got " + Tensors.describe(x));
    }
    return F.groupNorm(x, groups, weight, bias, eps);
  }

  @Override
  public String typeName() {
    return "GroupNorm";
  }
}
