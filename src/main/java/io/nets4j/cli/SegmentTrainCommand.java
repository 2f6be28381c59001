package io.nets4j.cli;

import io.nets4j.data.ShapesDataset;
import io.nets4j.models.Task;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import io.nets4j.segmentation.SegmentationOptions;
import io.nets4j.segmentation.SegmentationRun;
import io.nets4j.train.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nets4j segment train}: trains a segmentation model on generated shapes scenes (no
 * download) into a run directory, keeps the weights of the best validation mean IoU and reports
 * pixel accuracy, mean IoU and per-class IoU on held-out scenes.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train a segmentation model on generated shapes scenes (background and 6 shapes) into a run "
        + "directory: " + SegmentationRun.FILE + " (settings), " + SegmentationRun.WEIGHTS + " (best validation "
        + "mean IoU), " + SegmentationRun.LOG + ", " + SegmentationRun.EVALUATION + " (held-out test metrics).",
        "Without --lr or --weight-decay: AdamW 0.001 and 1e-4, SGD 0.01 and 5e-4; the rate is cosine-annealed to 0.",
        "Use the run with `nets4j segment --weights RUN`.", ""})
final class SegmentTrainCommand implements Callable<Integer> {
  @Mixin ModelOption model = new ModelOption("fcn8s");

  @Mixin SizeOption size = new SizeOption(64);

  @Mixin StepRecipe recipe = new StepRecipe(2000, 1, 0);

  @Mixin OptimizerOptions optimizer = new OptimizerOptions();

  @Mixin OutOption out = new OutOption("runs");

  @Option(names = "--width", defaultValue = "0.125", description = "channel multiplier of the backbone (default: ${DEFAULT-VALUE})") double width;

  @Option(names = "--batch-norm", description = "fcn32s/16s/8s: batch norm after every backbone convolution (not in "
      + "the paper, which starts from ImageNet weights; helps a narrow network train from scratch)") boolean batchNorm;

  @Option(names = "--learnable-upsampling", description = "train the transposed convolutions (they start as bilinear "
      + "interpolation; frozen by default)") boolean learnableUpsampling;

  @Option(names = "--mosaic", defaultValue = "4", paramLabel = "K",
      description = "each input tiles K x K scenes, sharing FCN's 100-pixel padding among them (default: ${DEFAULT-VALUE})") int mosaic;

  @Option(names = "--train-size", defaultValue = "50000", description = "training scenes (default: ${DEFAULT-VALUE})") int trainSize;

  @Option(names = "--val-size", defaultValue = "100", description = "validation scenes (default: ${DEFAULT-VALUE})") int valSize;

  @Option(names = "--test-size", defaultValue = "500", description = "held-out test scenes (default: ${DEFAULT-VALUE})") int testSize;

  @Option(names = "--eval-every", defaultValue = "100", paramLabel = "STEPS",
      description = "steps between validations (default: ${DEFAULT-VALUE})") int evalEvery;

  @Option(names = "--stop-at", defaultValue = "0", paramLabel = "MIOU",
      description = "stop once the validation mean IoU reaches MIOU; 0 = train all steps (default: ${DEFAULT-VALUE})") double stopAt;

  @Option(names = "--max-minutes", defaultValue = "0", paramLabel = "MINUTES",
      description = "stop at the first validation after MINUTES of wall time; 0 = no limit (default: ${DEFAULT-VALUE})") double maxMinutes;

  @Option(names = "--init", paramLabel = "RUN|FILE", description = "start from these weights (a run directory's kept "
      + "weights, or a state_dict of the same model and options) instead of fresh ones") Path init;

  @Option(names = "--name", description = "run directory name (default: DATE-TIME-MODEL-shapes)") String name;

  @Mixin TrainingRunOptions runOptions;

  @Override
  public Integer call() {
    Checks.range("--width", width, 0.001, 4);
    Checks.range("--size", size.value, 16, Limits.MAX_INPUT_SIDE);
    Checks.positive("--steps", recipe.steps);
    Checks.positive("--batch", recipe.batch);
    Checks.positive("--mosaic", mosaic);
    Checks.nonNegative("--lr", recipe.lr);
    Checks.nonNegative("--weight-decay", optimizer.weightDecay(0));
    Checks.positive("--train-size", trainSize);
    Checks.positive("--val-size", valSize);
    Checks.positive("--test-size", testSize);
    Checks.positive("--eval-every", evalEvery);
    Checks.probability("--stop-at", stopAt);
    Checks.nonNegative("--max-minutes", maxMinutes);
    if (name != null) {
      Checks.simpleName("--name", name);
    }
    ModelNames.require(model.value, Task.SEGMENTATION);
    boolean sgd = optimizer.sgd();
    SegmentationRun.Settings settings = new SegmentationRun.Settings(recipe.steps, recipe.batch, mosaic,
        optimizer.optimizer, recipe.lr(sgd ? 0.01 : 1e-3), optimizer.weightDecay(sgd ? 5e-4 : 1e-4), evalEvery, stopAt,
        maxMinutes, init == null ? null : (Files.isDirectory(init) ? init.resolve(SegmentationRun.WEIGHTS) : init)
            .toAbsolutePath().toString());
    SegmentationOptions options = SegmentationOptions.defaults().withNumClasses(ShapesDataset.SCENE_CLASSES.size())
        .withWidth(width).withBatchNorm(batchNorm).withLearnableUpsampling(learnableUpsampling);
    SegmentationRun run = new SegmentationRun(SegmentationRun.FORMAT, model.value, options, ShapesDataset.SCENE_CLASSES,
        size.value, trainSize, valSize, testSize, recipe.seed, settings, OffsetDateTime.now().toString());
    Path runDir = runOptions.resuming() ? runOptions.resumeDirectory(name == null ? null : out.value.resolve(name))
        : out.value.resolve(name != null ? name : RunDirectories.defaultName(model.value, "shapes"));
    if (!runOptions.resuming() && RunDirectories.inUse(runDir)) {
      throw new IllegalArgumentException("the run directory " + runDir + " exists and is not empty; use another --name");
    }
    RunDirectories.create(runDir);
    System.out.println("run " + runDir);
    SegmentationRun.Evaluation e;
    try {
      e = run.train(runDir, System.out, runOptions.run(runDir, null));
    } catch (RuntimeException | Error failure) {
      // without kept weights the directory is of no use, and would block the same --name
      if (!Files.exists(runDir.resolve(SegmentationRun.WEIGHTS))) {
        AtomicFiles.deleteTree(runDir);
        System.err.println("removed " + runDir + ": the run failed before it kept any weights");
      }
      throw failure;
    }
    System.out.printf(Locale.ROOT, "%d steps in %.0f s (process CPU time %.0f s); kept the weights of step %d%n",
        e.steps(), e.seconds(), e.cpuSeconds(), e.bestStep());
    printTest(e);
    System.out.println("run directory: " + runDir + " (use it with: nets4j segment --weights " + runDir + ")");
    return 0;
  }

  /** The test metrics of a run, against predicting background everywhere. */
  static void printTest(SegmentationRun.Evaluation e) {
    System.out.printf(Locale.ROOT, "held-out test (%d scenes): pixel accuracy %.4f, mean IoU %.4f "
        + "(all background: %.4f, %.4f)%n", e.testImages(), e.pixelAccuracy(), e.meanIoU(),
        e.backgroundPixelAccuracy(), e.backgroundMeanIoU());
    for (Map.Entry<String, Double> c : e.perClassIoU().entrySet()) {
      System.out.printf(Locale.ROOT, "  IoU %-10s %.4f%n", c.getKey(), c.getValue());
    }
  }
}
