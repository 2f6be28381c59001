package io.nets4j.cli;

import io.nets4j.models.ModelInfo;
import io.nets4j.models.Task;
import io.nets4j.registry.ModelRegistry;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nets4j list [--task TASK]}: every registered model of every task (or of one) with its
 * task, family, reference, input size, published weights and parameter count, each with its task's
 * defaults (classifiers with 1000 classes, segmentation models with the 21 Pascal VOC classes,
 * detectors with the 6 shapes classes); {@code nets4j list --weights MODEL}: the full table of one
 * classifier's published weights.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = {
    "List every registered model with its task, family, reference, input size (0: a sequence model), the names of "
        + "its published weights (* marks DEFAULT) and its parameter count (classification: 1000 classes; "
        + "segmentation: 21 Pascal VOC classes; detection: the 6 shapes classes).",
    "With --weights MODEL: every published weight of one classifier with its preprocessing, ImageNet "
        + "accuracy, parameter count, file hash and URL (nets4j downloads nothing)."})
final class ListCommand implements Callable<Integer> {
  private static final String WEIGHTS_HEADER = "weights (* DEFAULT)";

  @Option(names = "--weights", paramLabel = "MODEL",
      description = "print the published weights of this classifier instead of the model list") String weightsOf;

  @Option(names = "--task", paramLabel = "TASK",
      description = "only the models of this task: classification, segmentation, detection or sequence") String task;

  @Override
  public Integer call() {
    if (weightsOf != null) {
      ModelInfo info = ModelRegistry.info(weightsOf);
      System.out.print(info.task() == Task.CLASSIFICATION ? PublishedWeights.table(weightsOf)
          : weightsOf + ": no published weights (a " + info.task() + " model; reference: " + info.reference() + ")\n");
      return 0;
    }
    List<ModelInfo> models = task == null ? ModelRegistry.list() : ModelRegistry.list(Task.parse(task));
    // the weights column is as wide as its longest entry, so the parameter counts stay aligned at the end
    int width = Math.max(WEIGHTS_HEADER.length(), models.stream().mapToInt(i -> weights(i).length()).max().orElse(0));
    System.out.printf(Locale.ROOT, "%-24s %-14s %-18s %-18s %6s %-" + width + "s %14s%n", "model", "task", "family",
        "reference", "input", WEIGHTS_HEADER, "parameters");
    String row = "%-24s %-14s %-18s %-18s %6d %-" + width + "s %,14d%n";
    for (ModelInfo info : models) {
      System.out.printf(Locale.ROOT, row, info.name(), info.task(), info.family(), info.reference(), info.inputSize(),
          weights(info), ModelRegistry.parameterCount(info.name()));
    }
    return 0;
  }

  private static String weights(ModelInfo info) {
    return info.weights().isEmpty() ? PublishedWeights.NONE : PublishedWeights.names(info.name());
  }
}
