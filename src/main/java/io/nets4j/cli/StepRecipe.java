package io.nets4j.cli;

import picocli.CommandLine.Option;

/**
 * The recipe of a command that trains for a number of optimizer steps (a picocli mixin of
 * {@code seq2seq}, {@code lm}, {@code detect train} and {@code demo}): {@code --steps},
 * {@code --batch}, {@code --lr} and {@code --seed}, with the command's defaults given to the
 * constructor. Where a default is 0 the model's or recipe's own value applies ({@link #steps(int)}).
 */
final class StepRecipe {
  @Option(names = "--steps", paramLabel = "N", description = "optimizer steps; where allowed, 0 = the model's or "
      + "recipe's own (default: ${DEFAULT-VALUE})") int steps;

  @Option(names = "--batch", paramLabel = "N", description = "inputs per step; where allowed, 0 = the model's or "
      + "recipe's own (default: ${DEFAULT-VALUE})") int batch;

  @Option(names = "--lr", paramLabel = "RATE", description = "base learning rate; where allowed, 0 = the model's or "
      + "recipe's own (default: ${DEFAULT-VALUE})") double lr;

  @Option(names = "--seed", paramLabel = "N",
      description = "random seed of the weights, the data and its order (default: ${DEFAULT-VALUE})") long seed;

  StepRecipe(int steps, int batch, double lr) {
    this.steps = steps;
    this.batch = batch;
    this.lr = lr;
  }

  /** {@code --steps}, or {@code fallback} for 0. */
  int steps(int fallback) {
    return steps != 0 ? steps : fallback;
  }

  /** {@code --batch}, or {@code fallback} for 0. */
  int batch(int fallback) {
    return batch != 0 ? batch : fallback;
  }

  /** {@code --lr}, or {@code fallback} for 0. */
  double lr(double fallback) {
    return lr != 0 ? lr : fallback;
  }
}
