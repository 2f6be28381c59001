package io.nets4j.cli;

import io.nets4j.data.Dataset;
import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.SegmentationSample;
import io.nets4j.data.ShapesDataset;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.models.Task;
import io.nets4j.segmentation.SegmentationModel;
import io.nets4j.segmentation.SegmentationModels;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import io.nets4j.segmentation.SegmentationOptions;
import io.nets4j.segmentation.SegmentationRun;
import io.nets4j.segmentation.SegmentationTraining;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
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
  @Option(names = "--model", defaultValue = "fcn8s", description = "segmentation model (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--output", description = "PNG to write (with --examples: the directory)")
  Path output;

  @Option(names = "--input", description = "image to segment (default: a generated shapes scene)")
  Path input;

  @Option(names = "--weights", paramLabel = "FILE|RUN",
      description = "state_dict of the model (safetensors or torch.save .pth), or a `segment train` run directory (its model, options "
          + "and scene size are used; default: train briefly on shapes first)")
  Path weights;

  @Option(names = "--examples", defaultValue = "0", paramLabel = "K",
      description = "with a run directory as --weights: write its first K held-out test scenes as image | ground "
          + "truth | prediction panels to --output/example-1.png ...")
  int examples;

  @Option(names = "--evaluate",
      description = "with a run directory as --weights: print the kept weights' metrics on the run's held-out test scenes")
  boolean evaluate;

  @Option(names = "--scale", defaultValue = "2", description = "with --examples: pixel magnification (default: ${DEFAULT-VALUE})")
  int scale;

  @Option(names = "--classes", defaultValue = "7",
      description = "classes of the model (default: ${DEFAULT-VALUE}, background and the 6 shapes)")
  int classes;

  @Option(names = "--width", defaultValue = "0.0625", description = "channel multiplier (default: ${DEFAULT-VALUE})")
  double width;

  @Option(names = "--batch-norm", description = "with a plain state_dict: the FCN has batch norm in its backbone")
  boolean batchNorm;

  @Option(names = "--train-steps", defaultValue = "100",
      description = "SGD steps on shapes when no --weights are given (default: ${DEFAULT-VALUE})")
  int trainSteps;

  @Option(names = "--size", defaultValue = "32", description = "shapes scene size (default: ${DEFAULT-VALUE})")
  int size;

  @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    SegmentationRun run = weights != null && Files.isDirectory(weights) ? SegmentationRun.read(weights) : null;
    if (evaluate) {
      if (run == null) {
        throw new IllegalArgumentException("--evaluate needs a `segment train` run directory as --weights, got "
            + (weights == null ? "none" : weights));
      }
      SegmentTrainCommand.printTest(run.evaluate(weights, 0, Double.NaN, Double.NaN, 0));
      return 0;
    }
    if (output == null) {
      throw new IllegalArgumentException("--output is required (the PNG to write, or with --examples a directory)");
    }
    Checks.writableOutput("--output", output);
    Checks.positive("--scale", scale);
    Image given = input == null ? null : ImageFiles.readRgb(input, Limits.MAX_DENSE_INPUT_PIXELS);
    torch.manual_seed(seed);
    if (examples > 0) {
      if (run == null) {
        throw new IllegalArgumentException("--examples needs a `segment train` run directory as --weights (its "
            + "held-out scenes), got " + (weights == null ? "none" : weights));
      }
      writeExamples(run);
      return 0;
    }
    SegmentationModel net;
    int sceneSize = size;
    if (run != null) {
      net = run.createModel();
      StateDicts.load(net, weights.resolve(SegmentationRun.WEIGHTS), LoadMode.STRICT);
      sceneSize = run.imageSize();
    } else {
      ModelNames.require(model, Task.SEGMENTATION);
      net = SegmentationModels.create(model, SegmentationOptions.defaults().withNumClasses(classes).withWidth(width)
          .withBatchNorm(batchNorm));
      if (weights != null) {
        StateDicts.load(net, weights, LoadMode.STRICT);
      } else {
        trainBriefly(net);
      }
    }
    Image image = given != null ? given
        : ShapesDataset.scenes(1, sceneSize, seed + 1).segmentation().get(0).image();
    int[] mask = predict(net, image);
    ImageFiles.writePng(overlay(image, mask), output);
    int[] counts = new int[net.numClasses()];
    for (int c : mask) {
      counts[c]++;
    }
    System.out.printf(Locale.ROOT, "wrote %s (%dx%d); pixels per class %s%n", output, image.width(), image.height(),
        java.util.Arrays.toString(counts));
    return 0;
  }

  private void trainBriefly(SegmentationModel net) {
    if (classes != ShapesDataset.SCENE_CLASSES.size()) {
      throw new IllegalArgumentException("training on shapes needs --classes " + ShapesDataset.SCENE_CLASSES.size()
          + " (" + String.join(", ", ShapesDataset.SCENE_CLASSES) + "), got " + classes);
    }
    System.out.printf(Locale.ROOT, "segment: training %s (%,d parameters) on %d steps of %dx%d shapes scenes%n",
        model, net.parameterCount(), trainSteps, size, size);
    double[] losses = SegmentationTraining.train(net, ShapesDataset.scenes(2048, size, seed).segmentation(),
        trainSteps, 8, 0.05, seed, step -> { });
    System.out.printf(Locale.ROOT, "loss %.4f -> %.4f%n", losses[0], losses[losses.length - 1]);
  }

  /** The run's first {@code examples} test scenes, each as image | ground truth | prediction. */
  private void writeExamples(SegmentationRun run) {
    SegmentationModel net = run.createModel();
    StateDicts.load(net, weights.resolve(SegmentationRun.WEIGHTS), LoadMode.STRICT);
    Dataset<SegmentationSample> test = run.testData();
    if (examples > test.size()) {
      throw new IllegalArgumentException("--examples " + examples + " but the run has " + test.size() + " test scenes");
    }
    try {
      Files.createDirectories(output);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + output + " (" + e + ")", e);
    }
    for (int i = 0; i < examples; i++) {
      SegmentationSample sample = test.get(i);
      Image image = sample.image();
      Image panels = sideBySide(List.of(image, overlay(image, sample.mask()), overlay(image, predict(net, image))));
      Path file = output.resolve("example-" + (i + 1) + ".png");
      ImageFiles.writePng(magnify(panels, scale), file);
      System.out.println("wrote " + file);
    }
  }

  /** Images of one height next to each other, separated by 2 white columns. */
  static Image sideBySide(List<Image> images) {
    int h = images.get(0).height();
    int gap = 2;
    int w = images.stream().mapToInt(Image::width).sum() + gap * (images.size() - 1);
    float[] out = new float[3 * h * w];
    java.util.Arrays.fill(out, 1f);
    int x0 = 0;
    for (Image im : images) {
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < im.width(); x++) {
            out[(c * h + y) * w + x0 + x] = im.get(im.channels() == 3 ? c : 0, y, x);
          }
        }
      }
      x0 += im.width() + gap;
    }
    return new Image(out, 3, h, w);
  }

  /** Each pixel repeated {@code f x f} times (nearest neighbour), so that small scenes are visible. */
  static Image magnify(Image im, int f) {
    int h = im.height() * f;
    int w = im.width() * f;
    float[] out = new float[im.channels() * h * w];
    for (int c = 0; c < im.channels(); c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          out[(c * h + y) * w + x] = im.get(c, y / f, x / f);
        }
      }
    }
    return new Image(out, im.channels(), h, w);
  }

  private static int[] predict(SegmentationModel net, Image image) {
    net.eval();
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      SegmentationSample sample = new SegmentationSample(image, new int[image.height() * image.width()]);
      Tensor scores = net.forward(SegmentationTraining.images(List.of(sample)));
      long[] classes = Tensors.toLongArray(scores.argmax(new org.bytedeco.pytorch.LongOptional(1), false));
      int[] mask = new int[classes.length];
      for (int i = 0; i < mask.length; i++) {
        mask[i] = (int) classes[i];
      }
      return mask;
    }
  }

  /** The image with every non-background pixel blended half-and-half with its class colour. */
  static Image overlay(Image image, int[] mask) {
    int plane = image.height() * image.width();
    float[] out = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      int c = mask[i];
      for (int ch = 0; ch < 3; ch++) {
        float v = image.data()[(image.channels() == 3 ? ch : 0) * plane + i];
        out[ch * plane + i] = c == 0 ? v : 0.5f * v + 0.5f * colour(c, ch);
      }
    }
    return new Image(out, 3, image.height(), image.width());
  }

  /** Pascal VOC's palette: the bits of the class index spread over the high bits of R, G and B. */
  static float colour(int c, int channel) {
    int v = 0;
    int bits = c;
    for (int shift = 7; shift >= 0 && bits > 0; shift--) {
      v |= ((bits >> channel) & 1) << shift;
      bits >>= 3;
    }
    return v / 255f;
  }
}
