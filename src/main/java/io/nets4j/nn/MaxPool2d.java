package io.nets4j.nn;

import org.bytedeco.pytorch.Tensor;

/** Max pooling over square windows. */
public final class MaxPool2d extends Pool2d {
  public MaxPool2d(int kernel, int stride, int padding) {
    this(kernel, stride, padding, false);
  }

  public MaxPool2d(int kernel, int stride, int padding, boolean ceilMode) {
    super(kernel, stride, padding, ceilMode);
  }

  @Override
  Tensor pool(Tensor x, int kernel, int stride, int padding, boolean ceilMode) {
    return F.maxPool2d(x, kernel, stride, padding, ceilMode);
  }
}
