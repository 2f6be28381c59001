package io.nets4j.nn;

import org.bytedeco.pytorch.Tensor;

/** Average pooling over square windows. */
public final class AvgPool2d extends Pool2d {
  private final boolean countIncludePad;

  public AvgPool2d(int kernel, int stride) {
    this(kernel, stride, 0, false, true);
  }

  public AvgPool2d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
    super(kernel, stride, padding, ceilMode);
    this.countIncludePad = countIncludePad;
  }

  @Override
  Tensor pool(Tensor x, int kernel, int stride, int padding, boolean ceilMode) {
    return F.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad);
  }
}
