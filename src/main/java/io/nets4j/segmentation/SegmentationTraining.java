package io.nets4j.segmentation;

import io.nets4j.data.Dataset;
import io.nets4j.data.Image;
import io.nets4j.data.SegmentationSample;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Training and evaluation of segmentation models on {@link SegmentationSample} data sets: batching,
 * the per-pixel cross-entropy that skips {@link SegmentationMetrics#IGNORE} pixels (with the
 * auxiliary map, when present, weighted 0.5 as in torchvision's reference recipe), SGD with
 * momentum 0.9 and weight decay 5e-4 as in Long et al. 2015.
 */
public final class SegmentationTraining {
  private static final double AUX_WEIGHT = 0.5;

  private SegmentationTraining() {}

  /** Images {@code [N, C, H, W]} of samples of one size. */
  public static Tensor images(List<SegmentationSample> samples) {
    Image first = samples.get(0).image();
    int plane = first.channels() * first.height() * first.width();
    float[] data = new float[samples.size() * plane];
    for (int i = 0; i < samples.size(); i++) {
      Image im = samples.get(i).image();
      if (im.channels() != first.channels() || im.height() != first.height() || im.width() != first.width()) {
        throw new IllegalArgumentException("sample " + i + " is " + im.channels() + "x" + im.height() + "x" + im.width()
            + ", sample 0 is " + first.channels() + "x" + first.height() + "x" + first.width()
            + " (a batch needs one size)");
      }
      System.arraycopy(im.data(), 0, data, i * plane, plane);
    }
    return Tensors.fromFloats(data, samples.size(), first.channels(), first.height(), first.width());
  }

  /** Class labels {@code [N, H, W]} (int64) of samples of one size. */
  public static Tensor masks(List<SegmentationSample> samples) {
    Image first = samples.get(0).image();
    int plane = first.height() * first.width();
    long[] data = new long[samples.size() * plane];
    for (int i = 0; i < samples.size(); i++) {
      int[] mask = samples.get(i).mask();
      if (mask.length != plane) {
        throw new IllegalArgumentException("sample " + i + " has a mask of " + mask.length + " pixels, sample 0 "
            + plane + " (a batch needs one size)");
      }
      for (int p = 0; p < plane; p++) {
        data[i * plane + p] = mask[p];
      }
    }
    return Tensors.fromLongs(data, samples.size(), first.height(), first.width());
  }

  /** Mean cross-entropy over the non-ignored pixels of {@code out}, plus 0.5 times that of {@code aux}. */
  public static Tensor loss(Map<String, Tensor> outputs, Tensor target) {
    Tensor loss = pixelCrossEntropy(outputs.get(SegmentationModel.OUT), target);
    Tensor aux = outputs.get(SegmentationModel.AUX);
    return aux == null ? loss : loss.add(pixelCrossEntropy(aux, target).mul(new org.bytedeco.pytorch.Scalar(AUX_WEIGHT)));
  }

  private static Tensor pixelCrossEntropy(Tensor scores, Tensor target) {
    return torch.cross_entropy_loss(scores, target, new TensorOptional(), 1, SegmentationMetrics.IGNORE, 0);
  }

  /**
   * Trains {@code model} for {@code steps} SGD steps on random batches of {@code data} (momentum
   * 0.9, weight decay 5e-4; frozen parameters stay as they are) and calls {@code progress} with
   * each step's number; returns the loss of every step.
   */
  public static double[] train(SegmentationModel model, Dataset<SegmentationSample> data, int steps, int batch,
      double lr, long seed, IntConsumer progress) {
    if (steps < 1 || batch < 1) {
      throw new IllegalArgumentException("steps and batch must be positive, got " + steps + " and " + batch);
    }
    List<Tensor> trainable = model.parameters().stream().filter(Tensor::requires_grad).toList();
    SGDOptions options = new SGDOptions(lr);
    options.momentum().put(0.9);
    options.weight_decay().put(5e-4);
    SGD sgd = new SGD(new TensorVector(trainable.toArray(new Tensor[0])), options);
    SplittableRandom rng = new SplittableRandom(seed);
    double[] losses = new double[steps];
    model.train();
    for (int step = 1; step <= steps; step++) {
      try (Scope s = Scope.open()) {
        List<SegmentationSample> samples = rng.ints(batch, 0, data.size()).mapToObj(data::get).toList();
        Tensor loss = loss(model.forwardOutputs(images(samples)), masks(samples));
        sgd.zero_grad();
        loss.backward();
        sgd.step();
        losses[step - 1] = loss.item_double();
      }
      progress.accept(step);
    }
    model.eval();
    return losses;
  }

  /** Accumulates {@code model}'s predictions on {@code data} (eval mode, in batches of {@code batch}). */
  public static SegmentationMetrics evaluate(SegmentationModel model, Dataset<SegmentationSample> data, int batch) {
    SegmentationMetrics metrics = new SegmentationMetrics(model.numClasses());
    model.eval();
    try (NoGradGuard g = new NoGradGuard()) {
      for (int start = 0; start < data.size(); start += batch) {
        try (Scope s = Scope.open()) {
          List<SegmentationSample> samples = java.util.stream.IntStream.range(start, Math.min(data.size(), start + batch))
              .mapToObj(data::get).toList();
          metrics.update(model.forward(images(samples)), masks(samples));
        }
      }
    }
    return metrics;
  }
}
