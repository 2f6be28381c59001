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
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
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
  @Parameters(arity = "0..*", paramLabel = "IMAGE", description = "images to detect in (default: a generated shapes scene)")
  List<Path> images = new ArrayList<>();

  @Option(names = "--weights", paramLabel = "FILE|RUN",
      description = "weights written by `detect train` (model.safetensors, or its run directory)")
  Path weights;

  @Option(names = "--model", description = "expected detector name (checked against the weights' metadata)")
  String model;

  @Option(names = "--out", defaultValue = "detections", description = "directory for the PNGs (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--score", defaultValue = "0.3", description = "lowest score drawn (default: ${DEFAULT-VALUE})")
  double score;

  @Option(names = "--scale", defaultValue = "0",
      description = "enlargement of the drawing (default: 0 = so that the long side is at least 448 px)")
  int scale;

  @Option(names = "--seed", defaultValue = "1", description = "seed of the generated scene (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() throws IOException {
    if (weights == null) {
      throw new IllegalArgumentException("--weights is required (train a detector with `nets4j detect train --out RUN`)");
    }
    Checks.probability("--score", score);
    Checks.nonNegative("--scale", scale);
    Checks.writableOutput("--out", out);
    Path file = Files.isDirectory(weights) ? weights.resolve(Train.WEIGHTS) : weights;
    Detectors.Loaded loaded = Detectors.load(file);
    if (model != null && !model.equals(loaded.name())) {
      throw new IllegalArgumentException(file + " holds a " + loaded.name() + ", not a " + model);
    }
    Detector detector = loaded.detector();
    detector.setScoreThreshold(score);
    Files.createDirectories(out);
    List<Image> inputs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    if (images.isEmpty()) {
      inputs.add(ShapesDataset.scenes(1, loaded.imageSize(), seed).detection().get(0).image());
      names.add("shapes-scene-" + seed);
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
        Path png = out.resolve(names.get(i) + "-detections.png");
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
      description = "Train a detector on generated shapes scenes (1-4 objects, 6 classes) or a COCO-format data set and "
          + "evaluate COCO mAP on held-out images; writes RUN/model.safetensors, RUN/train-log.csv and RUN/metrics.md.")
  static final class Train implements Callable<Integer> {
    static final String WEIGHTS = "model.safetensors";
    /** Detections kept for the mAP: low, so that the precision-recall curve is not cut short. */
    static final double EVALUATION_THRESHOLD = 0.005;

    /** Defaults of a training procedure. */
    private record Recipe(int size, int steps, int batch, double lr, int trainImages) {}

    private static final Recipe END_TO_END = new Recipe(112, 2000, 32, 1e-3, 100_000);
    /** Selective search runs once on every training scene (about 0.1 s each), so fewer scenes. */
    private static final Recipe ON_PROPOSALS = new Recipe(64, 1000, 0, 0.01, 200);

    @Option(names = "--model", defaultValue = "yolo_v1", description = "detector: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})",
        completionCandidates = Names.class)
    String model;

    @Option(names = "--out", required = true, paramLabel = "RUN", description = "run directory to write")
    Path out;

    @Option(names = "--size", description = "image size (default: 112; rcnn, fast_rcnn, sppnet: 64)")
    Integer size;

    @Option(names = "--steps", description = "optimizer steps (default: 2000; rcnn, fast_rcnn, sppnet: 1000)")
    Integer steps;

    @Option(names = "--batch", description = "images per step (default: 32; not for rcnn, fast_rcnn, sppnet, whose "
        + "steps sample a fixed number of regions from a fixed number of images)")
    Integer batch;

    @Option(names = "--lr", description = "learning rate (default: AdamW 0.001; rcnn, fast_rcnn, sppnet: SGD 0.01)")
    Double lr;

    @Option(names = "--train-images", description = "generated training scenes to draw batches from (default: 100000; "
        + "rcnn, fast_rcnn, sppnet: 200)")
    Integer trainImages;

    @Option(names = "--val-images", defaultValue = "500", description = "held-out scenes for the mAP (default: ${DEFAULT-VALUE})")
    int valImages;

    @Option(names = "--coco", paramLabel = "JSON", description = "train on a COCO-format data set instead of generated "
        + "scenes: its annotation file (images resized to --size squares); needs --val-coco")
    Path coco;

    @Option(names = "--coco-images", paramLabel = "DIR", description = "image folder of --coco (default: `images` next "
        + "to the JSON)")
    Path cocoImages;

    @Option(names = "--val-coco", paramLabel = "JSON", description = "held-out COCO-format annotations for the mAP")
    Path valCoco;

    @Option(names = "--val-coco-images", paramLabel = "DIR", description = "image folder of --val-coco (default: "
        + "`images` next to the JSON)")
    Path valCocoImages;

    @Option(names = "--log-every", defaultValue = "25", description = "steps between progress lines (default: ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--seed", defaultValue = "0", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--save-every", defaultValue = "250",
        description = "steps between saves of the weights during training (default: ${DEFAULT-VALUE}; 0: only at the end)")
    int saveEvery;

    @Mixin
    TrainingRunOptions runOptions;

    @Mixin
    DeviceOption deviceOption;

    @Override
    public Integer call() throws IOException {
      if ((coco == null) != (valCoco == null)) {
        throw new IllegalArgumentException("--coco and --val-coco go together (training and held-out annotations)");
      }
      if (size != null) {
        Checks.range("--size", size, Detectors.MIN_SIDE, Detectors.MAX_SIDE);
      }
      if (runOptions.resuming()) {
        out = runOptions.resumeDirectory(out);
      } else if (Files.exists(out.resolve(WEIGHTS))) {
        throw new IllegalArgumentException("--out " + out + " already holds a trained detector (" + WEIGHTS
            + "); give another --out, or remove it to train again");
      }
      Checks.writableOutput("--out", out);
      CocoDetection cocoTrain = coco != null ? openCoco(coco, cocoImages) : null;
      CocoDetection cocoVal = valCoco != null ? openCoco(valCoco, valCocoImages) : null;
      if (cocoTrain != null && !cocoTrain.classes().equals(cocoVal.classes())) {
        throw new IllegalArgumentException("the categories of " + valCoco + " " + cocoVal.classes() + " differ from those "
            + "of " + coco + " " + cocoTrain.classes());
      }
      List<String> classes = cocoTrain != null ? cocoTrain.classes() : ShapesDataset.SHAPES;
      torch.manual_seed(seed);
      // Region-based detectors take images of any size, so the default size can wait for the recipe.
      Detector detector = Detectors.create(model, classes.size(), size != null ? size : END_TO_END.size());
      Recipe recipe = detector instanceof RegionDetector ? ON_PROPOSALS : END_TO_END;
      int side = size != null ? size : recipe.size();
      int stepCount = steps != null ? steps : recipe.steps();
      int scenes = trainImages != null ? trainImages : recipe.trainImages();
      if (batch != null && detector instanceof RegionDetector regions) {
        throw new IllegalArgumentException("--batch does not apply to " + model + ": each step samples "
            + regions.regionsPerImage() + " regions from each of " + regions.imagesPerStep() + " images");
      }
      Files.createDirectories(out);
      // Training and validation scenes come from different seeds, so they never coincide.
      Dataset<DetectionSample> train = cocoTrain != null ? DetectorTraining.resized(cocoTrain, side)
          : ShapesDataset.scenes(scenes, side, seed).detection();
      Dataset<DetectionSample> val = cocoVal != null ? DetectorTraining.resized(cocoVal, side)
          : ShapesDataset.scenes(valImages, side, seed + 1_000_003).detection();
      String data = cocoTrain != null ? cocoTrain.size() + " images of " + coco : side + "x" + side + " shapes scenes";
      Runnable saveWeights = () -> Detectors.save(detector, model, side, classes, out.resolve(WEIGHTS));
      long start = System.nanoTime();
      String training;
      boolean continued = runOptions.resuming() && Files.exists(out.resolve("train-log.csv"));
      TrainingRun run = runOptions.run(out, null, deviceOption.device());
      try (PrintWriter log = new PrintWriter(continued
          ? Files.newBufferedWriter(out.resolve("train-log.csv"), StandardOpenOption.APPEND)
          : Files.newBufferedWriter(out.resolve("train-log.csv")))) {
        if (!continued) {
          log.println("step,loss,lr,terms");
        }
        Progress progress = new Progress(log, stepCount, start, String.format(Locale.ROOT, "%s (%,d parameters) on %s",
            model, detector.module().parameterCount(), data), saveWeights);
        training = detector instanceof RegionDetector regions
            ? trainOnProposals(regions, train, stepCount, lr != null ? lr : recipe.lr(), progress, run)
            : trainEndToEnd(detector, train, stepCount, batch != null ? batch : recipe.batch(),
                lr != null ? lr : recipe.lr(), progress, run);
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
          + "held-out images, %.1f s.%s%n%n%s%n%s%n", model, data, training, trainSeconds, val.size(), evalSeconds,
          speeds, metrics, metrics.table(l -> classes.get(l - 1)));
      Files.writeString(out.resolve("metrics.md"), report);
      System.out.print(report);
      System.out.println("weights: " + out.resolve(WEIGHTS));
      return 0;
    }

    private String trainEndToEnd(Detector detector, Dataset<DetectionSample> train, int stepCount, int images,
        double rate, Progress progress, TrainingRun run) {
      DetectorTraining.Options options = DetectorTraining.Options.defaults(stepCount, images).withLr(rate).withSeed(seed);
      progress.start(options.optimizer().describe() + ", " + stepCount + " steps of " + images);
      DetectorTraining.train(detector, train, options, st -> progress.step(st.step(), st.loss(), st.terms(), st.lr(), images),
          run);
      return stepCount + " steps of " + images + " images";
    }

    private String trainOnProposals(RegionDetector detector, Dataset<DetectionSample> train, int stepCount, double rate,
        Progress progress, TrainingRun run) {
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
      RegionTraining.train(detector, data, new RegionTraining.Config(stepCount, rate, 1, seed),
          st -> progress.step(st.step(), st.total(1), st.terms(), st.lr(), images), run);
      return steps;
    }

    private static CocoDetection openCoco(Path json, Path images) {
      return images != null ? CocoDetection.open(images, json) : CocoDetection.open(json);
    }

    private static List<DetectionSample> samples(Dataset<DetectionSample> data) {
      return IntStream.range(0, data.size()).mapToObj(data::get).toList();
    }

    /** Progress lines every {@code --log-every} steps, the CSV log, and saves every {@code --save-every}. */
    private final class Progress {
      private final PrintWriter log;
      private final int stepCount;
      private final long start;
      /** What is trained on what, for the first line. */
      private final String subject;
      private final Runnable saveWeights;
      private double window;
      private long last;

      Progress(PrintWriter log, int stepCount, long start, String subject, Runnable saveWeights) {
        this.log = log;
        this.stepCount = stepCount;
        this.start = start;
        this.last = start;
        this.subject = subject;
        this.saveWeights = saveWeights;
      }

      void start(String training) {
        System.out.printf(Locale.ROOT, "detect train: %s, %s%n", subject, training);
      }

      void step(int step, double loss, Map<String, Double> terms, double lr, int images) {
        log.printf(Locale.ROOT, "%d,%.6f,%.6g,%s%n", step, loss, lr, DetectorTraining.describe(terms).replace(',', ';'));
        window += loss;
        if (step % logEvery == 0 || step == stepCount) {
          long now = System.nanoTime();
          int n = step % logEvery == 0 ? logEvery : step % logEvery;
          System.out.printf(Locale.ROOT, "step %d/%d loss %.4f %s lr %.2e %.1f img/s, %.0f s%n", step, stepCount,
              window / n, DetectorTraining.describe(terms), lr, n * images / ((now - last) / 1e9), (now - start) / 1e9);
          window = 0;
          last = now;
          log.flush();
        }
        if (saveEvery > 0 && step % saveEvery == 0 && step < stepCount) {
          saveWeights.run();
        }
      }
    }
  }

  /** Detector names for the help text. */
  static final class Names extends ArrayList<String> {
    Names() {
      super(Detectors.names());
    }
  }
}
