package io.nets4j.cli;

import io.nets4j.analysis.ModelSummary;
import io.nets4j.analysis.SummaryFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j summary MODEL [--input 1,3,224,224] [--depth N] [--format text|markdown|json]}: the
 * per-layer table of {@link ModelSummary} (output shapes, parameters, MACs, receptive fields) and
 * its totals; the text format ends with the model's published weights.
 */
@Command(name = "summary", mixinStandardHelpOptions = true, description = {
    "Per-layer table of a model: output shape, parameters, multiply-accumulates (MACs), receptive field and jump;",
    "totals of parameters, MACs and memory. Runs one forward pass of a zero input in eval mode."})
final class SummaryCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", description = "a registered model (see `nets4j list`)") String model;

  @Option(names = "--input", split = ",", paramLabel = "N,C,H,W",
      description = "input shape (default: 1,3,S,S with S the model's native resolution)") long[] input;

  @Option(names = "--depth", defaultValue = "" + ModelSummary.DEFAULT_DEPTH,
      description = "show layers nested at most this deep; deeper ones are folded into their parent (default: ${DEFAULT-VALUE})") int depth;

  @Option(names = "--format", defaultValue = "text", paramLabel = "text|markdown|json",
      description = "output format (default: ${DEFAULT-VALUE})") String format;

  @Override
  public Integer call() {
    SummaryFormat f = SummaryFormat.parse(format);
    if (depth < 0) {
      throw new IllegalArgumentException("--depth must be >= 0, got " + depth);
    }
    ModelNames.requireClassifier(model);
    ModelSummary s = input == null ? ModelSummary.of(model) : ModelSummary.of(model, input);
    System.out.print(s.render(f, depth));
    if (f == SummaryFormat.TEXT) {
      // markdown and JSON stay documents of their format; `list --weights` prints the weights' table
      System.out.print(System.lineSeparator() + PublishedWeights.summaryLines(model));
    }
    return 0;
  }
}
