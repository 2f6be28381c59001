package io.nets4j.cli;

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
import io.nets4j.tensor.Scope;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
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
      inputs.add(ImageFiles.readRgb(p));
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
        float[] boxes = io.nets4j.tensor.Tensors.toFloatArray(d.boxes());
        float[] scores = io.nets4j.tensor.Tensors.toFloatArray(d.scores());
        long[] labels = io.nets4j.tensor.Tensors.toLongArray(d.labels());
        for (int j = 0; j < d.size(); j++) {
          System.out.printf(Locale.ROOT, "  %-10s %.3f  [%.1f, %.1f, %.1f, %.1f]%n", loaded.classes().get((int) labels[j] - 1),
              scores[j], boxes[4 * j], boxes[4 * j + 1], boxes[4 * j + 2], boxes[4 * j + 3]);
        }
      }
    }
    return 0;
  }

  /** {@code nets4j detect train}: trains a detector on generated shapes scenes. */
  @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Train a detector on generated shapes scenes (1-4 objects, 6 classes) and evaluate COCO mAP on "
          + "held-out scenes; writes RUN/model.safetensors, RUN/train-log.csv and RUN/metrics.md.")
  static final class Train implements Callable<Integer> {
    static final String WEIGHTS = "model.safetensors";
    /** Detections kept for the mAP: low, so that the precision-recall curve is not cut short. */
    static final double EVALUATION_THRESHOLD = 0.005;

    @Option(names = "--model", defaultValue = "yolo_v1", description = "detector: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})",
        completionCandidates = Names.class)
    String model;

    @Option(names = "--out", required = true, paramLabel = "RUN", description = "run directory to write")
    Path out;

    @Option(names = "--size", defaultValue = "112", description = "image size (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--steps", defaultValue = "2000", description = "optimizer steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "32", description = "images per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "0.001", description = "AdamW learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--train-images", defaultValue = "100000",
        description = "generated training scenes to draw batches from (default: ${DEFAULT-VALUE})")
    int trainImages;

    @Option(names = "--val-images", defaultValue = "500", description = "held-out scenes for the mAP (default: ${DEFAULT-VALUE})")
    int valImages;

    @Option(names = "--log-every", defaultValue = "25", description = "steps between progress lines (default: ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--seed", defaultValue = "0", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--save-every", defaultValue = "250",
        description = "steps between saves of the weights during training (default: ${DEFAULT-VALUE}; 0: only at the end)")
    int saveEvery;

    @Override
    public Integer call() throws IOException {
      torch.manual_seed(seed);
      Files.createDirectories(out);
      List<String> classes = ShapesDataset.SHAPES;
      Detector detector = Detectors.create(model, classes.size(), size);
      // Training and validation scenes come from different seeds, so they never coincide.
      Dataset<DetectionSample> train = ShapesDataset.scenes(trainImages, size, seed).detection();
      Dataset<DetectionSample> val = ShapesDataset.scenes(valImages, size, seed + 1_000_003).detection();
      DetectorTraining.Options options = DetectorTraining.Options.defaults(steps, batch).withLr(lr).withSeed(seed);
      System.out.printf(Locale.ROOT, "detect train: %s (%,d parameters) on %dx%d shapes scenes, %d steps of %d, %s%n",
          model, detector.module().parameterCount(), size, size, steps, batch, options.optimizer().describe());
      long start = System.nanoTime();
      try (PrintWriter log = new PrintWriter(Files.newBufferedWriter(out.resolve("train-log.csv")))) {
        log.println("step,loss,lr,terms");
        double[] window = {0};
        long[] last = {start};
        DetectorTraining.train(detector, train, options, st -> {
          log.printf(Locale.ROOT, "%d,%.6f,%.6g,%s%n", st.step(), st.loss(), st.lr(),
              DetectorTraining.describe(st.terms()).replace(',', ';'));
          window[0] += st.loss();
          if (st.step() % logEvery == 0 || st.step() == steps) {
            long now = System.nanoTime();
            int n = st.step() % logEvery == 0 ? logEvery : st.step() % logEvery;
            System.out.printf(Locale.ROOT, "step %d/%d loss %.4f %s lr %.2e %.1f img/s, %.0f s%n", st.step(), steps,
                window[0] / n, DetectorTraining.describe(st.terms()), st.lr(), n * batch / ((now - last[0]) / 1e9),
                (now - start) / 1e9);
            window[0] = 0;
            last[0] = now;
            log.flush();
          }
          if (saveEvery > 0 && st.step() % saveEvery == 0 && st.step() < steps) {
            Detectors.save(detector, model, size, classes, out.resolve(WEIGHTS));
          }
        });
      }
      double trainSeconds = (System.nanoTime() - start) / 1e9;
      Detectors.save(detector, model, size, classes, out.resolve(WEIGHTS));
      detector.setScoreThreshold(EVALUATION_THRESHOLD);
      long evalStart = System.nanoTime();
      DetectionMetrics metrics = DetectorTraining.evaluate(detector, val, 32);
      double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
      String table = metrics.table(l -> classes.get(l - 1));
      String report = String.format(Locale.ROOT, "# %s on %dx%d shapes scenes%n%nTraining: %d steps of %d images, %.0f s; "
          + "evaluation on %d held-out scenes, %.1f s.%n%n%s%n%s%n", model, size, size, steps, batch, trainSeconds,
          valImages, evalSeconds, metrics, table);
      Files.writeString(out.resolve("metrics.md"), report);
      System.out.print(report);
      System.out.println("weights: " + out.resolve(WEIGHTS));
      return 0;
    }
  }

  /** Detector names for the help text. */
  static final class Names extends ArrayList<String> {
    Names() {
      super(Detectors.names());
    }
  }
}
