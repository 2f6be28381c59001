package io.nets4j.cli;

import picocli.CommandLine.Option;

/**
 * What a weights file's classes and preprocessing are (a picocli mixin of {@code predict} and
 * {@code serve}): a published weight by its reference name, or class names for weights of one's own.
 */
final class WeightsConfigOptions {
  @Option(names = "--weights-config", paramLabel = "NAME",
      description = "with --model: the published weights the file holds (IMAGENET1K_V1, DEFAULT, a timm tag)")
  String weightsConfig;

  @Option(names = "--classes", paramLabel = "NAMES|FILE",
      description = "for weights of your own: class names, comma-separated or a file with one per line")
  String classNames;
}
