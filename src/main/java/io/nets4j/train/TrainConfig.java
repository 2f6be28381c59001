package io.nets4j.train;

import io.nets4j.nn.Checks;

/**
 * What a training run does; everything that decides its numbers (with the model, the data and
 * the seed of the data), so that it is recorded with every checkpoint.
 *
 * @param epochs passes over the training data
 * @param optimizer the optimizer and its base learning rate
 * @param schedule the learning-rate schedule (warm-up, cosine or step decay)
 * @param labelSmoothing label smoothing of the training loss, in [0, 1)
 * @param clipGradNorm the largest global gradient L2 norm (gradients are rescaled above it); 0 for none
 * @param bf16 whether forward passes run under bfloat16 autocast (see {@link io.nets4j.tensor.Autocast})
 * @param seed the seed of libtorch's generator (dropout, stochastic depth) at the start of the run
 * @param patience early stopping: epochs without improvement of {@code monitor} before stopping; 0 for never
 * @param monitor the validation metric that selects the best checkpoint and drives early stopping
 * @param logEverySteps a JSON line of training metrics every this many steps; 0 for none
 * @param keepCheckpoints how many of the most recent checkpoints are kept (the best one is kept as well)
 * @param onNonFinite what a NaN or infinite loss (or gradient norm) does
 */
public record TrainConfig(int epochs, OptimizerSpec optimizer, ScheduleSpec schedule, double labelSmoothing,
    double clipGradNorm, boolean bf16, long seed, int patience, Monitor monitor, int logEverySteps,
    int keepCheckpoints, NonFinitePolicy onNonFinite) {
  /** A validation metric and which way is better. */
  public enum Monitor {
    /** Top-1 accuracy; higher is better. */
    VAL_TOP1,
    /** Cross-entropy; lower is better. */
    VAL_LOSS;

    boolean better(double candidate, double best) {
      return this == VAL_TOP1 ? candidate > best : candidate < best;
    }

    double of(Evaluation e) {
      return this == VAL_TOP1 ? e.top1() : e.loss();
    }
  }

  /**
   * What a non-finite loss does. {@link #FAIL} (the default) stops the run with a
   * {@link NonFiniteLossException} naming the step, epoch and batch, before the bad values reach
   * the weights, so the last checkpoint stays a good place to resume from (with a lower learning
   * rate or gradient clipping). {@link #SKIP} leaves the weights and optimizer state as they were,
   * counts the step as skipped (reported per epoch) and goes on with the next batch.
   */
  public enum NonFinitePolicy {
    FAIL, SKIP
  }

  public TrainConfig {
    Checks.positive("epochs", epochs);
    Checks.range("label smoothing", labelSmoothing, 0, 0.999);
    Checks.nonNegative("gradient clipping norm", clipGradNorm);
    Checks.nonNegative("patience", patience);
    Checks.nonNegative("log every (steps)", logEverySteps);
    Checks.positive("checkpoints kept", keepCheckpoints);
  }

  /** {@code epochs} epochs of SGD (lr 0.1, momentum 0.9, weight decay 5e-4) with cosine decay, seed 0. */
  public static TrainConfig defaults(int epochs) {
    return builder(epochs).build();
  }

  /** A builder starting from {@link #defaults(int)}. */
  public static Builder builder(int epochs) {
    return new Builder(epochs);
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    return new Builder(epochs).optimizer(optimizer).schedule(schedule).labelSmoothing(labelSmoothing)
        .clipGradNorm(clipGradNorm).bf16(bf16).seed(seed).earlyStopping(patience, monitor).logEverySteps(logEverySteps)
        .keepCheckpoints(keepCheckpoints).onNonFinite(onNonFinite);
  }

  /** Builds a {@link TrainConfig}; every setting starts at its {@link #defaults(int)} value. */
  public static final class Builder {
    private int epochs;
    private OptimizerSpec optimizer = OptimizerSpec.sgd(0.1).withWeightDecay(5e-4);
    private ScheduleSpec schedule = ScheduleSpec.cosine();
    private double labelSmoothing;
    private double clipGradNorm;
    private boolean bf16;
    private long seed;
    private int patience;
    private Monitor monitor = Monitor.VAL_TOP1;
    private int logEverySteps;
    private int keepCheckpoints = 2;
    private NonFinitePolicy onNonFinite = NonFinitePolicy.FAIL;

    private Builder(int epochs) {
      this.epochs = epochs;
    }

    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    public Builder optimizer(OptimizerSpec v) {
      optimizer = v;
      return this;
    }

    public Builder schedule(ScheduleSpec v) {
      schedule = v;
      return this;
    }

    public Builder labelSmoothing(double v) {
      labelSmoothing = v;
      return this;
    }

    public Builder clipGradNorm(double v) {
      clipGradNorm = v;
      return this;
    }

    public Builder bf16(boolean v) {
      bf16 = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Early stopping after {@code epochs} epochs without improvement of {@code metric} (0: never). */
    public Builder earlyStopping(int epochsWithoutImprovement, Monitor metric) {
      patience = epochsWithoutImprovement;
      monitor = metric;
      return this;
    }

    public Builder logEverySteps(int v) {
      logEverySteps = v;
      return this;
    }

    public Builder keepCheckpoints(int v) {
      keepCheckpoints = v;
      return this;
    }

    public Builder onNonFinite(NonFinitePolicy v) {
      onNonFinite = v;
      return this;
    }

    /** The configuration (checked: see the record's constructor). */
    public TrainConfig build() {
      return new TrainConfig(epochs, optimizer, schedule, labelSmoothing, clipGradNorm, bf16, seed, patience, monitor,
          logEverySteps, keepCheckpoints, onNonFinite);
    }
  }
}
