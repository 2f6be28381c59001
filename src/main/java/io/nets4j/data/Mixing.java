package io.nets4j.data;

import io.nets4j.nn.F;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.random.RandomGenerator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Batch-level mixing augmentations on collated tensors, as timm applies them: each sample is mixed
 * with the sample at the mirrored position of the batch ({@code images.flip(0)}), with one mixing
 * coefficient per batch drawn from Beta(alpha, alpha). They run on the consuming thread; the
 * results are new tensors owned by its current {@code Scope}.
 *
 * <p>The result keeps both label sets and the weight of the first, {@code (labelsA, labelsB,
 * lambda)}: the target is {@code lambda * onehot(labelsA) + (1 - lambda) * onehot(labelsB)}, see
 * {@link Mixed#softTargets} and {@link Mixed#loss}.
 *
 * <p>References: H. Zhang et al., "mixup: Beyond Empirical Risk Minimization" (ICLR 2018);
 * S. Yun et al., "CutMix: Regularization Strategy to Train Strong Classifiers with Localizable
 * Features" (ICCV 2019).
 */
public final class Mixing {
  private Mixing() {}

  /**
   * Mixed images with their two label sets.
   *
   * @param images the mixed images {@code [N, C, H, W]}
   * @param labelsA the original labels {@code [N]}, weighted {@code lambda}
   * @param labelsB the labels of the mixed-in samples {@code [N]}, weighted {@code 1 - lambda}
   * @param lambda the weight of {@code labelsA} (for CutMix the exact fraction of pixels kept)
   */
  public record Mixed(Tensor images, Tensor labelsA, Tensor labelsB, double lambda) {
    /**
     * The soft targets {@code [N, numClasses]} float32: {@code lambda * a + (1 - lambda) * b} for
     * the one-hot vectors of both labels, each smoothed as timm does ({@code smoothing / numClasses}
     * off target, {@code 1 - smoothing + smoothing / numClasses} on target).
     */
    public Tensor softTargets(int numClasses, double labelSmoothing) {
      double off = labelSmoothing / numClasses;
      double on = 1 - labelSmoothing + off;
      Tensor a = torch.one_hot(labelsA, numClasses).to(DType.FLOAT32.scalarType());
      Tensor b = torch.one_hot(labelsB, numClasses).to(DType.FLOAT32.scalarType());
      Tensor mixed = a.mul(new Scalar(lambda)).add(b.mul(new Scalar(1 - lambda)));
      return mixed.mul(new Scalar(on - off)).add(new Scalar(off));
    }

    /** The mixed cross-entropy {@code lambda * CE(logits, a) + (1 - lambda) * CE(logits, b)}, mean over the batch. */
    public Tensor loss(Tensor logits, double labelSmoothing) {
      Tensor la = F.crossEntropy(logits, labelsA, labelSmoothing);
      Tensor lb = F.crossEntropy(logits, labelsB, labelSmoothing);
      return la.mul(new Scalar(lambda)).add(lb.mul(new Scalar(1 - lambda)));
    }
  }

  /** mixup: {@code lambda * x + (1 - lambda) * x.flip(0)} with {@code lambda ~ Beta(alpha, alpha)}. */
  public static Mixed mixup(Tensor images, Tensor labels, double alpha, RandomGenerator random) {
    checkBatch(images, labels);
    double lambda = beta(alpha, random);
    Tensor mixed = images.mul(new Scalar(lambda)).add(images.flip(0).mul(new Scalar(1 - lambda)));
    return new Mixed(mixed, labels, labels.flip(0), lambda);
  }

  /**
   * CutMix: a box of area about {@code (1 - lambda) * H * W}, {@code lambda ~ Beta(alpha, alpha)},
   * centred uniformly in the image and clipped to it, is pasted from {@code x.flip(0)}; lambda is
   * then corrected to the fraction of pixels actually kept.
   */
  public static Mixed cutmix(Tensor images, Tensor labels, double alpha, RandomGenerator random) {
    checkBatch(images, labels);
    long[] shape = Tensors.shape(images);
    int h = (int) shape[2];
    int w = (int) shape[3];
    double lambda = beta(alpha, random);
    double ratio = Math.sqrt(1 - lambda);
    int cutH = (int) (h * ratio);
    int cutW = (int) (w * ratio);
    int cy = random.nextInt(h);
    int cx = random.nextInt(w);
    int y1 = clamp(cy - cutH / 2, h);
    int y2 = clamp(cy + cutH / 2, h);
    int x1 = clamp(cx - cutW / 2, w);
    int x2 = clamp(cx + cutW / 2, w);
    Tensor mixed = images.clone();
    if (y2 > y1 && x2 > x1) {
      Tensor source = images.flip(0).narrow(2, y1, y2 - y1).narrow(3, x1, x2 - x1);
      mixed.narrow(2, y1, y2 - y1).narrow(3, x1, x2 - x1).copy_(source);
    }
    double kept = 1 - (double) (y2 - y1) * (x2 - x1) / ((double) h * w);
    return new Mixed(mixed, labels, labels.flip(0), kept);
  }

  private static int clamp(int v, int size) {
    return Math.max(0, Math.min(size, v));
  }

  private static void checkBatch(Tensor images, Tensor labels) {
    long[] s = Tensors.shape(images);
    long[] l = Tensors.shape(labels);
    if (s.length != 4 || l.length != 1 || l[0] != s[0]) {
      throw new IllegalArgumentException("mixing needs images [N, C, H, W] and labels [N], got images "
          + Tensors.describe(s) + " and labels " + Tensors.describe(l));
    }
  }

  /** A draw from Beta(alpha, alpha), through two Gamma(alpha) draws. */
  static double beta(double alpha, RandomGenerator random) {
    if (!(alpha > 0)) {
      throw new IllegalArgumentException("alpha must be positive, got " + alpha);
    }
    double x = gamma(alpha, random);
    double y = gamma(alpha, random);
    return x + y == 0 ? 0.5 : x / (x + y);
  }

  // Marsaglia and Tsang, "A Simple Method for Generating Gamma Variables" (2000); shapes below 1
  // are boosted: Gamma(a) = Gamma(a + 1) * U^(1/a).
  private static double gamma(double shape, RandomGenerator random) {
    if (shape < 1) {
      double u = random.nextDouble();
      return gamma(shape + 1, random) * Math.pow(u, 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = random.nextGaussian();
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = random.nextDouble();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        return d * v;
      }
    }
  }
}
