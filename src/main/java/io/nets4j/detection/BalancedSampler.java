package io.nets4j.detection;

import io.nets4j.tensor.Tensors;
import java.util.Random;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Draws a fixed-size minibatch of positive and negative examples from one image, as torchvision's
 * {@code BalancedPositiveNegativeSampler} (Ren et al. 2015, sec. 3.1.3; Girshick 2015, sec. 2.3):
 * up to {@code batchSizePerImage * positiveFraction} positives (label {@code >= 1}) drawn at
 * random, and negatives (label {@code 0}) filling the rest; label {@code -1} is never drawn.
 */
public record BalancedSampler(int batchSizePerImage, double positiveFraction) {
  /** Indices of the drawn positives and negatives (int64, each in random order). */
  public record Sample(Tensor positives, Tensor negatives) {
    public long count() {
      return positives.size(0) + negatives.size(0);
    }
  }

  public BalancedSampler {
    if (batchSizePerImage < 1 || positiveFraction < 0 || positiveFraction > 1) {
      throw new IllegalArgumentException("sampler: need batch size >= 1 and positive fraction in [0, 1], got "
          + batchSizePerImage + " and " + positiveFraction);
    }
  }

  /** Samples from {@code labels [N]} (any numeric type) with {@code rng}. */
  public Sample sample(Tensor labels, Random rng) {
    if (labels.dim() != 1) {
      throw new IllegalArgumentException("sampler: labels must be [N], got " + Tensors.describe(labels));
    }
    long[] pos = Tensors.toLongArray(labels.ge(new Scalar(1)).nonzero().select(1, 0).cpu());
    long[] neg = Tensors.toLongArray(labels.eq(new Scalar(0)).nonzero().select(1, 0).cpu());
    int numPos = Math.min(pos.length, (int) (batchSizePerImage * positiveFraction));
    int numNeg = Math.min(neg.length, batchSizePerImage - numPos);
    return new Sample(draw(pos, numPos, rng, labels), draw(neg, numNeg, rng, labels));
  }

  private static Tensor draw(long[] from, int count, Random rng, Tensor like) {
    // Partial Fisher-Yates: the first `count` entries become a uniform random subset in random order.
    long[] a = from.clone();
    for (int i = 0; i < count; i++) {
      int j = i + rng.nextInt(a.length - i);
      long t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return Tensors.fromLongs(java.util.Arrays.copyOf(a, count), count).to(like.device(), torch.ScalarType.Long);
  }
}
