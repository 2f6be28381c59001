package io.nets4j.cli;

import io.nets4j.models.ModelInfo;
import io.nets4j.models.Models;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code nets4j list}: every registered model with its parameter count. */
@Command(name = "list", description = "List every registered model with its parameter count.")
final class ListCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.printf(Locale.ROOT, "%-24s %-14s %-12s %6s %14s%n", "model", "family", "reference", "input", "parameters");
    for (ModelInfo info : Models.list()) {
      System.out.printf(Locale.ROOT, "%-24s %-14s %-12s %6d %,14d%n", info.name(), info.family(), info.reference(),
          info.inputSize(), Models.parameterCount(info.name()));
    }
    return 0;
  }
}
