package io.nets4j.detection;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Assigns each prediction (anchor or proposal) to its best-overlapping ground-truth box, as
 * torchvision's {@code det_utils.Matcher} (Ren et al. 2015, sec. 3.1.2): IoU at or above
 * {@code highThreshold} is a match, below {@code lowThreshold} background ({@link #BELOW_LOW}),
 * in between ignored ({@link #BETWEEN}). With {@code allowLowQualityMatches}, every prediction that
 * ties for the highest IoU of some ground-truth box keeps its best match even when that IoU is
 * low, so that no ground-truth box is left without an anchor (the paper's condition (i)).
 */
public record Matcher(double highThreshold, double lowThreshold, boolean allowLowQualityMatches) {
  /** Match value of a prediction whose best IoU is below {@code lowThreshold}. */
  public static final long BELOW_LOW = -1;
  /** Match value of a prediction whose best IoU lies between the thresholds. */
  public static final long BETWEEN = -2;

  public Matcher {
    if (lowThreshold > highThreshold) {
      throw new IllegalArgumentException("matcher: low threshold " + lowThreshold + " above high threshold "
          + highThreshold);
    }
  }

  /** The RPN's anchor matcher: foreground at IoU 0.7, background below 0.3, low-quality matches kept. */
  public static Matcher rpn() {
    return new Matcher(0.7, 0.3, true);
  }

  /** The box head's proposal matcher: foreground at IoU 0.5, background below. */
  public static Matcher boxHead() {
    return new Matcher(0.5, 0.5, false);
  }

  /**
   * @param quality IoU {@code [M ground truths, N predictions]}, {@code M >= 1}
   * @return int64 {@code [N]}: the matched ground-truth index, {@link #BELOW_LOW} or {@link #BETWEEN}
   */
  public Tensor match(Tensor quality) {
    if (quality.dim() != 2 || quality.size(0) == 0) {
      throw new IllegalArgumentException("matcher: need an IoU matrix [M ground truths >= 1, N predictions], got "
          + Tensors.describe(quality));
    }
    Tensor[] best = Tensors.owned(quality.max(0, false));
    Tensor values = best[0];
    Tensor allMatches = best[1];
    Tensor matches = allMatches.clone();
    matches = matches.masked_fill(values.lt(new Scalar(lowThreshold)), new Scalar(BELOW_LOW));
    matches = matches.masked_fill(values.ge(new Scalar(lowThreshold)).logical_and(values.lt(new Scalar(highThreshold))),
        new Scalar(BETWEEN));
    if (allowLowQualityMatches) {
      Tensor highestPerGt = quality.amax(new long[] {1}, true);
      // Predictions that reach some ground truth's highest IoU (ties included) get their best match back.
      Tensor restore = quality.eq(highestPerGt).any(0);
      matches = torch.where(restore, allMatches, matches);
    }
    return matches;
  }
}
