package io.nets4j.train;

import io.nets4j.nn.Checks;
import io.nets4j.tensor.Device;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The bookkeeping of a {@link TrainingEngine} run: where it writes, what it resumes, how it shows
 * progress, on which device it runs, and the numerics the user asked for instead of the task's
 * recipe. Nothing here but those ({@link #clipGradNorm}, {@link #bf16}, {@link #onNonFinite})
 * changes the numbers a run computes.
 *
 * @param runDirectory where {@code steps.jsonl}, {@code metrics.jsonl} and {@code checkpoints/} go; {@code null}: nothing is written
 * @param resumeFrom a run directory or checkpoint to continue exactly; {@code null}: a fresh run
 * @param progress how steps are shown
 * @param out where progress and messages are printed
 * @param logEvery a {@code steps.jsonl} line every this many steps (0: none)
 * @param checkpointEvery a checkpoint every this many steps besides the last one (0: only at the end or on a stop)
 * @param evalEvery {@link TrainingTask#evaluate} every this many steps and at the end (0: never)
 * @param keepCheckpoints how many of the newest checkpoints are kept
 * @param device where the model and its batches live
 * @param shutdownHook whether Ctrl-C (JVM shutdown) lets the step finish and saves a checkpoint first
 * @param clipGradNorm the gradient-norm bound instead of the task's ({@code null}: the task's; 0: no clipping)
 * @param bf16 forward passes under bfloat16 autocast (whatever the task's recipe says)
 * @param onNonFinite the NaN policy instead of the task's ({@code null}: the task's)
 */
public record TrainingRun(Path runDirectory, Path resumeFrom, Trainer.ProgressMode progress, PrintStream out,
    int logEvery, int checkpointEvery, int evalEvery, int keepCheckpoints, Device device, boolean shutdownHook,
    Double clipGradNorm, boolean bf16, TrainConfig.NonFinitePolicy onNonFinite) {
  public TrainingRun {
    Checks.nonNegative("log every (steps)", logEvery);
    Checks.nonNegative("checkpoint every (steps)", checkpointEvery);
    Checks.nonNegative("evaluate every (steps)", evalEvery);
    Checks.positive("checkpoints kept", keepCheckpoints);
    if (clipGradNorm != null) {
      Checks.nonNegative("gradient clipping norm", clipGradNorm);
    }
    if (resumeFrom != null && runDirectory == null) {
      throw new IllegalArgumentException("resuming from " + resumeFrom + " needs a run directory to continue in");
    }
  }

  /** Nothing written, no progress, on the CPU, with the task's numerics. */
  public static TrainingRun quiet() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from {@link #quiet()}'s settings. */
  public static final class Builder {
    private Path runDirectory;
    private Path resumeFrom;
    private Trainer.ProgressMode progress = Trainer.ProgressMode.NONE;
    private PrintStream out = System.out;
    private int logEvery = 10;
    private int checkpointEvery;
    private int evalEvery;
    private int keepCheckpoints = 2;
    private Device device = Device.CPU;
    private boolean shutdownHook;
    private Double clipGradNorm;
    private boolean bf16;
    private TrainConfig.NonFinitePolicy onNonFinite;

    private Builder() {}

    public Builder runDirectory(Path v) {
      runDirectory = v;
      return this;
    }

    /** Continues the run of {@code v} (a run directory, a checkpoint directory or its JSON file). */
    public Builder resumeFrom(Path v) {
      resumeFrom = v;
      return this;
    }

    public Builder progress(Trainer.ProgressMode v) {
      progress = v;
      return this;
    }

    public Builder output(PrintStream v) {
      out = v;
      return this;
    }

    public Builder logEvery(int v) {
      logEvery = v;
      return this;
    }

    public Builder checkpointEvery(int v) {
      checkpointEvery = v;
      return this;
    }

    public Builder evalEvery(int v) {
      evalEvery = v;
      return this;
    }

    public Builder keepCheckpoints(int v) {
      keepCheckpoints = v;
      return this;
    }

    public Builder device(Device v) {
      device = v;
      return this;
    }

    public Builder shutdownHook(boolean v) {
      shutdownHook = v;
      return this;
    }

    /** Clips the gradient norm at {@code v} instead of the task's bound ({@code null}: the task's; 0: off). */
    public Builder clipGradNorm(Double v) {
      clipGradNorm = v;
      return this;
    }

    public Builder bf16(boolean v) {
      bf16 = v;
      return this;
    }

    /** The NaN policy instead of the task's ({@code null}: the task's). */
    public Builder onNonFinite(TrainConfig.NonFinitePolicy v) {
      onNonFinite = v;
      return this;
    }

    public TrainingRun build() {
      return new TrainingRun(runDirectory, resumeFrom, progress, out, logEvery, checkpointEvery, evalEvery,
          keepCheckpoints, device, shutdownHook, clipGradNorm, bf16, onNonFinite);
    }
  }
}
