package io.nets4j.experiments;

import io.nets4j.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Where and how an experiment runs.
 *
 * @param budget the training budget
 * @param quick whether this is the quick run (some experiments train fewer configurations then)
 * @param data the Fashion-MNIST folder (the IDX files)
 * @param runsDir a run directory per training run goes below it ({@code MODEL-seedN/})
 * @param imagesDir where the PNG plots go
 * @param progress how training runs show their progress
 * @param log where the experiment reports what it does
 */
public record ExperimentContext(Budget budget, boolean quick, Path data, Path runsDir, Path imagesDir,
    Trainer.ProgressMode progress, PrintStream log) {}
