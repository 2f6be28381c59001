package io.nets4j.inference;

import io.nets4j.data.ImageClassificationTransforms;
import io.nets4j.data.ImageDecoder;
import io.nets4j.data.RgbImage;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.WeightsInfo;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

/**
 * From image files to labelled class probabilities, as a published weight defines it: decode, the
 * weight's preprocessing ({@link ImageClassificationTransforms}, identical to torchvision's
 * {@code weights.transforms()}), the classifier in batches, softmax, the top-k with the weight's
 * category names.
 *
 * <pre>{@code
 * ImageClassifier model = Models.create("swin_t");
 * StateDicts.load(model, Path.of("swin_t-704ceda3.pth"), LoadMode.STRICT);
 * ImageClassifierPipeline pipeline = ImageClassifierPipeline.of(model, Weights.of("swin_t", "IMAGENET1K_V1"));
 * Prediction p = pipeline.predict(List.of(Path.of("cat.jpg")), 5, 1).get(0);   // p.top().get(0).name()
 * }</pre>
 *
 * <p>Images of a batch are decoded and preprocessed in parallel (plain Java, no libtorch); each
 * batch's tensors are freed when it is done, so memory does not grow with the number of images.
 */
public final class ImageClassifierPipeline {
  /**
   * One class of a prediction.
   *
   * @param index the output index
   * @param name the category name, or the index as text where the weights list no names
   * @param probability the softmax probability
   */
  public record Label(int index, String name, double probability) {}

  /**
   * The prediction for one image.
   *
   * @param image the file
   * @param top the most probable classes, best first
   * @param logits the classifier's raw outputs (float32)
   */
  public record Prediction(Path image, List<Label> top, float[] logits) {
    public Prediction {
      top = List.copyOf(top);
      logits = logits.clone();
    }

    @Override
    public float[] logits() {
      return logits.clone();
    }
  }

  private final ImageClassifier model;
  private final Function<RgbImage, float[]> preprocess;
  private final ImageDecoder.Orientation orientation;
  private final long[] inputShape;
  private final List<String> categories;

  /**
   * A pipeline with any preprocessing.
   *
   * @param preprocess one decoded image to its model input, CHW float32 of {@code inputShape}
   * @param orientation whether image files are turned upright by their EXIF orientation
   * @param inputShape the shape of one input, {@code [C, H, W]}
   * @param categories class names by output index, or an empty list for indices
   */
  public ImageClassifierPipeline(ImageClassifier model, Function<RgbImage, float[]> preprocess,
      ImageDecoder.Orientation orientation, long[] inputShape, List<String> categories) {
    if (inputShape.length != 3) {
      throw new IllegalArgumentException("an input shape is [C, H, W], got " + Tensors.describe(inputShape));
    }
    if (!categories.isEmpty() && categories.size() != model.numClasses()) {
      throw new IllegalArgumentException(categories.size() + " category names for a classifier of "
          + model.numClasses() + " classes");
    }
    this.model = model;
    this.preprocess = preprocess;
    this.orientation = orientation;
    this.inputShape = inputShape.clone();
    this.categories = List.copyOf(categories);
  }

  /** The pipeline of published {@code weights} (already loaded into {@code model}): their preprocessing and names. */
  public static ImageClassifierPipeline of(ImageClassifier model, WeightsInfo weights) {
    return of(model, weights.transforms(), weights.categories(), ImageDecoder.Orientation.AS_STORED);
  }

  /**
   * The pipeline of {@code transforms} with {@code categories} (empty for indices); {@code
   * orientation} says whether EXIF orientation is applied (PyTorch's preprocessing ignores it).
   */
  public static ImageClassifierPipeline of(ImageClassifier model, ImageClassificationTransforms transforms,
      List<String> categories, ImageDecoder.Orientation orientation) {
    int side = transforms.cropSize();
    return new ImageClassifierPipeline(model, transforms::apply, orientation, new long[] {3, side, side}, categories);
  }

  /**
   * Predicts every image, {@code batch} images per forward pass, keeping the {@code topK} most
   * probable classes of each (at most the number of classes).
   */
  public List<Prediction> predict(List<Path> images, int topK, int batch) {
    if (topK < 1) {
      throw new IllegalArgumentException("top-k must be positive, got " + topK);
    }
    if (batch < 1) {
      throw new IllegalArgumentException("the batch size must be positive, got " + batch);
    }
    model.eval();
    int k = Math.min(topK, model.numClasses());
    List<Prediction> out = new ArrayList<>(images.size());
    for (int from = 0; from < images.size(); from += batch) {
      List<Path> files = images.subList(from, Math.min(images.size(), from + batch));
      float[][] inputs = files.parallelStream().map(f -> preprocess(ImageDecoder.read(f, orientation)))
          .toArray(float[][]::new);
      float[][] logits = logits(inputs);
      for (int i = 0; i < files.size(); i++) {
        out.add(new Prediction(files.get(i), top(logits[i], k), logits[i]));
      }
    }
    return out;
  }

  /** The model input of one decoded image, CHW float32 of {@link #inputShape()}. */
  public float[] preprocess(RgbImage image) {
    float[] input = preprocess.apply(image);
    if (input.length != Tensors.numel(inputShape)) {
      throw new IllegalStateException("preprocessing of a " + image.width() + "x" + image.height() + " image gave "
          + input.length + " values, expected " + Tensors.describe(inputShape));
    }
    return input;
  }

  /**
   * The logits of inputs of {@link #inputShape()} (CHW float32 each), in one forward pass; every
   * tensor is freed before it returns.
   */
  public float[][] logits(float[][] inputs) {
    int n = inputs.length;
    int plane = (int) Tensors.numel(inputShape);
    float[] flat = new float[n * plane];
    for (int i = 0; i < n; i++) {
      if (inputs[i].length != plane) {
        throw new IllegalArgumentException("input " + i + " has " + inputs[i].length + " values, expected "
            + Tensors.describe(inputShape));
      }
      System.arraycopy(inputs[i], 0, flat, i * plane, plane);
    }
    try (Scope s = Scope.open(); InferenceMode guard = new InferenceMode()) {
      Tensor logits = model.forward(Tensors.fromFloats(flat, n, inputShape[0], inputShape[1], inputShape[2]))
          .to(io.nets4j.tensor.DType.FLOAT32.scalarType()).contiguous();
      float[] all = Tensors.toFloatArray(logits);
      int classes = model.numClasses();
      return IntStream.range(0, n).mapToObj(i -> Arrays.copyOfRange(all, i * classes, (i + 1) * classes))
          .toArray(float[][]::new);
    }
  }

  /**
   * The {@code k} most probable classes (at most the number of classes) of one image's logits, by
   * softmax, best first; ties keep the lower index first, as {@code torch.topk} does on CPU.
   */
  public List<Label> top(float[] logits, int k) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] p = new double[logits.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    double total = sum;
    return IntStream.range(0, logits.length).boxed()
        .sorted((a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b))
        .limit(Math.min(k, logits.length))
        .map(c -> new Label(c, categories.isEmpty() ? Integer.toString(c) : categories.get(c), (float) (p[c] / total)))
        .toList();
  }

  /** The classifier, in evaluation mode once a prediction has run. */
  public ImageClassifier model() {
    return model;
  }

  /** The shape of one model input, {@code [C, H, W]}. */
  public long[] inputShape() {
    return inputShape.clone();
  }

  /** The class names by output index; empty where the weights list none. */
  public List<String> categories() {
    return categories;
  }
}
