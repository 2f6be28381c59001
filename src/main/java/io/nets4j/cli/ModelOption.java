package io.nets4j.cli;

import picocli.CommandLine.Option;

/** {@code --model}: a registered model by name, see {@code nets4j list} (a picocli mixin). */
final class ModelOption {
  @Option(names = "--model", paramLabel = "NAME", description = "a registered model, see `nets4j list`") String value;

  ModelOption(String value) {
    this.value = value;
  }
}
