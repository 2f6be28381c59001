package io.nets4j.experiments;

/** One experiment: trains, measures, and decides its claims from the numbers. */
public interface Experiment {
  /** The command-line name ({@code degradation}). */
  String name();

  /** The document's title, with the paper. */
  String title();

  /** The budget of the quick ({@code --quick}) or the full run. */
  Budget budget(boolean quick);

  /** Runs the experiment; plots go to {@link ExperimentContext#imagesDir()}. */
  ExperimentResult run(ExperimentContext context);
}
