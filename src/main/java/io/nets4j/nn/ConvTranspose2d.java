package io.nets4j.nn;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Transposed 2-d convolution (fractionally strided; learnable upsampling in FCNs):
 * {@code weight [in, out/groups, kh, kw]}, optional {@code bias [out]}.
 */
public final class ConvTranspose2d extends Layer {
  private final int inChannels;
  private final int outChannels;
  private final ConvSpec spec;
  private final int outputPadding;
  private final Tensor weight;
  private final Tensor bias;

  public ConvTranspose2d(int inChannels, int outChannels, ConvSpec spec) {
    this(inChannels, outChannels, spec, 0);
  }

  public ConvTranspose2d(int inChannels, int outChannels, ConvSpec spec, int outputPadding) {
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.spec = spec;
    this.outputPadding = outputPadding;
    this.weight = spec.registerWeight(this, inChannels, outChannels);
    this.bias = spec.registerBias(this, outChannels, outChannels);
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() != 4 || x.size(1) != inChannels) {
      throw fail("expected input of shape [N, " + inChannels + ", H, W], got " + Tensors.describe(x));
    }
    return F.convTranspose2d(x, weight, bias, spec, outputPadding);
  }

  public Tensor weight() {
    return weight;
  }

  public Tensor bias() {
    return bias;
  }

  public int outChannels() {
    return outChannels;
  }

  @Override
  public String typeName() {
    return "ConvTranspose2d";
  }
}
