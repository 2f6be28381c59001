package io.nets4j.cli;

import io.nets4j.analysis.Explanations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j explain TOPIC [--out FILE]}: generates a Markdown document that explains design
 * choices with numbers measured by the model summary ({@code nets4j explain classic-cnns --out
 * docs/classic-cnns.md}).
 */
@Command(name = "explain", mixinStandardHelpOptions = true, description = "Generate a Markdown document explaining design choices with measured numbers.")
final class ExplainCommand implements Callable<Integer> {
  @Parameters(paramLabel = "TOPIC", completionCandidates = Topics.class, description = "one of: ${COMPLETION-CANDIDATES}")
  String topic;

  @Option(names = "--out", paramLabel = "FILE", description = "write the document to FILE instead of standard output")
  Path out;

  @Override
  public Integer call() throws IOException {
    String doc = Explanations.generate(topic);
    if (out == null) {
      System.out.print(doc);
      return 0;
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(out, doc, StandardCharsets.UTF_8);
    System.out.println("wrote " + out + " (" + doc.lines().count() + " lines)");
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
