package io.nets4j.cli;

import io.nets4j.data.ImageClassificationTransforms;
import io.nets4j.data.ImageDecoder;
import io.nets4j.data.Interpolation;
import io.nets4j.data.Transform;
import io.nets4j.inference.ImageClassifierPipeline;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.models.Weights;
import io.nets4j.models.WeightsInfo;
import io.nets4j.train.DataSpec;
import io.nets4j.train.RunInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The classifier a command runs on images ({@code predict}, {@code serve}): a run's model with its
 * data set's preprocessing and classes, or {@code --model} and {@code --weights} with the
 * preprocessing and class names of a published weight (named by {@code --weights-config},
 * recognised by SHA-256, or the model's default), or of weights of one's own ({@code --classes},
 * {@code --size}).
 *
 * @param run a run directory or checkpoint, or null for {@code --model} and {@code --weights}
 * @param classNames class names (comma-separated or a file), or null
 * @param size the crop side for weights of one's own, or 0 for the model's native resolution
 */
record ClassifierSource(Path run, TrainedModelOptions trained, String weightsConfig, String classNames, int size) {
  /** Fails before anything is read unless a run, or a known model and weights, are given. */
  void check() {
    if (run == null) {
      trained.requireModelAndWeights("give --run, or --model and --weights");
    }
  }

  /** The pipeline, its model loaded; {@code orientation} applies to image files. */
  ImageClassifierPipeline pipeline(ImageDecoder.Orientation orientation) {
    check();
    return run != null ? fromRun(orientation) : fromWeights(orientation);
  }

  private ImageClassifierPipeline fromRun(ImageDecoder.Orientation orientation) {
    if (weightsConfig != null || classNames != null || size != 0) {
      throw new IllegalArgumentException("--weights-config, --classes and --size are for --model and --weights; "
          + "a run brings its own classes and preprocessing");
    }
    TrainedModelOptions.FromRun loaded = trained.fromRun(run);
    RunInfo info = loaded.info();
    Transform prepare = DataSpec.parse(info.data()).inputTransform(info.imageSize(), info.channels(), info.mean(),
        info.std());
    return new ImageClassifierPipeline(loaded.net(),
        image -> prepare.apply(image.toImage(), new SplittableRandom(0)).data(), orientation,
        new long[] {info.channels(), info.imageSize(), info.imageSize()}, info.classes());
  }

  private ImageClassifierPipeline fromWeights(ImageDecoder.Orientation orientation) {
    Optional<WeightsInfo> published = publishedWeights();
    if (published.isPresent()) {
      if (classNames != null || size != 0) {
        throw new IllegalArgumentException("--classes and --size are for weights of your own; "
            + published.get().referenceName() + " brings its class names and preprocessing");
      }
      WeightsInfo w = published.get();
      ImageClassifier net = trained.fromWeights(ModelOptions.defaults().withNumClasses(w.numClasses()));
      return ImageClassifierPipeline.of(net, w.transforms(), w.categories(), orientation);
    }
    List<String> classes = classNames == null ? List.of() : parseClasses(classNames);
    ImageClassifier net = trained.fromWeights(ModelOptions.defaults()
        .withNumClasses(classes.isEmpty() ? ModelOptions.IMAGENET_CLASSES : classes.size()));
    int crop = size > 0 ? size : Models.info(trained.model.value).inputSize();
    // torchvision's usual evaluation recipe: resize to crop / 0.875, centre crop, ImageNet statistics
    ImageClassificationTransforms t = ImageClassificationTransforms.imagenet((int) Math.round(crop / 0.875), crop,
        Interpolation.BILINEAR);
    return ImageClassifierPipeline.of(net, t, classes, orientation);
  }

  /** The weight configuration named, recognised by digest, or the model's default; empty for a model without any. */
  private Optional<WeightsInfo> publishedWeights() {
    if (weightsConfig != null) {
      WeightsInfo named = Weights.of(trained.model.value, weightsConfig);
      Weights.identify(trained.model.value, trained.weights.value).filter(w -> !w.equals(named)).ifPresent(w ->
          System.err.println("warning: " + trained.weights.value + " has the SHA-256 of " + w.referenceName() + ", not of "
              + named.referenceName() + "; using the preprocessing of " + named.referenceName() + " as asked"));
      return Optional.of(named);
    }
    if (classNames != null || size != 0) {
      return Optional.empty();
    }
    Optional<WeightsInfo> recognised = Weights.identify(trained.model.value, trained.weights.value);
    if (recognised.isPresent()) {
      System.err.println("note: " + trained.weights.value + " is " + recognised.get().referenceName() + " (by its SHA-256); "
          + "using its preprocessing");
      return recognised;
    }
    Optional<WeightsInfo> fallback = Weights.defaultFor(trained.model.value);
    fallback.ifPresent(w -> System.err.println("note: no --weights-config; using the preprocessing and class names of "
        + w.referenceName() + " (" + w.transforms() + "). Name the weights the file holds with --weights-config "
        + "(`nets4j list --weights " + trained.model.value + "`)"));
    return fallback;
  }

  /**
   * Class names: a file of one name per line, or names separated by commas. Text that looks like a
   * path (a folder separator, or a {@code .txt} ending) but names no file is an error, not one
   * class name.
   */
  private static List<String> parseClasses(String text) {
    Path p = Path.of(text);
    boolean pathLike = !text.contains(",") && (text.contains("/") || text.contains(java.io.File.separator)
        || text.toLowerCase(java.util.Locale.ROOT).endsWith(".txt"));
    if (pathLike && !Files.isRegularFile(p)) {
      throw new IllegalArgumentException("--classes " + text + ": no such file (give a file of one class name per"
          + " line, or the names separated by commas)");
    }
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
