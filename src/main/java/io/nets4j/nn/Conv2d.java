package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * 2-d convolution over NCHW input: {@code weight [out, in/groups, kh, kw]}, optional
 * {@code bias [out]}. Initialised as PyTorch's {@code nn.Conv2d}.
 */
public final class Conv2d extends Layer {
  private final int inChannels;
  private final int outChannels;
  private final ConvSpec spec;
  private final Tensor weight;
  private final Tensor bias;

  public Conv2d(int inChannels, int outChannels, ConvSpec spec) {
    if (inChannels % spec.groups() != 0 || outChannels % spec.groups() != 0) {
      throw new IllegalArgumentException("channels " + inChannels + " -> " + outChannels
          + " are not divisible by groups " + spec.groups());
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.spec = spec;
    long fanIn = (long) inChannels / spec.groups() * spec.kernelH() * spec.kernelW();
    this.weight = registerParameter("weight", Init.defaultUniform(
        Tensors.empty(DType.FLOAT32, outChannels, inChannels / spec.groups(), spec.kernelH(), spec.kernelW()), fanIn));
    this.bias = spec.bias()
        ? registerParameter("bias", Init.defaultUniform(Tensors.empty(DType.FLOAT32, outChannels), fanIn))
        : null;
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() != 4 || x.size(1) != inChannels) {
      throw fail("expected input of shape [N, " + inChannels + ", H, W], got " + Tensors.describe(x));
    }
    return F.conv2d(x, weight, bias, spec);
  }

  public Tensor weight() {
    return weight;
  }

  /** The bias, or {@code null}. */
  public Tensor bias() {
    return bias;
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  public ConvSpec spec() {
    return spec;
  }

  @Override
  public String typeName() {
    return "Conv2d";
  }
}
