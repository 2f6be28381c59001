package io.nets4j.train;

import io.nets4j.tensor.Autocast;
import io.nets4j.tensor.Device;
import io.nets4j.data.Image;
import io.nets4j.models.ImageClassifier;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Runs a classifier over a data set in evaluation mode and measures it. */
public final class Evaluator {
  private Evaluator() {}

  /**
   * Evaluates {@code model} (switched to evaluation mode) on one pass over {@code data}.
   *
   * @param classes the number of classes
   * @param bf16 whether the forward pass runs under bfloat16 autocast
   * @param keepSamples how many images to keep with their predictions
   */
  public static Evaluation evaluate(ImageClassifier model, BatchSource data, int classes, boolean bf16,
      int keepSamples) {
    return evaluate(model, data, classes, bf16, keepSamples, Device.CPU);
  }

  /** Like {@link #evaluate(ImageClassifier, BatchSource, int, boolean, int)} for a model on {@code device}. */
  public static Evaluation evaluate(ImageClassifier model, BatchSource data, int classes, boolean bf16,
      int keepSamples, Device device) {
    model.eval();
    int k = Math.min(5, classes);
    ConfusionMatrix confusion = new ConfusionMatrix(classes);
    List<Evaluation.Sample> samples = new ArrayList<>();
    double lossSum = 0;
    long topK = 0;
    long count = 0;
    try (NoGradGuard g = new NoGradGuard(); BatchStream batches = data.open(0, 0)) {
      while (batches.hasNext()) {
        try (Scope s = Scope.open()) {
          LabeledBatch b = batches.next();
          Tensor logits;
          try (Autocast a = Autocast.bfloat16If(bf16)) {
            // the metrics are computed on the CPU, where the batch was made
            logits = Device.CPU.put(model.forward(device.put(b.images())));
          }
          logits = logits.to(torch.ScalarType.Float);
          if (logits.dim() != 2 || logits.size(1) != classes) {
            throw new IllegalStateException("the model returned logits " + Tensors.describe(logits) + " for "
                + classes + " classes");
          }
          Tensor labels = b.classIndices();
          int n = b.size();
          lossSum += TrainingLoss.crossEntropy(logits, b.labels(), 0).item_double() * n;
          topK += Metrics.topKCorrect(logits, labels, k);
          Tensor probabilities = torch.softmax(logits, 1);
          long[] predicted = Tensors.toLongArray(probabilities.argmax(new LongOptional(1), false));
          long[] truth = Tensors.toLongArray(labels);
          confusion.add(truth, predicted);
          if (samples.size() < keepSamples) {
            keep(samples, keepSamples, b.images(), probabilities, truth, predicted);
          }
          count += n;
        }
      }
    }
    if (count == 0) {
      throw new IllegalArgumentException("the evaluation data is empty");
    }
    return new Evaluation(lossSum / count, confusion.accuracy(), (double) topK / count, k, count, confusion, samples);
  }

  private static void keep(List<Evaluation.Sample> samples, int max, Tensor images, Tensor probabilities,
      long[] truth, long[] predicted) {
    long[] shape = Tensors.shape(images);
    int c = (int) shape[1];
    int h = (int) shape[2];
    int w = (int) shape[3];
    int plane = c * h * w;
    int n = Math.min(max - samples.size(), truth.length);
    float[] pixels = Tensors.toFloatArray(images.narrow(0, 0, n));
    float[] p = Tensors.toFloatArray(probabilities.narrow(0, 0, n));
    int classes = (int) probabilities.size(1);
    for (int i = 0; i < n; i++) {
      Image image = new Image(Arrays.copyOfRange(pixels, i * plane, (i + 1) * plane), c, h, w);
      samples.add(new Evaluation.Sample(image, (int) truth[i], (int) predicted[i],
          p[i * classes + (int) predicted[i]]));
    }
  }
}
