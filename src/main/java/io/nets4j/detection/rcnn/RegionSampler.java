package io.nets4j.detection.rcnn;

import io.nets4j.data.Box;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Labelling and balanced sampling of region proposals for training, as in R-CNN (Girshick et al.
 * 2014, section 2.3: fine-tuning positives have IoU >= 0.5 with a ground-truth box, the rest are
 * background, mini-batches are 25% positive) and Fast R-CNN (Girshick 2015, section 2.3: 64 RoIs
 * per image, 25% foreground with IoU >= 0.5, background with IoU in [0.1, 0.5), the rest unused).
 * The ground-truth boxes themselves join the proposals, as in both papers' training sets.
 *
 * @param fgIou a proposal whose best IoU is at least this is foreground, of its box's class
 * @param bgLow background needs a best IoU of at least this
 * @param bgHigh background needs a best IoU below this (regions in between are ignored)
 * @param fgFraction the share of foreground in a sample, at most
 * @param regressionIou foreground regions with at least this IoU train the box regression
 *     (R-CNN: 0.6, appendix C; Fast R-CNN: every foreground region)
 */
public record RegionSampler(double fgIou, double bgLow, double bgHigh, double fgFraction, double regressionIou) {
  /** R-CNN fine-tuning. */
  public static final RegionSampler RCNN = new RegionSampler(0.5, 0.0, 0.5, 0.25, 0.6);
  /** Fast R-CNN (and SPPNet) training. */
  public static final RegionSampler FAST_RCNN = new RegionSampler(0.5, 0.1, 0.5, 0.25, 0.5);

  /** Label of regions that are neither foreground nor background. */
  public static final int IGNORE = -1;

  public RegionSampler {
    if (!(bgLow <= bgHigh && bgHigh <= fgIou && fgIou <= 1 && fgFraction > 0 && fgFraction <= 1)) {
      throw new IllegalArgumentException("need bgLow <= bgHigh <= fgIou <= 1 and 0 < fgFraction <= 1, got " + this);
    }
  }

  /**
   * The regions of one image with their training labels.
   *
   * @param boxes the proposals followed by the ground-truth boxes
   * @param labels class per region ({@code 0} background, {@link #IGNORE} unused)
   * @param matched index of the ground-truth box of highest IoU ({@code -1} without ground truth)
   * @param maxIou that IoU
   */
  public record Labelled(List<Box> boxes, int[] labels, int[] matched, double[] maxIou) {
    public int size() {
      return boxes.size();
    }
  }

  /** Labels {@code proposals} plus the ground truth against the ground truth ({@code gtLabels} in 1..C). */
  public Labelled label(List<Box> proposals, List<Box> gt, int[] gtLabels) {
    if (gt.size() != gtLabels.length) {
      throw new IllegalArgumentException(gt.size() + " ground-truth boxes but " + gtLabels.length + " labels");
    }
    List<Box> boxes = new ArrayList<>(proposals);
    boxes.addAll(gt);
    int n = boxes.size();
    int[] labels = new int[n];
    int[] matched = new int[n];
    double[] maxIou = new double[n];
    for (int i = 0; i < n; i++) {
      matched[i] = -1;
      for (int g = 0; g < gt.size(); g++) {
        double iou = iou(boxes.get(i), gt.get(g));
        if (iou > maxIou[i]) {
          maxIou[i] = iou;
          matched[i] = g;
        }
      }
      if (maxIou[i] >= fgIou) {
        labels[i] = gtLabels[matched[i]];
      } else if (maxIou[i] >= bgLow && maxIou[i] < bgHigh) {
        labels[i] = 0;
      } else {
        labels[i] = IGNORE;
      }
    }
    return new Labelled(List.copyOf(boxes), labels, matched, maxIou);
  }

  /**
   * Indices of at most {@code count} regions: foreground (drawn without replacement) up to
   * {@code fgFraction * count}, the rest background; with too little background the sample is
   * smaller. Foreground first.
   */
  public int[] sample(int[] labels, int count, SplittableRandom rng) {
    List<Integer> fg = new ArrayList<>();
    List<Integer> bg = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] > 0) {
        fg.add(i);
      } else if (labels[i] == 0) {
        bg.add(i);
      }
    }
    int nFg = Math.min(fg.size(), (int) Math.round(fgFraction * count));
    int nBg = Math.min(bg.size(), count - nFg);
    int[] out = new int[nFg + nBg];
    pick(fg, nFg, out, 0, rng);
    pick(bg, nBg, out, nFg, rng);
    return out;
  }

  // Partial Fisher-Yates shuffle: the first n of the list become a uniform sample.
  private static void pick(List<Integer> from, int n, int[] out, int offset, SplittableRandom rng) {
    for (int i = 0; i < n; i++) {
      int j = i + rng.nextInt(from.size() - i);
      Integer t = from.get(i);
      from.set(i, from.get(j));
      from.set(j, t);
      out[offset + i] = from.get(i);
    }
  }

  /** Intersection over union of two boxes (0 when the union is empty). */
  public static double iou(Box a, Box b) {
    double iw = Math.max(0, Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()));
    double ih = Math.max(0, Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()));
    double inter = iw * ih;
    double union = (double) a.width() * a.height() + (double) b.width() * b.height() - inter;
    return union > 0 ? inter / union : 0;
  }
}
