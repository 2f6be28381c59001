package io.nets4j.segmentation;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Segmentation metrics from a confusion matrix accumulated over pixels (Long et al. 2015, section
 * 5): pixel accuracy {@code sum_i n_ii / sum_i t_i}, per-class intersection over union
 * {@code n_ii / (t_i + sum_j n_ji - n_ii)}, and their mean over the classes that occur (in the
 * target or the prediction). Pixels whose target is {@link #IGNORE} (Pascal VOC's object borders)
 * are not counted.
 */
public final class SegmentationMetrics {
  /** The target label of pixels that no metric counts. */
  public static final int IGNORE = 255;

  private final int numClasses;
  /** {@code confusion[target * numClasses + predicted]}: pixel counts. */
  private final long[] confusion;

  public SegmentationMetrics(int numClasses) {
    if (numClasses < 1 || numClasses >= IGNORE) {
      throw new IllegalArgumentException("numClasses must be in [1, " + (IGNORE - 1) + "], got " + numClasses);
    }
    this.numClasses = numClasses;
    this.confusion = new long[numClasses * numClasses];
  }

  /** Adds pixels: {@code target[i]} (a class or {@link #IGNORE}) against {@code predicted[i]} (a class). */
  public void update(int[] target, int[] predicted) {
    if (target.length != predicted.length) {
      throw new IllegalArgumentException("target has " + target.length + " pixels, prediction " + predicted.length);
    }
    for (int i = 0; i < target.length; i++) {
      int t = target[i];
      if (t == IGNORE) {
        continue;
      }
      int p = predicted[i];
      if (t < 0 || t >= numClasses) {
        throw new IllegalArgumentException("target label " + t + " at pixel " + i + " is outside [0, " + numClasses
            + ") and is not the ignore label " + IGNORE);
      }
      if (p < 0 || p >= numClasses) {
        throw new IllegalArgumentException("predicted class " + p + " at pixel " + i + " is outside [0, " + numClasses + ")");
      }
      confusion[t * numClasses + p]++;
    }
  }

  /** Adds a batch: scores {@code [N, classes, H, W]} (the prediction is their argmax) against labels {@code [N, H, W]}. */
  public void update(Tensor scores, Tensor target) {
    if (scores.dim() != 4 || scores.size(1) != numClasses || target.dim() != 3 || target.size(0) != scores.size(0)
        || target.size(1) != scores.size(2) || target.size(2) != scores.size(3)) {
      throw new IllegalArgumentException("expected scores [N, " + numClasses + ", H, W] and labels [N, H, W], got "
          + Tensors.describe(scores) + " and " + Tensors.describe(target));
    }
    update(toInts(Tensors.toLongArray(target.to(org.bytedeco.pytorch.global.torch.ScalarType.Long))),
        toInts(Tensors.toLongArray(scores.argmax(new org.bytedeco.pytorch.LongOptional(1), false))));
  }

  private static int[] toInts(long[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (int) values[i];
    }
    return out;
  }

  public int numClasses() {
    return numClasses;
  }

  /** Pixels of class {@code target} predicted as {@code predicted}. */
  public long count(int target, int predicted) {
    return confusion[target * numClasses + predicted];
  }

  /** Counted (not ignored) pixels. */
  public long pixels() {
    long n = 0;
    for (long c : confusion) {
      n += c;
    }
    return n;
  }

  /** The fraction of counted pixels classified correctly; NaN before any pixel is counted. */
  public double pixelAccuracy() {
    long correct = 0;
    for (int c = 0; c < numClasses; c++) {
      correct += count(c, c);
    }
    long n = pixels();
    return n == 0 ? Double.NaN : (double) correct / n;
  }

  /** Intersection over union of each class; NaN for a class absent from both target and prediction. */
  public double[] perClassIoU() {
    double[] iou = new double[numClasses];
    for (int c = 0; c < numClasses; c++) {
      long targetPixels = 0;
      long predictedPixels = 0;
      for (int k = 0; k < numClasses; k++) {
        targetPixels += count(c, k);
        predictedPixels += count(k, c);
      }
      long intersection = count(c, c);
      long union = targetPixels + predictedPixels - intersection;
      iou[c] = union == 0 ? Double.NaN : (double) intersection / union;
    }
    return iou;
  }

  /** The mean of {@link #perClassIoU} over the classes that occur; NaN if none does. */
  public double meanIoU() {
    double sum = 0;
    int n = 0;
    for (double v : perClassIoU()) {
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  public void reset() {
    java.util.Arrays.fill(confusion, 0);
  }
}
