package io.nets4j.segmentation;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nets4j.data.Dataset;
import io.nets4j.data.SegmentationSample;
import io.nets4j.data.ShapesDataset;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.train.AtomicFiles;
import io.nets4j.train.LrSchedule;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TrainingRun;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;

/**
 * What a segmentation run directory was made from ({@value #FILE}), so that the trained model
 * ({@value #WEIGHTS}) and its held-out data can be rebuilt: the model, its options, and the
 * synthetic shapes scenes it was trained on, validated on (to keep the best weights) and tested on.
 *
 * @param format {@value #FORMAT}
 * @param model the segmentation model's registry name
 * @param options the options it was built with
 * @param classes the class names, background first
 * @param imageSize the side of the generated scenes
 * @param trainSize training scenes (seed {@code seed})
 * @param valSize validation scenes (seed {@code seed + 1}), which choose the kept weights
 * @param testSize held-out test scenes (seed {@code seed + 2}), measured once at the end
 * @param seed the data seed
 * @param settings how the model was trained
 * @param created when the run started (ISO-8601)
 */
public record SegmentationRun(String format, String model, SegmentationOptions options, List<String> classes,
    int imageSize, int trainSize, int valSize, int testSize, long seed, Settings settings, String created) {
  public static final String FORMAT = "nets4j-segmentation-run/1";
  public static final String FILE = "segmentation-run.json";
  /** The weights with the best validation mean IoU. */
  public static final String WEIGHTS = "model.safetensors";
  /** One line per validation: step, training loss, validation pixel accuracy and mean IoU, seconds. */
  public static final String LOG = "validation.jsonl";
  /** The held-out test metrics of the kept weights. */
  public static final String EVALUATION = "evaluation.json";

  /**
   * The training settings, as the command line takes them.
   *
   * @param steps optimizer steps
   * @param batch inputs per step
   * @param mosaic each input tiles {@code mosaic x mosaic} scenes (see {@link SegmentationTraining.Settings})
   * @param optimizer {@code sgd} or {@code adamw}
   * @param lr base learning rate, annealed by a cosine schedule to 0
   * @param weightDecay weight decay
   * @param evalEvery steps between validations
   * @param stopAtMiou stop once the validation mean IoU reaches this (0: train all steps)
   * @param maxMinutes stop at the first validation after this much wall time (0: no limit); on a
   *     shared machine this bounds the run while it still ends with a measured test evaluation
   * @param init the weights file training started from (e.g. another run's kept weights, for a
   *     second cosine cycle as in SGDR, Loshchilov and Hutter 2017), or null for fresh weights
   */
  public record Settings(int steps, int batch, int mosaic, String optimizer, double lr, double weightDecay,
      int evalEvery, double stopAtMiou, double maxMinutes, String init) {
    public Settings {
      if (evalEvery < 1) {
        throw new IllegalArgumentException("evalEvery must be positive, got " + evalEvery);
      }
    }

    SegmentationTraining.Settings training(long seed) {
      OptimizerSpec.Kind kind = OptimizerSpec.Kind.parse(optimizer);
      OptimizerSpec spec = (kind == OptimizerSpec.Kind.SGD ? OptimizerSpec.sgd(lr) : OptimizerSpec.adamw(lr))
          .withWeightDecay(weightDecay);
      return new SegmentationTraining.Settings(steps, batch, mosaic, spec, LrSchedule.cosine(steps, 0), seed);
    }
  }

  /**
   * The test metrics of the kept weights, and of predicting background everywhere, for comparison.
   * {@code seconds} is the wall time of the training, {@code cpuSeconds} the processor time the
   * process had used by then (on a shared machine the better measure of the work).
   */
  public record Evaluation(int steps, double seconds, double cpuSeconds, int bestStep, int testImages,
      double pixelAccuracy, double meanIoU, Map<String, Double> perClassIoU, double backgroundPixelAccuracy,
      double backgroundMeanIoU) {}

  private static final int EVAL_BATCH = 16;

  static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The training scenes. */
  public Dataset<SegmentationSample> trainData() {
    return ShapesDataset.scenes(trainSize, imageSize, seed).segmentation();
  }

  /** The validation scenes, disjoint from the training ones (another seed). */
  public Dataset<SegmentationSample> validationData() {
    return ShapesDataset.scenes(valSize, imageSize, seed + 1).segmentation();
  }

  /** The held-out test scenes (another seed again). */
  public Dataset<SegmentationSample> testData() {
    return ShapesDataset.scenes(testSize, imageSize, seed + 2).segmentation();
  }

  /** The model as built for this run, with fresh weights. */
  public SegmentationModel createModel() {
    return SegmentationModels.create(model, options);
  }

  /**
   * Trains the run's model into {@code runDir}: writes {@value #FILE}, validates every
   * {@code evalEvery} steps (a line in {@value #LOG} and on {@code out}), keeps the weights of the
   * best validation mean IoU in {@value #WEIGHTS}, and finally measures them on the test scenes
   * ({@value #EVALUATION}).
   */
  public Evaluation train(Path runDir, PrintStream out) {
    return train(runDir, out, TrainingRun.builder().runDirectory(runDir).output(out).build());
  }

  /**
   * Like {@link #train(Path, PrintStream)}, through the {@link io.nets4j.train.TrainingEngine} with
   * {@code run}'s checkpoints (in {@code runDir/checkpoints}), resuming, progress, device and
   * numerics; a resumed run keeps the validation lines and the best weights it had.
   */
  public Evaluation train(Path runDir, PrintStream out, TrainingRun run) {
    torch.manual_seed(seed);
    SegmentationModel net = createModel();
    // Initial weights that do not fit fail here, before the run directory gets any file.
    if (settings.init() != null) {
      StateDicts.load(net, Path.of(settings.init()), LoadMode.STRICT);
    }
    write(runDir);
    Dataset<SegmentationSample> validation = validationData();
    Path weights = runDir.resolve(WEIGHTS);
    long start = System.nanoTime();
    double[] best = {-1};
    int[] bestStep = {0};
    double[] smoothed = {Double.NaN};
    StringBuilder log = new StringBuilder();
    if (run.resumeFrom() != null && Files.exists(runDir.resolve(LOG))) {
      resumeLog(runDir.resolve(LOG), log, best, bestStep);
    }
    out.printf(Locale.ROOT, "training %s (%,d parameters) on %d %dx%d shapes scenes: %d steps of %d x %dx%d mosaics%n",
        model, net.parameterCount(), trainSize, imageSize, imageSize, settings.steps(), settings.batch(),
        settings.mosaic(), settings.mosaic());
    double[] losses = SegmentationTraining.train(net, trainData(), settings.training(seed), (step, loss) -> {
      smoothed[0] = Double.isNaN(smoothed[0]) ? loss : 0.9 * smoothed[0] + 0.1 * loss;
      if (step % settings.evalEvery() != 0 && step != settings.steps()) {
        return true;
      }
      SegmentationMetrics m = SegmentationTraining.evaluate(net, validation, EVAL_BATCH);
      net.train();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (m.meanIoU() > best[0]) {
        best[0] = m.meanIoU();
        bestStep[0] = step;
        StateDicts.save(net, weights);
      }
      log.append(String.format(Locale.ROOT,
          "{\"step\": %d, \"loss\": %.5f, \"pixelAccuracy\": %.5f, \"meanIoU\": %.5f, \"seconds\": %.1f}%n",
          step, smoothed[0], m.pixelAccuracy(), m.meanIoU(), seconds));
      AtomicFiles.writeString(runDir.resolve(LOG), log.toString());
      out.printf(Locale.ROOT, "step %d/%d  loss %.4f  validation: pixel accuracy %.4f, mean IoU %.4f  (%.0f s)%n",
          step, settings.steps(), smoothed[0], m.pixelAccuracy(), m.meanIoU(), seconds);
      boolean reached = settings.stopAtMiou() > 0 && m.meanIoU() >= settings.stopAtMiou();
      boolean late = settings.maxMinutes() > 0 && seconds >= 60 * settings.maxMinutes();
      if (reached || late) {
        out.println(reached ? "validation mean IoU reached " + settings.stopAtMiou() + "; stopping"
            : "time limit of " + settings.maxMinutes() + " minutes reached; stopping");
      }
      return !reached && !late;
    }, run).losses();
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3)
        .orElse(Double.NaN);
    Evaluation e = evaluate(runDir, losses.length, seconds, cpuSeconds, bestStep[0]);
    writeJson(runDir.resolve(EVALUATION), e);
    return e;
  }

  /** The validation lines of an earlier part of a resumed run, and the best mean IoU among them. */
  private static void resumeLog(Path file, StringBuilder log, double[] best, int[] bestStep) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank()) {
          continue;
        }
        log.append(line).append('\n');
        var node = JSON.readTree(line);
        if (node.path("meanIoU").asDouble(-1) > best[0]) {
          best[0] = node.path("meanIoU").asDouble();
          bestStep[0] = node.path("step").asInt();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " (" + e + ")", e);
    }
  }

  /**
   * Measures the kept weights of {@code runDir} on the test scenes, with the training facts given
   * (for a run that was stopped before its own evaluation: 0 and NaN where they are unknown).
   */
  public Evaluation evaluate(Path runDir, int steps, double seconds, double cpuSeconds, int bestStep) {
    SegmentationModel net = createModel();
    StateDicts.load(net, runDir.resolve(WEIGHTS), LoadMode.STRICT);
    Dataset<SegmentationSample> test = testData();
    SegmentationMetrics m = SegmentationTraining.evaluate(net, test, EVAL_BATCH);
    SegmentationMetrics background = new SegmentationMetrics(options.numClasses());
    for (int i = 0; i < test.size(); i++) {
      int[] mask = test.get(i).mask();
      background.update(mask, new int[mask.length]);
    }
    Map<String, Double> perClass = new LinkedHashMap<>();
    double[] iou = m.perClassIoU();
    for (int c = 0; c < iou.length; c++) {
      perClass.put(classes.get(c), iou[c]);
    }
    return new Evaluation(steps, seconds, cpuSeconds, bestStep, test.size(), m.pixelAccuracy(), m.meanIoU(), perClass,
        background.pixelAccuracy(), background.meanIoU());
  }

  /** Writes {@value #FILE} into {@code runDir} atomically. */
  public void write(Path runDir) {
    writeJson(runDir.resolve(FILE), this);
  }

  /** Reads the run of {@code runDir}; fails naming the file if it is missing or not a run. */
  public static SegmentationRun read(Path runDir) {
    Path file = runDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(runDir + " is not a segmentation run directory (no " + FILE + ")");
    }
    try {
      SegmentationRun run = JSON.readValue(file.toFile(), SegmentationRun.class);
      if (!FORMAT.equals(run.format())) {
        throw new IllegalArgumentException(file + " has format '" + run.format() + "', expected '" + FORMAT + "'");
      }
      return run;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + " (" + e.getMessage() + ")", e);
    }
  }

  /** Writes {@code value} as indented JSON to {@code file} atomically. */
  static void writeJson(Path file, Object value) {
    try {
      AtomicFiles.writeString(file, JSON.writeValueAsString(value) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + " (" + e.getMessage() + ")", e);
    }
  }
}
