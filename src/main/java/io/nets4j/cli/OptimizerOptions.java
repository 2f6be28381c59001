package io.nets4j.cli;

import picocli.CommandLine.Option;

/**
 * The optimizer of a training command (a picocli mixin): {@code --optimizer} and {@code
 * --weight-decay}, whose default depends on the optimizer (as that of the command's {@code --lr}).
 */
final class OptimizerOptions {
  @Option(names = "--optimizer", defaultValue = "adamw", paramLabel = "sgd|adamw",
      description = "optimizer (default: ${DEFAULT-VALUE})") String optimizer;

  @Option(names = "--weight-decay", paramLabel = "W",
      description = "weight decay; biases and normalisation parameters are not decayed (default: the optimizer's)") Double weightDecay;

  /** Whether {@code --optimizer} is SGD (otherwise AdamW). */
  boolean sgd() {
    return optimizer.trim().equalsIgnoreCase("sgd");
  }

  /** {@code --weight-decay}, or {@code fallback} when it is not given. */
  double weightDecay(double fallback) {
    return weightDecay != null ? weightDecay : fallback;
  }
}
