package io.nets4j.experiments;

import io.nets4j.train.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** {@code docs/experiments/README.md}: every experiment document of the folder with its one line of result. */
public final class ExperimentIndex {
  static final String FILE = "README.md";

  private ExperimentIndex() {}

  /** Rewrites the index of {@code dir} from the documents in it (their {@code **Result:**} lines). */
  public static void update(Path dir) {
    StringBuilder b = new StringBuilder("# Experiments\n\n");
    b.append("Design claims of modern CNNs, reproduced by training small registered models on Fashion-MNIST "
        + "(`bin/nets4j experiment NAME [--quick] [--json OUT]`). Each document has the table, plots, machine, "
        + "command and wall time; the official test split is only reported, never used for choices.\n\n");
    for (String name : Experiments.names()) {
      Path doc = dir.resolve(name + ".md");
      Optional<String> line = Files.isRegularFile(doc) ? resultLine(doc) : Optional.empty();
      b.append("- [").append(name).append("](").append(name).append(".md): ")
          .append(line.orElse("not run yet")).append('\n');
    }
    AtomicFiles.writeString(dir.resolve(FILE), b.toString());
  }

  private static Optional<String> resultLine(Path doc) {
    try (Stream<String> lines = Files.lines(doc)) {
      List<String> found = lines.filter(l -> l.startsWith(ExperimentReport.RESULT_PREFIX)).limit(1).toList();
      return found.stream().findFirst().map(l -> l.substring(ExperimentReport.RESULT_PREFIX.length()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + doc + " (" + e.getMessage() + ")", e);
    }
  }
}
