package io.nets4j.cli;

import io.nets4j.data.CocoDetection;
import io.nets4j.data.Dataset;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.ShapesDataset;
import io.nets4j.detection.DetectionDrawing;
import io.nets4j.detection.Detections;
import io.nets4j.detection.Detector;
import io.nets4j.detection.DetectorTraining;
import io.nets4j.detection.Detectors;
import io.nets4j.detection.eval.DetectionMetrics;
import io.nets4j.detection.rcnn.RegionDetector;
import io.nets4j.detection.rcnn.RegionTraining;
import io.nets4j.models.Task;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.Progress;
import io.nets4j.train.Trainer;
import io.nets4j.train.TrainingRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j detect}: draws a detector's boxes, class names and scores onto images (or onto a
 * generated shapes scene) as PNGs; {@code nets4j detect train} trains a detector on the synthetic
 * shapes scenes and writes a run directory with its weights and metrics.
 */
@Command(name = "detect", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Detect objects in images (or a generated shapes scene) and write PNGs with the boxes drawn.",
    subcommands = {DetectCommand.Train.class})
final class DetectCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", paramLabel = "IMAGE",
      description = "images to detect in (default: a generated shapes scene)") List<Path> images = new ArrayList<>();

  @Mixin WeightsOption weights = new WeightsOption();

  @Mixin ModelOption model = new ModelOption(null);

  @Mixin OutOption out = new OutOption("detections");

  @Mixin SeedOption seed = new SeedOption(1);

  @Option(names = "--score", defaultValue = "0.3", description = "lowest score drawn (default: ${DEFAULT-VALUE})") double score;

  @Option(names = "--scale", defaultValue = "0",
      description = "enlargement of the drawing (default: 0 = so that the long side is at least 448 px)") int scale;

  @Override
  public Integer call() throws IOException {
    if (weights.value == null) {
      throw new IllegalArgumentException("--weights is required (train a detector with `nets4j detect train --out RUN`)");
    }
    Checks.probability("--score", score);
    Checks.nonNegative("--scale", scale);
    Checks.writableOutput("--out", out.value);
    Path file = Files.isDirectory(weights.value) ? weights.value.resolve(Train.WEIGHTS) : weights.value;
    Detectors.Loaded loaded = Detectors.load(file);
    if (model.value != null && !model.value.equals(loaded.name())) {
      throw new IllegalArgumentException(file + " holds a " + loaded.name() + ", not a " + model.value);
    }
    Detector detector = loaded.detector();
    detector.setScoreThreshold(score);
    Files.createDirectories(out.value);
    List<Image> inputs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    if (images.isEmpty()) {
      inputs.add(ShapesDataset.scenes(1, loaded.imageSize(), seed.value).detection().get(0).image());
      names.add("shapes-scene-" + seed.value);
    }
    for (Path p : images) {
      inputs.add(ImageFiles.readRgb(p, Limits.MAX_DENSE_INPUT_PIXELS));
      String n = p.getFileName().toString();
      names.add(n.contains(".") ? n.substring(0, n.lastIndexOf('.')) : n);
    }
    for (int i = 0; i < inputs.size(); i++) {
      try (Scope s = Scope.open()) {
        Image im = inputs.get(i);
        Detections d = detector.detect(List.of(DetectorTraining.tensor(im))).get(0);
        int k = scale > 0 ? scale : Math.max(1, (int) Math.ceil(448.0 / Math.max(im.width(), im.height())));
        Path png = out.value.resolve(names.get(i) + "-detections.png");
        DetectionDrawing.writePng(im, d, loaded.classes(), k, png);
        System.out.printf(Locale.ROOT, "%s: %d detections -> %s%n", names.get(i), d.size(), png);
        float[] boxes = Tensors.toFloatArray(d.boxes());
        float[] scores = Tensors.toFloatArray(d.scores());
        long[] labels = Tensors.toLongArray(d.labels());
        for (int j = 0; j < d.size(); j++) {
          System.out.printf(Locale.ROOT, "  %-10s %.3f  [%.1f, %.1f, %.1f, %.1f]%n", loaded.classes().get((int) labels[j] - 1),
              scores[j], boxes[4 * j], boxes[4 * j + 1], boxes[4 * j + 2], boxes[4 * j + 3]);
        }
      }
    }
    return 0;
  }

  /**
   * {@code nets4j detect train}: trains a detector on generated shapes scenes. YOLO and Faster
   * R-CNN train end to end ({@link DetectorTraining}); R-CNN, Fast R-CNN and SPPNet as their papers
   * do, with SGD on selective-search proposals computed once ({@link RegionTraining}), and report
   * the seconds per image of the proposals and of the detector, the costs those papers compare.
   */
  @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Train a detector on generated shapes scenes (1-4 objects, 6 classes) or a COCO-format data set and "
          + "evaluate COCO mAP on held-out images; writes RUN/model.safetensors, RUN/train-log.csv and RUN/metrics.md.",
          "Recipes (0 for --size, --steps, --batch or --lr takes the recipe's): yolo_v1 and the Faster R-CNNs train end "
          + "to end with AdamW, --size 112 --steps 2000 --batch 32 --lr 0.001; rcnn, fast_rcnn and sppnet with SGD on "
          + "selective-search proposals, --size 64 --steps 1000 --lr 0.01 (their steps sample a fixed number of regions "
          + "from a fixed number of images, so no --batch).", ""})
  static final class Train implements Callable<Integer> {
    static final String WEIGHTS = "model.safetensors";
    /** Detections kept for the mAP: low, so that the precision-recall curve is not cut short. */
    static final double EVALUATION_THRESHOLD = 0.005;

    /** Defaults of a training procedure (the default scene side is the detector's registered input size). */
    private record Recipe(int steps, int batch, double lr, int trainImages) {}

    private static final Recipe END_TO_END = new Recipe(2000, 32, 1e-3, 100_000);
    /** Selective search runs once on every training scene (about 0.1 s each), so fewer scenes. */
    private static final Recipe ON_PROPOSALS = new Recipe(1000, 0, 0.01, 200);

    @Mixin ModelOption model = new ModelOption("yolo_v1");

    @Mixin OutOption out = new OutOption();

    @Mixin SizeOption size = new SizeOption(0);

    @Mixin StepRecipe recipe = new StepRecipe(0, 0, 0);

    @Option(names = "--train-images", description = "generated training scenes to draw batches from (default: 100000; "
        + "rcnn, fast_rcnn, sppnet: 200)") Integer trainImages;

    @Option(names = "--val-images", defaultValue = "500", description = "held-out scenes for the mAP (default: ${DEFAULT-VALUE})") int valImages;

    @Option(names = "--coco", paramLabel = "JSON", description = "train on a COCO-format data set instead of generated "
        + "scenes: its annotation file (images resized to --size squares); needs --val-coco") Path coco;

    @Option(names = "--coco-images", paramLabel = "DIR", description = "image folder of --coco (default: `images` next "
        + "to the JSON)") Path cocoImages;

    @Option(names = "--val-coco", paramLabel = "JSON", description = "held-out COCO-format annotations for the mAP") Path valCoco;

    @Option(names = "--val-coco-images", paramLabel = "DIR", description = "image folder of --val-coco (default: "
        + "`images` next to the JSON)") Path valCocoImages;

    @Option(names = "--log-every", defaultValue = "25",
        description = "steps the shown loss is averaged over (default: ${DEFAULT-VALUE})") int logEvery;

    @Option(names = "--save-every", defaultValue = "250",
        description = "steps between saves of the weights during training (default: ${DEFAULT-VALUE}; 0: only at the end)") int saveEvery;

    @Mixin TrainingRunOptions runOptions;

    @Override
    public Integer call() throws IOException {
      if ((coco == null) != (valCoco == null)) {
        throw new IllegalArgumentException("--coco and --val-coco go together (training and held-out annotations)");
      }
      if (size.value != 0) {
        Checks.range("--size", size.value, Detectors.MIN_SIDE, Detectors.MAX_SIDE);
      }
      int registeredSize = ModelNames.require(model.value, Task.DETECTION).inputSize();
      if (runOptions.resuming()) {
        out.value = runOptions.resumeDirectory(out.value);
      } else if (Files.exists(out.value.resolve(WEIGHTS))) {
        throw new IllegalArgumentException("--out " + out.value + " already holds a trained detector (" + WEIGHTS
            + "); give another --out, or remove it to train again");
      }
      Checks.writableOutput("--out", out.required("the run directory to write"));
      CocoDetection cocoTrain = coco != null ? openCoco(coco, cocoImages) : null;
      CocoDetection cocoVal = valCoco != null ? openCoco(valCoco, valCocoImages) : null;
      if (cocoTrain != null && !cocoTrain.classes().equals(cocoVal.classes())) {
        throw new IllegalArgumentException("the categories of " + valCoco + " " + cocoVal.classes() + " differ from those "
            + "of " + coco + " " + cocoTrain.classes());
      }
      List<String> classes = cocoTrain != null ? cocoTrain.classes() : ShapesDataset.SHAPES;
      torch.manual_seed(recipe.seed);
      // 112 px scenes for the end-to-end detectors, 128 for the stride-32 ResNet trunk, 64 for the region-based ones
      int side = size.orElse(registeredSize);
      Detector detector = Detectors.create(model.value, classes.size(), side);
      Recipe defaults = detector instanceof RegionDetector ? ON_PROPOSALS : END_TO_END;
      int stepCount = recipe.steps(defaults.steps());
      int scenes = trainImages != null ? trainImages : defaults.trainImages();
      if (recipe.batch != 0 && detector instanceof RegionDetector regions) {
        throw new IllegalArgumentException("--batch does not apply to " + model.value + ": each step samples "
            + regions.regionsPerImage() + " regions from each of " + regions.imagesPerStep() + " images");
      }
      Files.createDirectories(out.value);
      // Training and validation scenes come from different seeds, so they never coincide.
      Dataset<DetectionSample> train = cocoTrain != null ? DetectorTraining.resized(cocoTrain, side)
          : ShapesDataset.scenes(scenes, side, recipe.seed).detection();
      Dataset<DetectionSample> val = cocoVal != null ? DetectorTraining.resized(cocoVal, side)
          : ShapesDataset.scenes(valImages, side, recipe.seed + 1_000_003).detection();
      String data = cocoTrain != null ? cocoTrain.size() + " images of " + coco : side + "x" + side + " shapes scenes";
      Runnable saveWeights = () -> Detectors.save(detector, model.value, side, classes, out.value.resolve(WEIGHTS));
      long start = System.nanoTime();
      String training;
      boolean continued = runOptions.resuming() && Files.exists(out.value.resolve("train-log.csv"));
      TrainingRun run = runOptions.runShowingOwnProgress(out.value);
      try (PrintWriter log = new PrintWriter(continued
          ? Files.newBufferedWriter(out.value.resolve("train-log.csv"), StandardOpenOption.APPEND)
          : Files.newBufferedWriter(out.value.resolve("train-log.csv")));
          StepLog progress = new StepLog(log, runOptions.progressMode(), stepCount,
              String.format(Locale.ROOT, "%s (%,d parameters) on %s", model.value, detector.module().parameterCount(), data), saveWeights)) {
        if (!continued) {
          log.println("step,loss,lr,terms");
        }
        training = detector instanceof RegionDetector regions
            ? trainOnProposals(regions, train, stepCount, recipe.lr(defaults.lr()), progress, run)
            : trainEndToEnd(detector, train, stepCount, recipe.batch(defaults.batch()),
                recipe.lr(defaults.lr()), progress, run);
      }
      double trainSeconds = (System.nanoTime() - start) / 1e9;
      saveWeights.run();
      detector.setScoreThreshold(EVALUATION_THRESHOLD);
      long evalStart = System.nanoTime();
      String speeds = "";
      DetectionMetrics metrics;
      if (detector instanceof RegionDetector regions) {
        RegionTraining.Evaluation e = RegionTraining.evaluate(regions, samples(val));
        metrics = e.metrics();
        speeds = String.format(Locale.ROOT, " Per image: selective search %.3f s (%.0f proposals), detector %.3f s.",
            e.proposalSeconds(), e.proposals(), e.detectSeconds());
      } else {
        metrics = DetectorTraining.evaluate(detector, val, 32);
      }
      double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
      String report = String.format(Locale.ROOT, "# %s on %s%n%nTraining: %s, %.0f s; evaluation on %d "
          + "held-out images, %.1f s.%s%n%n%s%n%s%n", model.value, data, training, trainSeconds, val.size(), evalSeconds,
          speeds, metrics, metrics.table(l -> classes.get(l - 1)));
      Files.writeString(out.value.resolve("metrics.md"), report);
      System.out.print(report);
      System.out.println("weights: " + out.value.resolve(WEIGHTS));
      return 0;
    }

    private String trainEndToEnd(Detector detector, Dataset<DetectionSample> train, int stepCount, int images,
        double rate, StepLog progress, TrainingRun run) {
      DetectorTraining.Options options = DetectorTraining.Options.defaults(stepCount, images).withLr(rate).withSeed(recipe.seed);
      progress.start(options.optimizer().describe() + ", " + stepCount + " steps of " + images);
      DetectorTraining.train(detector, train, options, st -> progress.step(st.step(), st.loss(), st.terms(), st.lr(), images),
          run);
      return stepCount + " steps of " + images + " images";
    }

    private String trainOnProposals(RegionDetector detector, Dataset<DetectionSample> train, int stepCount, double rate,
        StepLog progress, TrainingRun run) {
      List<DetectionSample> samples = samples(train);
      long t0 = System.nanoTime();
      RegionTraining.Data data = RegionTraining.Data.propose(detector, samples);
      double perImage = (System.nanoTime() - t0) / 1e9 / samples.size();
      double proposals = data.proposals().stream().mapToInt(List::size).average().orElse(0);
      int images = detector.imagesPerStep();
      String steps = String.format(Locale.ROOT, "%d SGD steps of %d images x %d regions (lr %s, divided by 10 for the "
          + "last quarter) on %d scenes; selective search %.3f s per training scene, %.0f proposals", stepCount, images,
          detector.regionsPerImage(), rate, samples.size(), perImage, proposals);
      progress.start(steps);
      RegionTraining.train(detector, data, new RegionTraining.Config(stepCount, rate, 1, recipe.seed),
          st -> progress.step(st.step(), st.total(1), st.terms(), st.lr(), images), run);
      return steps;
    }

    private static CocoDetection openCoco(Path json, Path images) {
      return images != null ? CocoDetection.open(images, json) : CocoDetection.open(json);
    }

    private static List<DetectionSample> samples(Dataset<DetectionSample> data) {
      return IntStream.range(0, data.size()).mapToObj(data::get).toList();
    }

    /**
     * Every step to the CSV log, the mean loss of every {@code --log-every} steps to the progress
     * display the classifier trainer uses, and the weights to disk every {@code --save-every} steps.
     */
    private final class StepLog implements AutoCloseable {
      private final PrintWriter log;
      private final int stepCount;
      private final long start = System.nanoTime();
      /** What is trained on what, for the first line. */
      private final String subject;
      private final Runnable saveWeights;
      private final Progress progress;
      private double window;
      private int windowSteps;

      StepLog(PrintWriter log, Trainer.ProgressMode mode, int stepCount, String subject, Runnable saveWeights) {
        this.log = log;
        this.stepCount = stepCount;
        this.subject = subject;
        this.saveWeights = saveWeights;
        this.progress = Progress.create(mode, System.out, "step", stepCount, 0);
      }

      void start(String training) {
        System.out.printf(Locale.ROOT, "detect train: %s, %s%n", subject, training);
      }

      void step(int step, double loss, Map<String, Double> terms, double lr, int images) {
        log.printf(Locale.ROOT, "%d,%.6f,%.6g,%s%n", step, loss, lr, DetectorTraining.describe(terms).replace(',', ';'));
        window += loss;
        windowSteps++;
        if (step % logEvery == 0 || step == stepCount) {
          progress.update(step, String.format(Locale.ROOT, "loss %.4f %s lr %.2e %.1f img/s", window / windowSteps,
              DetectorTraining.describe(terms), lr, step * images / ((System.nanoTime() - start) / 1e9)));
          window = 0;
          windowSteps = 0;
          log.flush();
        }
        if (saveEvery > 0 && step % saveEvery == 0 && step < stepCount) {
          saveWeights.run();
        }
      }

      @Override
      public void close() {
        progress.close();
      }
    }
  }
}
