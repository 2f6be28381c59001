package io.nets4j.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * Stochastic depth (Huang et al. 2016, "Deep Networks with Stochastic Depth"): drops a residual
 * branch for a whole sample with probability {@code p} in training; identity in eval.
 */
public final class StochasticDepth extends Layer {
  private final double p;

  public StochasticDepth(double p) {
    if (p < 0 || p > 1) {
      throw new IllegalArgumentException("drop probability must be in [0, 1], got " + p);
    }
    this.p = p;
  }

  @Override
  protected Tensor compute(Tensor x) {
    return F.stochasticDepth(x, p, isTraining());
  }

  public double p() {
    return p;
  }
}
