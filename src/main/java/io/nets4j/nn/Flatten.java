package io.nets4j.nn;

import org.bytedeco.pytorch.Tensor;

/** Flattens all dimensions from {@code startDim} on. */
public final class Flatten extends Layer {
  private final int startDim;

  public Flatten() {
    this(1);
  }

  public Flatten(int startDim) {
    this.startDim = startDim;
  }

  @Override
  protected Tensor compute(Tensor x) {
    return F.flatten(x, startDim);
  }
}
