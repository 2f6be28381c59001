package io.nets4j.cli;

import picocli.CommandLine.Option;

/** {@code --lr}: the base learning rate (a picocli mixin). */
final class LearningRateOption {
  @Option(names = "--lr", paramLabel = "RATE", description = "base learning rate; where allowed, 0 = the optimizer's, "
      + "model's or recipe's own (default: ${DEFAULT-VALUE})")
  double value;

  LearningRateOption(double value) {
    this.value = value;
  }

  /** The given rate, or {@code fallback} for 0. */
  double orElse(double fallback) {
    return value != 0 ? value : fallback;
  }
}
