package io.nets4j.cli;

import io.nets4j.models.ModelInfo;
import io.nets4j.models.Task;
import io.nets4j.registry.ModelRegistry;

/**
 * Model names given on the command line, looked up in the one registry of every task. A name of
 * another task (a segmentation model or a detector given to {@code train}) is sent to that task's
 * command instead of being "corrected" to an unrelated model; any other unknown name fails with
 * the closest names of every task.
 */
final class ModelNames {
  private ModelNames() {}

  /** Fails unless {@code name} is a registered classifier. */
  static void requireClassifier(String name) {
    require(name, Task.CLASSIFICATION);
  }

  /** The registry's entry for {@code name}; fails unless it is a model of {@code task}. */
  static ModelInfo require(String name, Task task) {
    ModelInfo info = ModelRegistry.info(name); // throws UnknownModelException with the closest names
    if (info.task() != task) {
      throw new IllegalArgumentException("'" + name + "' is " + noun(info.task()) + ", not " + noun(task) + "; "
          + howToTrain(info));
    }
    return info;
  }

  private static String noun(Task task) {
    return switch (task) {
      case CLASSIFICATION -> "a classifier";
      case SEGMENTATION -> "a segmentation model";
      case DETECTION -> "a detector";
      case SEQUENCE -> "a sequence model";
    };
  }

  private static String howToTrain(ModelInfo info) {
    return switch (info.task()) {
      case CLASSIFICATION -> "train it with `nets4j train --model " + info.name() + "`";
      case SEGMENTATION -> "train it with `nets4j segment train --model " + info.name() + "`";
      case DETECTION -> "train it with `nets4j detect train --model " + info.name() + "`";
      case SEQUENCE -> "sequence models are trained by `nets4j lm`, `nets4j seq2seq` and `nets4j caption`";
    };
  }
}
