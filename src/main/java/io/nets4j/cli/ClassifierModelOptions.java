package io.nets4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The model an inference command runs (a picocli mixin of {@code predict}, {@code serve} and
 * {@code bench serve}): a training run, or {@code --model} and {@code --weights} with the classes and
 * preprocessing of a published weight ({@code --weights-config}) or class names of one's own.
 */
final class ClassifierModelOptions {
  @Option(names = "--run", paramLabel = "RUN",
      description = "a training run directory (its best checkpoint; --latest: its latest) or one of its checkpoints") Path run;

  @Mixin TrainedModelOptions trained = new TrainedModelOptions();

  @Option(names = "--weights-config", paramLabel = "NAME",
      description = "with --model: the published weights the file holds (IMAGENET1K_V1, DEFAULT, a timm tag)") String weightsConfig;

  @Option(names = "--classes", paramLabel = "NAMES|FILE",
      description = "for weights of your own: class names, comma-separated or a file with one per line") String classNames;

  /** The classifier these options name; {@code size} is the crop side for weights of one's own (0: the model's). */
  ClassifierSource source(int size) {
    return new ClassifierSource(run, trained, weightsConfig, classNames, size);
  }
}
