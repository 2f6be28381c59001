package io.nets4j.cli;

import picocli.CommandLine.Option;

/** {@code --steps}: optimizer steps (a picocli mixin). */
final class StepsOption {
  @Option(names = "--steps", paramLabel = "N", description = "optimizer steps; where allowed, 0 = the model's or "
      + "recipe's own (default: ${DEFAULT-VALUE})")
  int value;

  StepsOption(int value) {
    this.value = value;
  }

  /** The given count, or {@code fallback} for 0. */
  int orElse(int fallback) {
    return value != 0 ? value : fallback;
  }
}
