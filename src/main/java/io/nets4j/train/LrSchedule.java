package io.nets4j.train;

import java.util.Locale;

/**
 * A learning-rate schedule: the factor by which the base learning rate is multiplied at each
 * optimizer step (0-based). A pure function of the step, so a resumed run only needs the step.
 */
public interface LrSchedule {
  /** The learning-rate factor at optimizer step {@code step} (0-based). */
  double factor(long step);

  /** A short description for logs and checkpoints, e.g. {@code linear warm-up(100 steps from lr x 0.01) then cosine(900 steps, min 0.0)}. */
  String describe();

  /** The base learning rate throughout. */
  static LrSchedule constant() {
    return new Constant();
  }

  /**
   * Cosine annealing (Loshchilov and Hutter 2017, "SGDR", without restarts) from 1 to
   * {@code minFactor} over {@code steps} steps, then {@code minFactor}: PyTorch's
   * {@code CosineAnnealingLR(T_max=steps, eta_min=minFactor * lr)}.
   */
  static LrSchedule cosine(long steps, double minFactor) {
    return new Cosine(steps, minFactor);
  }

  /** Multiplies the rate by {@code gamma} every {@code every} steps: PyTorch's {@code StepLR}. */
  public static LrSchedule step(long every, double gamma) {
    return new Step(every, gamma);
  }

  /**
   * A linear warm-up from {@code startFactor} to 1 over {@code steps} steps (PyTorch's
   * {@code LinearLR}), then this schedule, starting at its own step 0 (as {@code SequentialLR}).
   */
  default LrSchedule afterWarmup(long steps, double startFactor) {
    return steps == 0 ? this : new Warmup(steps, startFactor, this);
  }

  /** Refuses a step count below one with {@code message}. */
  private static void requireSteps(long steps, String message) {
    if (steps < 1) {
      throw new IllegalArgumentException(message + ", got " + steps);
    }
  }

  /** See {@link #constant()}. */
  record Constant() implements LrSchedule {
    @Override
    public double factor(long step) {
      return 1;
    }

    @Override
    public String describe() {
      return "constant";
    }
  }

  /** See {@link #cosine(long, double)}. */
  record Cosine(long steps, double minFactor) implements LrSchedule {
    public Cosine {
      requireSteps(steps, "cosine schedule needs at least one step");
    }

    @Override
    public double factor(long step) {
      if (step >= steps) {
        return minFactor;
      }
      return minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * step / steps));
    }

    @Override
    public String describe() {
      return String.format(Locale.ROOT, "cosine(%d steps, min %s)", steps, minFactor);
    }
  }

  /** See {@link #step(long, double)}. */
  record Step(long every, double gamma) implements LrSchedule {
    public Step {
      requireSteps(every, "step schedule needs a period of at least one step");
    }

    @Override
    public double factor(long step) {
      return Math.pow(gamma, step / every);
    }

    @Override
    public String describe() {
      return String.format(Locale.ROOT, "step(x%s every %d steps)", gamma, every);
    }
  }

  /** See {@link #afterWarmup(long, double)}. */
  record Warmup(long steps, double startFactor, LrSchedule then) implements LrSchedule {
    public Warmup {
      if (steps < 0 || startFactor < 0 || startFactor > 1) {
        throw new IllegalArgumentException("warm-up needs steps >= 0 and a start factor in [0, 1], got " + steps
            + " and " + startFactor);
      }
    }

    @Override
    public double factor(long step) {
      if (step < steps) {
        return startFactor + (1 - startFactor) * step / steps;
      }
      return then.factor(step - steps);
    }

    @Override
    public String describe() {
      // "from lr x 0.01": a bare 0.01 next to the optimizer's weight decay was read as another decay
      return String.format(Locale.ROOT, "linear warm-up(%d steps from lr x %s) then %s", steps, startFactor,
          then.describe());
    }
  }
}
