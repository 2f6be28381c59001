package io.nets4j.nn;

import org.bytedeco.pytorch.Tensor;

/** Dropout (Srivastava et al. 2014): active in training mode only. */
public final class Dropout extends Layer {
  private final double p;

  public Dropout(double p) {
    if (p < 0 || p >= 1) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
    }
    this.p = p;
  }

  @Override
  protected Tensor compute(Tensor x) {
    return F.dropout(x, p, isTraining());
  }

  public double p() {
    return p;
  }
}
