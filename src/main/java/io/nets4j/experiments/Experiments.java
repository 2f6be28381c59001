package io.nets4j.experiments;

import io.nets4j.bench.MachineInfo;
import io.nets4j.train.AtomicFiles;
import io.nets4j.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The experiments by name, and running one into its document, its JSON and the index. */
public final class Experiments {
  private static final Map<String, Experiment> ALL = new LinkedHashMap<>();

  static {
    for (Experiment e : List.of(new Degradation(), new SqueezeExcitationExperiment())) {
      ALL.put(e.name(), e);
    }
  }

  private Experiments() {}

  /** The names, in the order. */
  public static List<String> names() {
    return List.copyOf(ALL.keySet());
  }

  /** The experiment called {@code name}. */
  public static Experiment get(String name) {
    Experiment e = ALL.get(name);
    if (e == null) {
      throw new IllegalArgumentException("unknown experiment '" + name + "'; known: " + String.join(", ", names()));
    }
    return e;
  }

  /**
   * What to run and where it goes.
   *
   * @param name the experiment
   * @param quick the quick budget instead of the full one
   * @param overrides budget fields to replace (seeds, or a tiny budget for tests)
   * @param data the Fashion-MNIST folder
   * @param outDir the documents' folder ({@code NAME.md}, {@code images/}, {@code README.md})
   * @param runsDir the run directories go below {@code runsDir/NAME/}
   * @param json where the JSON goes, or {@code null}
   * @param command the command line, for the record
   * @param progress how training shows its progress
   * @param log where progress lines go
   */
  public record Options(String name, boolean quick, Budget.Overrides overrides, Path data, Path outDir, Path runsDir,
      Path json, String command, Trainer.ProgressMode progress, PrintStream log) {}

  /** Runs an experiment, writes its document, JSON and the index, and returns the report. */
  public static ExperimentReport run(Options o) {
    Experiment e = get(o.name());
    Budget budget = e.budget(o.quick()).override(o.overrides());
    if (!Files.isDirectory(o.data())) {
      throw new IllegalArgumentException("the Fashion-MNIST folder " + o.data() + " does not exist (Debian: apt-get "
          + "install dataset-fashion-mnist; or pass --data DIR with the four IDX files)");
    }
    long start = System.nanoTime();
    ExperimentContext context = new ExperimentContext(budget, o.quick(), o.data(), o.runsDir().resolve(e.name()),
        o.outDir().resolve("images"), o.progress(), o.log());
    ExperimentResult result = e.run(context);
    double wall = (System.nanoTime() - start) / 1e9;
    ExperimentReport report = new ExperimentReport(e.name(), e.title(), result, budget, o.quick(), o.command(),
        MachineInfo.current(), wall, loadAverage());
    AtomicFiles.writeString(o.outDir().resolve(e.name() + ".md"), report.markdown());
    ExperimentIndex.update(o.outDir());
    if (o.json() != null) {
      AtomicFiles.writeString(o.json(), report.json());
    }
    return report;
  }

  /** The 1, 5 and 15 minute load averages, as {@code uptime} shows them. */
  static String loadAverage() {
    Path p = Path.of("/proc/loadavg");
    try {
      String[] f = Files.readString(p).trim().split("\\s+");
      return f.length >= 3 ? f[0] + ", " + f[1] + ", " + f[2] : "unknown";
    } catch (IOException e) {
      // not Linux: the document says so
      return "unknown";
    }
  }
}
