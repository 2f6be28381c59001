package io.nets4j.cli;

import io.nets4j.experiments.Budget;
import io.nets4j.experiments.ExperimentReport;
import io.nets4j.experiments.Experiments;
import io.nets4j.train.Trainer;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nets4j experiment NAME [--quick] [--json OUT] [--seeds N] [--out DIR]}: trains the models of
 * one experiment over several seeds and writes {@code DIR/NAME.md} (default {@code docs/experiments}),
 * its plots and the index; {@code --json} also writes the table and whether each claim holds.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
    description = "Reproduce a design claim of modern CNNs by training small models on Fashion-MNIST.")
final class ExperimentCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", completionCandidates = Names.class, description = "one of: ${COMPLETION-CANDIDATES}")
  String name;

  @Option(names = "--quick", description = "the quick budget (minutes: fewer epochs, a small subset, 16x16 images)")
  boolean quick;

  @Option(names = "--json", paramLabel = "OUT", description = "also write the measured tables and `holds` per claim as JSON")
  Path json;

  @Option(names = "--seeds", paramLabel = "N", description = "runs per configuration (default: 3)")
  Integer seeds;

  /** The documents' folder. */
  @Mixin
  OutOption out = new OutOption();

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "/usr/share/datasets/fashion-mnist",
      description = "the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE})")
  Path data;

  @Option(names = "--runs", paramLabel = "DIR", defaultValue = "runs/experiments",
      description = "the training runs go to DIR/NAME/MODEL-seedN (default: ${DEFAULT-VALUE})")
  Path runs;

  @Option(names = "--progress", defaultValue = "plain", paramLabel = "auto|bar|plain|none",
      description = "progress display of each training run (default: ${DEFAULT-VALUE})")
  String progress;

  // a smaller budget than --quick, for smoke tests; documents written with it say so by their budget line
  @Option(names = "--epochs", hidden = true)
  int epochs;

  @Option(names = "--train-size", hidden = true)
  int trainSize;

  @Option(names = "--test-size", hidden = true)
  int testSize;

  @Option(names = "--size", hidden = true)
  int size;

  @Option(names = "--batch", hidden = true)
  int batch;

  @Override
  public Integer call() {
    if (seeds != null && seeds < 1) {
      throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
    }
    for (int v : new int[] {epochs, trainSize, testSize, size, batch}) {
      if (v < 0) {
        throw new IllegalArgumentException("budget options must be >= 0 (0: the experiment's own), got " + v);
      }
    }
    Experiments.get(name);
    Trainer.ProgressMode mode;
    try {
      mode = Trainer.ProgressMode.valueOf(progress.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--progress must be auto, bar, plain or none, got '" + progress + "'", e);
    }
    String command = "bin/nets4j " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    Path dir = out.value == null ? Path.of("docs", "experiments") : out.value;
    ExperimentReport report = Experiments.run(new Experiments.Options(name, quick,
        new Budget.Overrides(epochs, trainSize, testSize, size, batch, seeds == null ? 0 : seeds), data, dir, runs, json,
        command, mode, System.err));
    System.out.println(report.name() + ": " + report.result().summary());
    report.result().claims().forEach(c -> System.out.println("  " + (c.holds() ? "holds" : "does not hold") + ": "
        + c.statement()));
    System.out.printf(Locale.ROOT, "wrote %s (%.0f s)%n", dir.resolve(report.name() + ".md"), report.wallSeconds());
    return 0;
  }

  static final class Names implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Experiments.names().iterator();
    }
  }
}
