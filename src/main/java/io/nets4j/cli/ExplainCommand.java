package io.nets4j.cli;

import io.nets4j.analysis.EfficientCnns;
import io.nets4j.analysis.Explanations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j explain TOPIC [--out FILE] [--latency-runs N] [--quick] [--models LIST]}: generates
 * a Markdown document that explains design choices with numbers measured by the model summary
 * ({@code nets4j explain classic-cnns --out docs/classic-cnns.md}) and, for {@code efficient-cnns},
 * by timing the models on this machine.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, description = "Generate a Markdown document explaining design choices with measured numbers.")
final class ExplainCommand implements Callable<Integer> {
  @Parameters(paramLabel = "TOPIC", completionCandidates = Topics.class, description = "one of: ${COMPLETION-CANDIDATES}") String topic;

  /** Write the document there instead of to standard output. */
  @Mixin OutOption out = new OutOption();

  @Option(names = "--latency-runs", paramLabel = "N",
      description = "efficient-cnns: timed forward passes per model, whose median is reported (default: "
          + EfficientCnns.RUNS + ", " + EfficientCnns.QUICK_RUNS + " with --quick)") Integer latencyRuns;

  @Option(names = "--quick", description = "efficient-cnns: " + EfficientCnns.QUICK_WARMUP_RUNS + " warm-up and "
      + EfficientCnns.QUICK_RUNS + " timed passes per model instead of " + EfficientCnns.WARMUP_RUNS + " and "
      + EfficientCnns.RUNS) boolean quick;

  @Option(names = "--models", split = ",", paramLabel = "LIST",
      description = "efficient-cnns: only these models, by name or with * as wildcard (resnet50,efficientnet_b*)") List<String> models;

  @Override
  public Integer call() throws IOException {
    if (latencyRuns != null && latencyRuns < 1) {
      throw new IllegalArgumentException("--latency-runs must be >= 1, got " + latencyRuns);
    }
    Explanations.Options options = new Explanations.Options(latencyRuns == null ? 0 : latencyRuns, quick,
        models == null ? List.of() : models, line -> System.err.println(line));
    String doc = Explanations.generate(topic, options);
    if (out.value == null) {
      System.out.print(doc);
      return 0;
    }
    Path parent = out.value.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(out.value, doc, StandardCharsets.UTF_8);
    System.out.println("wrote " + out.value + " (" + doc.lines().count() + " lines)");
    return 0;
  }

  /** The topic names, for help and shell completion. */
  static final class Topics implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Explanations.topics().iterator();
    }
  }
}
