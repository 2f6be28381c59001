package io.nets4j.nn;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Max pooling over square windows. */
public final class MaxPool2d extends Layer {
  private final int kernel;
  private final int stride;
  private final int padding;
  private final boolean ceilMode;

  public MaxPool2d(int kernel, int stride, int padding) {
    this(kernel, stride, padding, false);
  }

  public MaxPool2d(int kernel, int stride, int padding, boolean ceilMode) {
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.ceilMode = ceilMode;
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() != 4) {
      throw fail("expected NCHW input, got " + Tensors.describe(x));
    }
    return F.maxPool2d(x, kernel, stride, padding, ceilMode);
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
