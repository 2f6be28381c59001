package io.nets4j.nn;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Average pooling to a fixed output size, whatever the input size. */
public final class AdaptiveAvgPool2d extends Layer {
  private final int outH;
  private final int outW;

  public AdaptiveAvgPool2d(int outH, int outW) {
    this.outH = outH;
    this.outW = outW;
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() != 4) {
      throw fail("expected NCHW input, got " + Tensors.describe(x));
    }
    return outH == 1 && outW == 1
        ? F.globalAvgPool(x).unsqueeze(2).unsqueeze(3)
        : F.adaptiveAvgPool2d(x, outH, outW);
  }

  public int outH() {
    return outH;
  }

  public int outW() {
    return outW;
  }
}
