package io.nets4j.cli;

import io.nets4j.models.ModelInfo;
import io.nets4j.models.Models;
import io.nets4j.segmentation.SegmentationModels;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.ToLongFunction;
import picocli.CommandLine.Command;

/**
 * {@code nets4j list}: every registered model with its task and parameter count (classifiers with
 * 1000 classes, segmentation models with the 21 Pascal VOC classes).
 */
@Command(name = "list", description = "List every registered model with its task and parameter count "
    + "(classification: 1000 classes; segmentation: 21 Pascal VOC classes).")
final class ListCommand implements Callable<Integer> {
  private static final String HEADER = "%-24s %-14s %-18s %-18s %6s %14s%n";
  private static final String ROW = "%-24s %-14s %-18s %-18s %6d %,14d%n";

  @Override
  public Integer call() {
    System.out.printf(Locale.ROOT, HEADER, "model", "task", "family", "reference", "input", "parameters");
    print("classification", Models.list(), Models::parameterCount);
    print("segmentation", SegmentationModels.list(), SegmentationModels::parameterCount);
    return 0;
  }

  private static void print(String task, Iterable<ModelInfo> models, ToLongFunction<String> parameters) {
    for (ModelInfo info : models) {
      System.out.printf(Locale.ROOT, ROW, info.name(), task, info.family(),
          info.reference(), info.inputSize(), parameters.applyAsLong(info.name()));
    }
  }
}
