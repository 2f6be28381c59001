package io.nets4j.train;

import io.nets4j.nn.Checks;
import io.nets4j.nn.Module;
import java.util.Locale;

/**
 * An optimizer and its hyper-parameters; {@link #build} creates libtorch's implementation for a
 * model's trainable parameters.
 *
 * @param kind SGD or AdamW
 * @param lr the base learning rate (a schedule scales it at every step)
 * @param momentum SGD momentum (0 for plain SGD)
 * @param nesterov SGD with Nesterov momentum (Sutskever et al. 2013); needs momentum > 0
 * @param weightDecay SGD: L2 penalty added to the gradient; AdamW: decoupled weight decay
 *     (Loshchilov and Hutter 2019)
 * @param beta1 AdamW first-moment decay
 * @param beta2 AdamW second-moment decay
 * @param eps AdamW denominator epsilon
 * @param decayNormAndBias whether one-dimensional parameters (biases, normalisation scales and
 *     shifts) are decayed too; by default they are not (as timm and most recipes do)
 * @param fused AdamW through ATen's single-pass kernel {@code _fused_adamw_} (see {@link FusedAdamW})
 *     instead of libtorch's {@code torch::optim::AdamW}; the same update up to float rounding, with a
 *     state archive of its own. Where the kernel is missing, libtorch's AdamW is used (see
 *     {@link TorchOptimizer#fused}). SGD: always false
 */
public record OptimizerSpec(Kind kind, double lr, double momentum, boolean nesterov, double weightDecay,
    double beta1, double beta2, double eps, boolean decayNormAndBias, boolean fused) {
  /** The supported optimizers (libtorch's implementations). */
  public enum Kind {
    SGD, ADAMW;

    /** Parses {@code sgd} or {@code adamw}. */
    public static Kind parse(String text) {
      for (Kind k : values()) {
        if (k.name().equalsIgnoreCase(text.trim())) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown optimizer '" + text + "' (use sgd or adamw)");
    }
  }

  public OptimizerSpec {
    Checks.positive(kind + " learning rate", lr);
    Checks.nonNegative(kind + " momentum", momentum);
    Checks.nonNegative(kind + " weight decay", weightDecay);
    Checks.range(kind + " beta1", beta1, 0, 0.999999);
    Checks.range(kind + " beta2", beta2, 0, 0.999999);
    Checks.positive(kind + " eps", eps);
    if (nesterov && (kind != Kind.SGD || momentum == 0)) {
      throw new IllegalArgumentException("Nesterov momentum needs SGD with momentum > 0");
    }
    if (fused && kind != Kind.ADAMW) {
      throw new IllegalArgumentException("only AdamW has a fused implementation, not " + kind);
    }
  }

  /** SGD with momentum 0.9, no weight decay. */
  public static OptimizerSpec sgd(double lr) {
    return new OptimizerSpec(Kind.SGD, lr, 0.9, false, 0, 0.9, 0.999, 1e-8, false, false);
  }

  /**
   * AdamW with PyTorch's defaults (betas 0.9, 0.999, eps 1e-8, weight decay 0.01), fused (one kernel
   * pass per parameter, see {@link FusedAdamW}).
   */
  public static OptimizerSpec adamw(double lr) {
    return new OptimizerSpec(Kind.ADAMW, lr, 0, false, 0.01, 0.9, 0.999, 1e-8, false, true);
  }

  public OptimizerSpec withLr(double v) {
    return new OptimizerSpec(kind, v, momentum, nesterov, weightDecay, beta1, beta2, eps, decayNormAndBias, fused);
  }

  public OptimizerSpec withMomentum(double v) {
    return new OptimizerSpec(kind, lr, v, nesterov, weightDecay, beta1, beta2, eps, decayNormAndBias, fused);
  }

  public OptimizerSpec withNesterov(boolean v) {
    return new OptimizerSpec(kind, lr, momentum, v, weightDecay, beta1, beta2, eps, decayNormAndBias, fused);
  }

  public OptimizerSpec withWeightDecay(double v) {
    return new OptimizerSpec(kind, lr, momentum, nesterov, v, beta1, beta2, eps, decayNormAndBias, fused);
  }

  public OptimizerSpec withBetas(double b1, double b2) {
    return new OptimizerSpec(kind, lr, momentum, nesterov, weightDecay, b1, b2, eps, decayNormAndBias, fused);
  }

  public OptimizerSpec withDecayNormAndBias(boolean v) {
    return new OptimizerSpec(kind, lr, momentum, nesterov, weightDecay, beta1, beta2, eps, v, fused);
  }

  /** AdamW: fused ({@code true}) or libtorch's ({@code false}). */
  public OptimizerSpec withFused(boolean v) {
    return new OptimizerSpec(kind, lr, momentum, nesterov, weightDecay, beta1, beta2, eps, decayNormAndBias, v);
  }

  /** Creates the optimizer over {@code model}'s trainable parameters (frozen ones are left out). */
  public TorchOptimizer build(Module model) {
    return new TorchOptimizer(this, model);
  }

  /** A one-line description for logs. */
  public String describe() {
    return switch (kind) {
      case SGD -> String.format(Locale.ROOT, "SGD(lr %s, momentum %s%s, weight decay %s%s)", lr, momentum,
          nesterov ? ", Nesterov" : "", weightDecay, decayNormAndBias ? "" : " except norm/bias");
      case ADAMW -> String.format(Locale.ROOT, "%sAdamW(lr %s, betas (%s, %s), eps %s, weight decay %s%s)",
          fused ? "fused " : "", lr, beta1, beta2, eps, weightDecay, decayNormAndBias ? "" : " except norm/bias");
    };
  }
}
