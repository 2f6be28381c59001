package io.nets4j.cli;

import io.nets4j.models.ModelInfo;
import io.nets4j.models.Models;
import io.nets4j.segmentation.SegmentationModels;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nets4j list}: every registered model with its task, parameter count (classifiers with
 * 1000 classes, segmentation models with the 21 Pascal VOC classes) and published weights;
 * {@code nets4j list --weights MODEL}: the full table of one classifier's published weights.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = {
    "List every registered model with its task, parameter count (classification: 1000 classes; "
        + "segmentation: 21 Pascal VOC classes) and the names of its published weights (* marks DEFAULT).",
    "With --weights MODEL: every published weight of one classifier with its preprocessing, ImageNet "
        + "accuracy, parameter count, file hash and URL (nets4j downloads nothing)."})
final class ListCommand implements Callable<Integer> {
  private static final String WEIGHTS_HEADER = "weights (* DEFAULT)";

  @Option(names = "--weights", paramLabel = "MODEL",
      description = "print the published weights of this classifier instead of the model list")
  String weightsOf;

  @Override
  public Integer call() {
    if (weightsOf != null) {
      System.out.print(PublishedWeights.table(weightsOf));
      return 0;
    }
    List<ModelInfo> classifiers = Models.list();
    List<ModelInfo> segmentation = SegmentationModels.list();
    Function<String, String> classifierWeights = PublishedWeights::names;
    Function<String, String> none = name -> PublishedWeights.NONE;
    // the weights column is as wide as its longest entry, so the parameter counts stay aligned at the end
    int width = classifiers.stream().mapToInt(i -> classifierWeights.apply(i.name()).length()).max().orElse(0);
    width = Math.max(width, WEIGHTS_HEADER.length());
    System.out.printf(Locale.ROOT, "%-24s %-14s %-18s %-18s %6s %-" + width + "s %14s%n", "model", "task", "family",
        "reference", "input", WEIGHTS_HEADER, "parameters");
    String row = "%-24s %-14s %-18s %-18s %6d %-" + width + "s %,14d%n";
    print(row, "classification", classifiers, classifierWeights, Models::parameterCount);
    print(row, "segmentation", segmentation, none, SegmentationModels::parameterCount);
    return 0;
  }

  private static void print(String row, String task, Iterable<ModelInfo> models, Function<String, String> weights,
      ToLongFunction<String> parameters) {
    for (ModelInfo info : models) {
      System.out.printf(Locale.ROOT, row, info.name(), task, info.family(), info.reference(), info.inputSize(),
          weights.apply(info.name()), parameters.applyAsLong(info.name()));
    }
  }
}
