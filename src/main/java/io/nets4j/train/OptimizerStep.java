package io.nets4j.train;

import io.nets4j.tensor.Autocast;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * The parts of one optimizer step that every training loop shares ({@link TrainingEngine} and the
 * classification {@link Trainer}): the scheduled learning rate, the forward pass under bfloat16
 * autocast when asked for, zero-grad and backward, gradient-norm clipping and the update. The
 * loops decide around it what a non-finite value does and what is logged.
 */
final class OptimizerStep {
  private final TorchOptimizer optimizer;
  private final double baseLr;
  private final LrSchedule schedule;
  private final double clipGradNorm;
  private final boolean bf16;

  OptimizerStep(TorchOptimizer optimizer, LrSchedule schedule, double clipGradNorm, boolean bf16) {
    this.optimizer = optimizer;
    this.baseLr = optimizer.spec().lr();
    this.schedule = schedule;
    this.clipGradNorm = clipGradNorm;
    this.bf16 = bf16;
  }

  /** Sets and returns the learning rate of {@code step} (0-based). */
  double setLr(long step) {
    double lr = baseLr * schedule.factor(step);
    optimizer.setLr(lr);
    return lr;
  }

  /** Runs the forward pass (and loss) under bfloat16 autocast when the run asks for it. */
  <T> T forward(Supplier<T> pass) {
    try (Autocast a = Autocast.bfloat16If(bf16)) {
      return pass.get();
    }
  }

  /**
   * Clears the gradients, runs {@code backward} on {@code loss} and clips the global gradient norm;
   * returns that norm, or NaN without clipping. When the norm is not finite the gradients are
   * cleared again, so that the caller can skip the update.
   */
  double backward(Tensor loss, Consumer<Tensor> backward) {
    optimizer.zeroGrad();
    backward.accept(loss);
    if (clipGradNorm <= 0) {
      return Double.NaN;
    }
    double norm = optimizer.clipGradNorm(clipGradNorm);
    if (!Double.isFinite(norm)) {
      optimizer.zeroGrad();
    }
    return norm;
  }

  /** Whether {@link #backward} returned a norm that must not reach the weights. */
  boolean badNorm(double norm) {
    return clipGradNorm > 0 && !Double.isFinite(norm);
  }

  /** Applies the update. */
  void step() {
    optimizer.step();
  }

  TorchOptimizer optimizer() {
    return optimizer;
  }
}
