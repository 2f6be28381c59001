package io.nets4j.cli;

import picocli.CommandLine.Option;

/** {@code --size}: the side of the square images a command works on (a picocli mixin). */
final class SizeOption {
  @Option(names = "--size", paramLabel = "PIXELS", description = "image side in pixels; where allowed, 0 = the "
      + "data's, run's, weights' or recipe's own (default: ${DEFAULT-VALUE})") int value;

  SizeOption(int value) {
    this.value = value;
  }

  /** The given side, or {@code fallback} for 0. */
  int orElse(int fallback) {
    return value != 0 ? value : fallback;
  }
}
