package io.nets4j.cli;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.Transform;
import io.nets4j.data.Transforms;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.DataSpec;
import io.nets4j.train.RunInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nets4j predict}: the top-k classes of image files under a trained model. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Classify image files (PNG, JPEG, BMP, GIF): the top-k classes with their probabilities.",
        "Give --run (a run directory or checkpoint), or --model and --weights.", ""})
final class PredictCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "image files")
  List<Path> images;

  @Option(names = "--run", paramLabel = "RUN|CHECKPOINT", description = "a run directory (its best checkpoint) or a checkpoint")
  Path run;

  @Mixin
  TrainedModelOptions trained;

  @Option(names = "--classes", paramLabel = "NAMES|FILE",
      description = "without --run: class names, comma-separated or a file with one per line (default: indices)")
  String classNames;

  @Option(names = "--size", defaultValue = "0", description = "without --run: input side (default: the model's native resolution)")
  int size;

  @Option(names = "--top", defaultValue = "5", description = "classes to show per image (default: ${DEFAULT-VALUE})")
  int top;

  @Override
  public Integer call() {
    ImageClassifier net;
    List<String> classes;
    Transform prepare;
    if (run != null) {
      TrainedModelOptions.FromRun loaded = trained.fromRun(run);
      RunInfo info = loaded.info();
      net = loaded.net();
      classes = info.classes();
      prepare = DataSpec.parse(info.data()).inputTransform(info.imageSize(), info.channels(), info.mean(), info.std());
    } else {
      trained.requireModelAndWeights("give --run, or --model and --weights");
      classes = classNames == null ? null : parseClasses(classNames);
      int n = classes != null ? classes.size() : ModelOptions.IMAGENET_CLASSES;
      net = trained.fromWeights(ModelOptions.defaults().withNumClasses(n));
      int side = size > 0 ? size : Models.info(trained.model).inputSize();
      // photographs, as torchvision evaluates ImageNet models
      prepare = DataSpec.parse("folder:.").inputTransform(side, 3, Transforms.IMAGENET_MEAN, Transforms.IMAGENET_STD);
    }
    if (top < 1) {
      throw new IllegalArgumentException("--top must be positive, got " + top);
    }
    net.eval();
    int k = Math.min(top, net.numClasses());
    for (Path file : images) {
      Image image = prepare.apply(ImageFiles.readRgb(file), new SplittableRandom(0));
      try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
        Tensor x = Tensors.fromFloats(image.data(), 1, image.channels(), image.height(), image.width());
        Tensor p = torch.softmax(net.forward(x), 1);
        Tensor[] best = Tensors.owned(torch.topk(p, k, 1, true, true));
        float[] probs = Tensors.toFloatArray(best[0]);
        long[] idx = Tensors.toLongArray(best[1]);
        System.out.println(file);
        for (int i = 0; i < k; i++) {
          String name = classes != null ? classes.get((int) idx[i]) : Long.toString(idx[i]);
          System.out.printf(Locale.ROOT, "  %d. %-24s %6.2f%%%n", i + 1, name, 100 * probs[i]);
        }
      }
    }
    return 0;
  }

  private static List<String> parseClasses(String text) {
    Path p = Path.of(text);
    if (Files.isRegularFile(p)) {
      try {
        return Files.readAllLines(p).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + p + " (" + e + ")", e);
      }
    }
    return new ArrayList<>(Arrays.stream(text.split(",")).map(String::trim).toList());
  }
}
