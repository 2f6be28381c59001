package io.nets4j.nn;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Average pooling over square windows. */
public final class AvgPool2d extends Layer {
  private final int kernel;
  private final int stride;
  private final int padding;
  private final boolean ceilMode;
  private final boolean countIncludePad;

  public AvgPool2d(int kernel, int stride) {
    this(kernel, stride, 0, false, true);
  }

  public AvgPool2d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() != 4) {
      throw fail("expected NCHW input, got " + Tensors.describe(x));
    }
    return F.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad);
  }

  public int kernel() {
    return kernel;
  }

  public int stride() {
    return stride;
  }

  public int padding() {
    return padding;
  }
}
