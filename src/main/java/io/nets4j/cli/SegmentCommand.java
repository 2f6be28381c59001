package io.nets4j.cli;

import io.nets4j.data.Dataset;
import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.SegmentationSample;
import io.nets4j.data.ShapesDataset;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.models.Task;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import io.nets4j.segmentation.SegmentationDrawing;
import io.nets4j.segmentation.SegmentationModel;
import io.nets4j.segmentation.SegmentationModels;
import io.nets4j.segmentation.SegmentationOptions;
import io.nets4j.segmentation.SegmentationPredictor;
import io.nets4j.segmentation.SegmentationRun;
import io.nets4j.segmentation.SegmentationTraining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nets4j segment}: predicts the class of every pixel of an image with a segmentation model
 * and writes the prediction overlaid on the image as a PNG. {@code --weights} takes a weights file
 * or a run directory of {@code nets4j segment train}; without it the model is first trained
 * briefly on synthetic shapes scenes (no download). Without {@code --input} a generated scene is
 * segmented; {@code --examples K} writes K held-out scenes of a run as image / ground truth /
 * prediction panels.
 */
@Command(name = "segment", mixinStandardHelpOptions = true, subcommands = SegmentTrainCommand.class,
    description = {"Segment an image (or a generated shapes scene) and write the predicted mask over it as a PNG.",
        "`segment train` trains a model on shapes scenes into a run directory; --weights RUN uses it."})
final class SegmentCommand implements Callable<Integer> {
  @Mixin ModelOption model = new ModelOption("fcn8s");

  @Mixin OutOption out = new OutOption();

  @Option(names = "--input", description = "image to segment (default: a generated shapes scene)") Path input;

  /** A weights file, or a run directory of {@code segment train} (its model, options and scene size are used). */
  @Mixin WeightsOption weights = new WeightsOption();

  @Option(names = "--examples", defaultValue = "0", paramLabel = "K",
      description = "with a run directory as --weights: write its first K held-out test scenes as image | ground "
          + "truth | prediction panels to --out/example-1.png ...") int examples;

  @Option(names = "--evaluate",
      description = "with a run directory as --weights: print the kept weights' metrics on the run's held-out test scenes") boolean evaluate;

  @Option(names = "--scale", defaultValue = "2", description = "with --examples: pixel magnification (default: ${DEFAULT-VALUE})") int scale;

  @Option(names = "--classes", defaultValue = "7",
      description = "classes of the model (default: ${DEFAULT-VALUE}, background and the 6 shapes)") int classes;

  @Option(names = "--width", defaultValue = "0.0625", description = "channel multiplier (default: ${DEFAULT-VALUE})") double width;

  @Option(names = "--batch-norm", description = "with a plain state_dict: the FCN has batch norm in its backbone") boolean batchNorm;

  @Option(names = "--steps", defaultValue = "100", paramLabel = "N",
      description = "without --weights: steps of a brief training on shapes scenes (default: ${DEFAULT-VALUE})") int steps;

  /** Side of the generated scene, and of the brief training's scenes. */
  @Mixin SizeOption size = new SizeOption(32);

  @Mixin SeedOption seed = new SeedOption(0);

  @Override
  public Integer call() {
    Path given = weights.value;
    SegmentationRun run = given != null && Files.isDirectory(given) ? SegmentationRun.read(given) : null;
    if (evaluate) {
      if (run == null) {
        throw new IllegalArgumentException("--evaluate needs a `segment train` run directory as --weights, got "
            + (given == null ? "none" : given));
      }
      SegmentTrainCommand.printTest(run.evaluate(given, 0, Double.NaN, Double.NaN, 0));
      return 0;
    }
    Path output = out.required("the PNG to write, or with --examples a directory");
    Checks.writableOutput("--out", output);
    Checks.positive("--scale", scale);
    Image inputImage = input == null ? null : ImageFiles.readRgb(input, Limits.MAX_DENSE_INPUT_PIXELS);
    torch.manual_seed(seed.value);
    if (examples > 0) {
      if (run == null) {
        throw new IllegalArgumentException("--examples needs a `segment train` run directory as --weights (its "
            + "held-out scenes), got " + (given == null ? "none" : given));
      }
      writeExamples(run, output);
      return 0;
    }
    SegmentationModel net;
    int sceneSize = size.value;
    if (run != null) {
      net = run.createModel();
      StateDicts.load(net, given.resolve(SegmentationRun.WEIGHTS), LoadMode.STRICT);
      sceneSize = run.imageSize();
    } else {
      ModelNames.require(model.value, Task.SEGMENTATION);
      net = SegmentationModels.create(model.value, SegmentationOptions.defaults().withNumClasses(classes).withWidth(width)
          .withBatchNorm(batchNorm));
      if (given != null) {
        StateDicts.load(net, given, LoadMode.STRICT);
      } else {
        trainBriefly(net);
      }
    }
    Image image = inputImage != null ? inputImage
        : ShapesDataset.scenes(1, sceneSize, seed.value + 1).segmentation().get(0).image();
    SegmentationPredictor predictor = new SegmentationPredictor(net);
    int[] mask = predictor.predict(image);
    ImageFiles.writePng(SegmentationDrawing.overlay(image, mask), output);
    System.out.printf(Locale.ROOT, "wrote %s (%dx%d); pixels per class %s%n", output, image.width(), image.height(),
        Arrays.toString(predictor.pixelsPerClass(mask)));
    return 0;
  }

  private void trainBriefly(SegmentationModel net) {
    if (classes != ShapesDataset.SCENE_CLASSES.size()) {
      throw new IllegalArgumentException("training on shapes needs --classes " + ShapesDataset.SCENE_CLASSES.size()
          + " (" + String.join(", ", ShapesDataset.SCENE_CLASSES) + "), got " + classes);
    }
    System.out.printf(Locale.ROOT, "segment: training %s (%,d parameters) on %d steps of %dx%d shapes scenes%n",
        model.value, net.parameterCount(), steps, size.value, size.value);
    double[] losses = SegmentationTraining.train(net, ShapesDataset.scenes(2048, size.value, seed.value).segmentation(),
        steps, 8, 0.05, seed.value, step -> { });
    System.out.printf(Locale.ROOT, "loss %.4f -> %.4f%n", losses[0], losses[losses.length - 1]);
  }

  /** The run's first {@code examples} test scenes, each as image | ground truth | prediction. */
  private void writeExamples(SegmentationRun run, Path dir) {
    SegmentationModel net = run.createModel();
    StateDicts.load(net, weights.value.resolve(SegmentationRun.WEIGHTS), LoadMode.STRICT);
    Dataset<SegmentationSample> test = run.testData();
    if (examples > test.size()) {
      throw new IllegalArgumentException("--examples " + examples + " but the run has " + test.size() + " test scenes");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + " (" + e + ")", e);
    }
    SegmentationPredictor predictor = new SegmentationPredictor(net);
    for (int i = 0; i < examples; i++) {
      SegmentationSample sample = test.get(i);
      Image image = sample.image();
      Path file = dir.resolve("example-" + (i + 1) + ".png");
      ImageFiles.writePng(SegmentationDrawing.comparison(image, sample.mask(), predictor.predict(image), scale), file);
      System.out.println("wrote " + file);
    }
  }
}
