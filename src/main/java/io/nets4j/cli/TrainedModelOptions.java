package io.nets4j.cli;

import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.train.Checkpoints;
import io.nets4j.train.RunInfo;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The trained model a command runs (a picocli mixin of {@code predict} and {@code eval}): a run
 * directory or checkpoint, whose best checkpoint (or latest, with {@code --latest}) gives the
 * weights, or {@code --model} with a {@code --weights} file.
 */
final class TrainedModelOptions {
  @Option(names = "--latest", description = "with a run: its latest checkpoint instead of its best") boolean latest;

  /** Without a run: the model and its weights file. */
  @Mixin ModelOption model = new ModelOption(null);

  @Mixin WeightsOption weights = new WeightsOption();

  /** A run's model with its checkpoint's weights loaded. */
  record FromRun(ImageClassifier net, RunInfo info, Path checkpoint) {}

  /** The model of the run at {@code run} (a run directory or one of its checkpoints), with its weights. */
  FromRun fromRun(Path run) {
    RunInfo info = RunInfo.read(run);
    Path checkpoint = latest ? Checkpoints.resolve(run) : Checkpoints.resolveBest(run);
    ImageClassifier net = Models.create(info.model(), info.modelOptions());
    Checkpoints.loadWeights(net, checkpoint);
    return new FromRun(net, info, checkpoint);
  }

  /**
   * Fails with {@code usage} (what the command needs instead of a run) unless {@code --model} and
   * {@code --weights} are given, and with the closest names for an unknown model.
   */
  void requireModelAndWeights(String usage) {
    if (model.value == null || weights.value == null) {
      throw new IllegalArgumentException(usage);
    }
    ModelNames.requireClassifier(model.value);
  }

  /** {@code --model} built with {@code options}, with every tensor of {@code --weights} loaded. */
  ImageClassifier fromWeights(ModelOptions options) {
    ImageClassifier net = Models.create(model.value, options);
    StateDicts.load(net, weights.value, LoadMode.STRICT);
    return net;
  }
}
