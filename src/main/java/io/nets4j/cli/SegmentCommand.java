package io.nets4j.cli;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.SegmentationSample;
import io.nets4j.data.ShapesDataset;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.segmentation.SegmentationModel;
import io.nets4j.segmentation.SegmentationModels;
import io.nets4j.segmentation.SegmentationOptions;
import io.nets4j.segmentation.SegmentationTraining;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
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
 * and writes the prediction overlaid on the image as a PNG. Without {@code --weights} the model is
 * first trained on synthetic shapes scenes (no download); without {@code --input} a generated
 * scene is segmented.
 */
@Command(name = "segment", mixinStandardHelpOptions = true,
    description = "Segment an image (or a generated shapes scene) and write the predicted mask over it as a PNG.")
final class SegmentCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "fcn8s", description = "segmentation model (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--output", required = true, description = "PNG to write")
  Path output;

  @Option(names = "--input", description = "image to segment (default: a generated shapes scene)")
  Path input;

  @Option(names = "--weights", description = "safetensors state_dict of the model (default: train on shapes first)")
  Path weights;

  @Option(names = "--classes", defaultValue = "7",
      description = "classes of the model (default: ${DEFAULT-VALUE}, background and the 6 shapes)")
  int classes;

  @Option(names = "--width", defaultValue = "0.0625", description = "channel multiplier (default: ${DEFAULT-VALUE})")
  double width;

  @Option(names = "--train-steps", defaultValue = "100",
      description = "SGD steps on shapes when no --weights are given (default: ${DEFAULT-VALUE})")
  int trainSteps;

  @Option(names = "--size", defaultValue = "32", description = "shapes scene size (default: ${DEFAULT-VALUE})")
  int size;

  @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    torch.manual_seed(seed);
    SegmentationOptions options = SegmentationOptions.defaults().withNumClasses(classes).withWidth(width);
    SegmentationModel net = SegmentationModels.create(model, options);
    if (weights != null) {
      StateDicts.load(net, weights, LoadMode.STRICT);
    } else {
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
    Image image = input != null ? ImageFiles.readRgb(input)
        : ShapesDataset.scenes(1, size, seed + 1).segmentation().get(0).image();
    int[] mask = predict(net, image);
    ImageFiles.writePng(overlay(image, mask), output);
    int[] counts = new int[classes];
    for (int c : mask) {
      counts[c]++;
    }
    System.out.printf(Locale.ROOT, "wrote %s (%dx%d); pixels per class %s%n", output, image.width(), image.height(),
        java.util.Arrays.toString(counts));
    return 0;
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
