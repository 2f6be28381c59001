package io.nets4j.cli;

import picocli.CommandLine.Option;

/** {@code --seed}: the seed of everything random a command does (a picocli mixin). */
final class SeedOption {
  @Option(names = "--seed", paramLabel = "N",
      description = "random seed of the weights, the data and its order (default: ${DEFAULT-VALUE})") long value;

  SeedOption(long value) {
    this.value = value;
  }
}
