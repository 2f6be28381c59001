package io.nets4j.detection.eval;

import io.nets4j.data.Box;
import io.nets4j.detection.BoxOps;
import io.nets4j.detection.Detections;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;

/**
 * Accumulates detections and ground truth image by image and computes COCO-style average
 * precision (Lin et al. 2014, "Microsoft COCO: Common Objects in Context"), following
 * pycocotools' {@code COCOeval} for the "all areas" range without crowd regions:
 *
 * <ul>
 *   <li>per image and class, detections are sorted by score (stable) and only the best
 *       {@code maxDetections} are kept (COCOeval applies {@code maxDets} per image and category);</li>
 *   <li>greedy matching by score: each detection takes the still unmatched ground-truth box of its
 *       class with the highest IoU, if that IoU is at least the threshold; otherwise it is a false positive;</li>
 *   <li>per class, all detections of all images are ranked by score, precision is made
 *       monotonically non-increasing, and sampled at the 101 recall points 0:.01:1 (the first
 *       rank reaching each recall; 0 if never reached); AP is the mean of the samples;</li>
 *   <li>mAP@[.5:.95] averages AP over the IoU thresholds .50:.05:.95 and over the classes that have
 *       ground truth; classes with detections but no ground truth are reported with NaN AP and are
 *       not averaged.</li>
 * </ul>
 *
 * <p>IoUs come from {@link BoxOps#boxIou}. The evaluator keeps only per-detection match flags, not
 * tensors, so it can run over any number of images.
 */
public final class DetectionEvaluator {
  /** COCO's detection limit per image ({@code maxDets[-1]}). */
  public static final int DEFAULT_MAX_DETECTIONS = 100;
  /** IoU thresholds .50:.05:.95 as pycocotools computes them ({@code np.linspace(.5, .95, 10)}). */
  private static final double[] IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
  /** Recall points 0:.01:1 ({@code np.linspace(0, 1, 101)}). */
  private static final double[] RECALL_POINTS = linspace(0.0, 1.0, 101);
  private static final int T50 = 0;
  private static final int T75 = 5;

  private final int maxDetections;
  private final Map<Integer, ClassRecords> classes = new HashMap<>();
  private int images;

  /** An evaluator with COCO's limit of 100 detections per image. */
  public DetectionEvaluator() {
    this(DEFAULT_MAX_DETECTIONS);
  }

  public DetectionEvaluator(int maxDetections) {
    if (maxDetections < 1) {
      throw new IllegalArgumentException("maxDetections must be >= 1, got " + maxDetections);
    }
    this.maxDetections = maxDetections;
  }

  /** The IoU thresholds .50, .55, ..., .95. */
  public static double[] iouThresholds() {
    return IOU_THRESHOLDS.clone();
  }

  /** Adds one image: its detections and its ground truth as {@link Box}es with labels. */
  public void add(Detections predictions, List<Box> gtBoxes, int[] gtLabels) {
    if (gtBoxes.size() != gtLabels.length) {
      throw new IllegalArgumentException("image " + images + ": " + gtBoxes.size() + " ground-truth boxes but "
          + gtLabels.length + " labels");
    }
    double[] boxes = new double[gtBoxes.size() * 4];
    for (int i = 0; i < gtBoxes.size(); i++) {
      Box b = gtBoxes.get(i);
      boxes[4 * i] = b.x1();
      boxes[4 * i + 1] = b.y1();
      boxes[4 * i + 2] = b.x2();
      boxes[4 * i + 3] = b.y2();
    }
    try (Scope s = Scope.open()) {
      add(predictions, Tensors.fromDoubles(boxes, gtBoxes.size(), 4),
          Tensors.fromLongs(Arrays.stream(gtLabels).asLongStream().toArray(), gtLabels.length));
    }
  }

  /**
   * Adds one image: its detections and its ground truth {@code gtBoxes [G, 4]} (x1, y1, x2, y2)
   * with labels {@code gtLabels [G]}.
   */
  public void add(Detections predictions, Tensor gtBoxes, Tensor gtLabels) {
    try (Scope s = Scope.open()) {
      String where = "image " + images;
      checkBoxes(gtBoxes, where + " ground-truth boxes");
      checkBoxes(predictions.boxes(), where + " predicted boxes");
      long g = gtBoxes.size(0);
      long k = predictions.boxes().size(0);
      check(gtLabels.dim() == 1 && gtLabels.size(0) == g,
          where + ": ground-truth labels must be [" + g + "], got " + Tensors.describe(gtLabels));
      check(predictions.scores().dim() == 1 && predictions.scores().size(0) == k,
          where + ": scores must be [" + k + "], got " + Tensors.describe(predictions.scores()));
      check(predictions.labels().dim() == 1 && predictions.labels().size(0) == k,
          where + ": predicted labels must be [" + k + "], got " + Tensors.describe(predictions.labels()));
      Tensor gtCpu = gtBoxes.cpu().to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
      Tensor dtCpu = predictions.boxes().cpu().to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
      long[] gl = Tensors.toLongArray(gtLabels.cpu());
      long[] dl = Tensors.toLongArray(predictions.labels().cpu());
      double[] scores = Tensors.toDoubleArray(predictions.scores().cpu());
      for (int i = 0; i < scores.length; i++) {
        check(Double.isFinite(scores[i]), where + ": score " + i + " is " + scores[i]);
      }
      TreeMap<Integer, List<Integer>> gtByClass = group(gl);
      TreeMap<Integer, List<Integer>> dtByClass = group(dl);
      java.util.TreeSet<Integer> labels = new java.util.TreeSet<>(gtByClass.keySet());
      labels.addAll(dtByClass.keySet());
      for (int label : labels) {
        List<Integer> gi = gtByClass.getOrDefault(label, List.of());
        List<Integer> di = new ArrayList<>(dtByClass.getOrDefault(label, List.of()));
        // Stable sort by decreasing score, as np.argsort(-scores, kind='mergesort').
        di.sort((a, b) -> Double.compare(scores[b], scores[a]));
        if (di.size() > maxDetections) {
          di = di.subList(0, maxDetections);
        }
        ClassRecords rec = classes.computeIfAbsent(label, l -> new ClassRecords());
        rec.groundTruths += gi.size();
        double[] iou = gi.isEmpty() || di.isEmpty() ? new double[0]
            : Tensors.toDoubleArray(BoxOps.boxIou(rows(dtCpu, di), rows(gtCpu, gi)).contiguous());
        matchImage(rec, di, gi.size(), scores, iou);
      }
      images++;
    }
  }

  /** Greedy matching of one image's detections of one class, at every IoU threshold. */
  private static void matchImage(ClassRecords rec, List<Integer> dets, int g, double[] scores, double[] iou) {
    boolean[][] matched = new boolean[dets.size()][IOU_THRESHOLDS.length];
    for (int t = 0; t < IOU_THRESHOLDS.length; t++) {
      boolean[] gtTaken = new boolean[g];
      for (int d = 0; d < dets.size(); d++) {
        // pycocotools caps the threshold below 1 so that a perfect box still matches at IoU 1.
        double best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
        int m = -1;
        for (int j = 0; j < g; j++) {
          double v = iou[d * g + j];
          if (gtTaken[j] || !(v >= best)) {
            continue;
          }
          best = v;
          m = j;
        }
        if (m >= 0) {
          gtTaken[m] = true;
          matched[d][t] = true;
        }
      }
    }
    for (int d = 0; d < dets.size(); d++) {
      rec.scores.add(scores[dets.get(d)]);
      rec.matches.add(matched[d]);
    }
  }

  /** Computes the metrics over every image added so far. */
  public DetectionMetrics result() {
    Map<Integer, ClassAP> perClass = new TreeMap<>();
    double sum = 0;
    double sum50 = 0;
    double sum75 = 0;
    int evaluated = 0;
    for (Map.Entry<Integer, ClassRecords> e : new TreeMap<>(classes).entrySet()) {
      ClassRecords rec = e.getValue();
      int n = rec.scores.size();
      if (rec.groundTruths == 0) {
        perClass.put(e.getKey(), new ClassAP(e.getKey(), 0, n, Double.NaN, Double.NaN, Double.NaN, Double.NaN));
        continue;
      }
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      // Stable ranking across images (images in the order they were added), as COCOeval.accumulate.
      Arrays.sort(order, (a, b) -> Double.compare(rec.scores.get(b), rec.scores.get(a)));
      double[] ap = new double[IOU_THRESHOLDS.length];
      double recall50 = 0;
      for (int t = 0; t < IOU_THRESHOLDS.length; t++) {
        double[] recall = new double[n];
        double[] precision = new double[n];
        int tp = 0;
        for (int r = 0; r < n; r++) {
          if (rec.matches.get(order[r])[t]) {
            tp++;
          }
          recall[r] = (double) tp / rec.groundTruths;
          // np.spacing(1) keeps the division defined, exactly as pycocotools does.
          precision[r] = tp / ((r + 1) + Math.ulp(1.0));
        }
        ap[t] = interpolatedAp(recall, precision);
        if (t == T50) {
          recall50 = n == 0 ? 0 : recall[n - 1];
        }
      }
      double mean = Arrays.stream(ap).average().orElseThrow();
      perClass.put(e.getKey(), new ClassAP(e.getKey(), rec.groundTruths, n, mean, ap[T50], ap[T75], recall50));
      sum += mean;
      sum50 += ap[T50];
      sum75 += ap[T75];
      evaluated++;
    }
    return evaluated == 0
        ? new DetectionMetrics(Double.NaN, Double.NaN, Double.NaN, perClass, images)
        : new DetectionMetrics(sum / evaluated, sum50 / evaluated, sum75 / evaluated, perClass, images);
  }

  /** COCO's 101-point interpolated AP of one precision/recall curve (ranks by decreasing score). */
  static double interpolatedAp(double[] recall, double[] precision) {
    int n = recall.length;
    double[] envelope = precision.clone();
    for (int i = n - 1; i > 0; i--) {
      if (envelope[i] > envelope[i - 1]) {
        envelope[i - 1] = envelope[i];
      }
    }
    double total = 0;
    int rank = 0;
    for (double point : RECALL_POINTS) {
      // np.searchsorted(recall, point, side='left'): the first rank whose recall reaches the point.
      while (rank < n && recall[rank] < point) {
        rank++;
      }
      if (rank < n) {
        total += envelope[rank];
      }
    }
    return total / RECALL_POINTS.length;
  }

  private static Tensor rows(Tensor boxes, List<Integer> index) {
    return boxes.index_select(0, Tensors.fromLongs(index.stream().mapToLong(Integer::longValue).toArray(), index.size()));
  }

  private static TreeMap<Integer, List<Integer>> group(long[] labels) {
    TreeMap<Integer, List<Integer>> out = new TreeMap<>();
    for (int i = 0; i < labels.length; i++) {
      out.computeIfAbsent(Math.toIntExact(labels[i]), l -> new ArrayList<>()).add(i);
    }
    return out;
  }

  private static void checkBoxes(Tensor boxes, String what) {
    check(boxes.dim() == 2 && boxes.size(1) == 4, what + " must be [N, 4] (x1, y1, x2, y2), got " + Tensors.describe(boxes));
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  private static double[] linspace(double start, double stop, int num) {
    double step = (stop - start) / (num - 1);
    double[] out = new double[num];
    for (int i = 0; i < num; i++) {
      out[i] = start + i * step;
    }
    out[num - 1] = stop;
    return out;
  }

  /** Per-class detections (score and match flag per IoU threshold) in the order images were added. */
  private static final class ClassRecords {
    final List<Double> scores = new ArrayList<>();
    final List<boolean[]> matches = new ArrayList<>();
    int groundTruths;
  }
}
