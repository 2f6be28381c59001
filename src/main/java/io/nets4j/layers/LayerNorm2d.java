package io.nets4j.layers;

import io.nets4j.nn.F;
import io.nets4j.nn.Layer;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Layer normalisation (Ba et al. 2016) over the channels of an NCHW map, torchvision's and timm's
 * {@code LayerNorm2d} (ConvNeXt, CoAtNet): {@code weight, bias [C]}.
 */
public final class LayerNorm2d extends Layer {
  private final long[] shape;
  private final double eps;
  private final Tensor weight;
  private final Tensor bias;

  public LayerNorm2d(int channels, double eps) {
    this.shape = new long[] {channels};
    this.eps = eps;
    weight = registerParameter("weight", Tensors.ones(DType.FLOAT32, channels));
    bias = registerParameter("bias", Tensors.zeros(DType.FLOAT32, channels));
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() != 4 || x.size(1) != shape[0]) {
      throw fail("expected input of shape [N, " + shape[0] + ", H, W], got " + Tensors.describe(x));
    }
    return F.layerNorm(x.permute(0, 2, 3, 1), shape, weight, bias, eps).permute(0, 3, 1, 2);
  }

  @Override
  public String typeName() {
    return "LayerNorm2d";
  }
}
