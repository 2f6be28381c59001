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

  /**
   * The rate of block {@code index} of {@code count} under the linear decay rule (Huang et al.
   * 2016, section 4): from 0 at the first block to {@code last} at the last; 0 for a single block.
   */
  public static double linearRate(double last, int index, int count) {
    return count > 1 ? last * index / (count - 1) : 0;
  }

  public double p() {
    return p;
  }
}
