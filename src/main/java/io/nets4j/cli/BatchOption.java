package io.nets4j.cli;

import picocli.CommandLine.Option;

/** {@code --batch}: inputs per step (a picocli mixin). */
final class BatchOption {
  @Option(names = "--batch", paramLabel = "N", description = "inputs per step (default: ${DEFAULT-VALUE})") int value;

  BatchOption(int value) {
    this.value = value;
  }
}
