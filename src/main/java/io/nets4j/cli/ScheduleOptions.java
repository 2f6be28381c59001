package io.nets4j.cli;

import io.nets4j.nn.Checks;
import io.nets4j.train.ScheduleSpec;
import picocli.CommandLine.Option;

/** The learning-rate schedule of an epoch-based training command (a picocli mixin). */
final class ScheduleOptions {
  @Option(names = "--schedule", defaultValue = "cosine", paramLabel = "cosine|step|constant",
      description = "learning-rate schedule after warm-up (default: ${DEFAULT-VALUE})") String schedule;

  @Option(names = "--warmup", defaultValue = "0.2", paramLabel = "EPOCHS",
      description = "linear warm-up from 1%% of the rate, in epochs (default: ${DEFAULT-VALUE})") double warmup;

  @Option(names = "--step-epochs", defaultValue = "30", paramLabel = "EPOCHS",
      description = "step schedule: epochs between decays (default: ${DEFAULT-VALUE})") double stepEpochs;

  @Option(names = "--gamma", defaultValue = "0.1", description = "step schedule: decay factor (default: ${DEFAULT-VALUE})") double gamma;

  /** Fails with the option's name on a value out of range. */
  void validate() {
    Checks.nonNegative("--warmup", warmup);
    Checks.positive("--step-epochs", stepEpochs);
    Checks.range("--gamma", gamma, 0, 1);
  }

  /** The schedule: warm-up from 1% of the rate, then {@code --schedule} down to 0. */
  ScheduleSpec spec() {
    return new ScheduleSpec(ScheduleSpec.Kind.parse(schedule), warmup, 0.01, 0, stepEpochs, gamma);
  }
}
