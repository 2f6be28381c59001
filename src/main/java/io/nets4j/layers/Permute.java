package io.nets4j.layers;

import io.nets4j.nn.Layer;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Reorders the dimensions (torchvision's {@code Permute}), e.g. to switch between NCHW and NHWC. */
public final class Permute extends Layer {
  private final long[] dims;

  public Permute(long... dims) {
    this.dims = dims.clone();
  }

  /** NCHW to NHWC. */
  public static Permute channelsLast() {
    return new Permute(0, 2, 3, 1);
  }

  /** NHWC to NCHW. */
  public static Permute channelsFirst() {
    return new Permute(0, 3, 1, 2);
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() != dims.length) {
      throw fail("expected a " + dims.length + "-d input, got " + Tensors.describe(x));
    }
    return x.permute(dims);
  }

  @Override
  public String typeName() {
    return "Permute";
  }
}
