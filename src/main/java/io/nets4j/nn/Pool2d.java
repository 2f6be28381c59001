package io.nets4j.nn;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Pooling over square windows of NCHW input: the window ({@code kernel_size}, {@code stride},
 * {@code padding}, {@code ceil_mode}) that max and average pooling share.
 */
public abstract sealed class Pool2d extends Layer permits MaxPool2d, AvgPool2d {
  private final int kernel;
  private final int stride;
  private final int padding;
  private final boolean ceilMode;

  Pool2d(int kernel, int stride, int padding, boolean ceilMode) {
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.ceilMode = ceilMode;
  }

  @Override
  protected final Tensor compute(Tensor x) {
    if (x.dim() != 4) {
      throw fail("expected NCHW input, got " + Tensors.describe(x));
    }
    return pool(x, kernel, stride, padding, ceilMode);
  }

  /** Pools {@code x} (NCHW) with the window. */
  abstract Tensor pool(Tensor x, int kernel, int stride, int padding, boolean ceilMode);

  public final int kernel() {
    return kernel;
  }

  public final int stride() {
    return stride;
  }

  public final int padding() {
    return padding;
  }
}
