package io.nets4j.cli;

import io.nets4j.train.DataSpec;
import picocli.CommandLine.Option;

/** {@code --data}: an image-classification data set by its spec (a picocli mixin). */
final class DataOption {
  @Option(names = "--data", paramLabel = "SPEC", description = "data: " + DataSpec.FORMS) String value;

  DataOption(String value) {
    this.value = value;
  }
}
