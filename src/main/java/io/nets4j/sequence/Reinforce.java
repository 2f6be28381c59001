package io.nets4j.sequence;

import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The score-function estimator (Williams 1992, "Simple Statistical Gradient-Following Algorithms
 * for Connectionist Reinforcement Learning"): for a choice {@code a ~ p_theta} with reward
 * {@code R(a)}, {@code grad E[R] = E[(R - b) grad log p_theta(a)]} for any baseline {@code b} that
 * does not depend on {@code a}; a good baseline lowers the variance without adding bias.
 */
public final class Reinforce {
  private Reinforce() {}

  /**
   * A loss whose gradient is the estimate of {@code -grad E[R]} over the batch:
   * {@code -mean((R - b) * logProb)}, with reward and baseline treated as constants. Minimising it
   * raises the expected reward. Add it to the task loss (in "Show, Attend and Tell" the reward is
   * the log-likelihood of the caption and an entropy bonus is subtracted as well).
   *
   * @param logProb {@code log p(choice)} per example {@code [B]}
   * @param reward the reward per example {@code [B]}
   * @param baseline a baseline per example {@code [B]} or a scalar tensor, e.g. a learned value
   */
  public static Tensor loss(Tensor logProb, Tensor reward, Tensor baseline) {
    if (!Arrays.equals(Tensors.shape(logProb), Tensors.shape(reward))) {
      throw new IllegalArgumentException("log-probabilities " + Tensors.describe(logProb)
          + " and rewards " + Tensors.describe(reward) + " must have the same shape");
    }
    Tensor advantage = reward.detach().sub(baseline.detach());
    return advantage.mul(logProb).mean().neg();
  }

  /** {@link #loss(Tensor, Tensor, Tensor)} with a constant baseline. */
  public static Tensor loss(Tensor logProb, Tensor reward, double baseline) {
    return loss(logProb, reward, reward.new_full(new long[] {}, new Scalar(baseline)));
  }

  /**
   * The exponential moving average of past rewards used as baseline in "Show, Attend and Tell"
   * ({@code b = decay * b + (1 - decay) * mean(R)}, decay 0.9 there). It starts at the first
   * batch's mean reward.
   */
  public static final class MovingAverageBaseline {
    private final double decay;
    private double value;
    private boolean started;

    public MovingAverageBaseline(double decay) {
      if (decay < 0 || decay >= 1) {
        throw new IllegalArgumentException("decay must be in [0, 1), got " + decay);
      }
      this.decay = decay;
    }

    /** The current baseline (0 before the first update). */
    public double value() {
      return value;
    }

    /** Whether the average has seen a batch (before that, the first batch sets it). */
    public boolean started() {
      return started;
    }

    /** Sets the average and whether it has started, as {@link #value} and {@link #started} returned them (resuming). */
    public void restore(double v, boolean s) {
      value = v;
      started = s;
    }

    /** Folds a batch of rewards into the average. */
    public void update(Tensor reward) {
      double mean = reward.detach().mean().item_double();
      value = started ? decay * value + (1 - decay) * mean : mean;
      started = true;
    }

    /**
     * The REINFORCE loss against the current baseline, then the update with these rewards (so a
     * batch never serves as its own baseline).
     */
    public Tensor loss(Tensor logProb, Tensor reward) {
      Tensor l = Reinforce.loss(logProb, reward, value);
      update(reward);
      return l;
    }
  }
}
