package io.nets4j.detection.eval;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * COCO-style detection metrics over a set of images (Lin et al. 2014, "Microsoft COCO"; the
 * definitions of pycocotools' {@code COCOeval}).
 *
 * @param map mAP@[.5:.95]: AP averaged over IoU thresholds .50:.05:.95 and over the classes with ground truth
 * @param map50 mAP@.5
 * @param map75 mAP@.75
 * @param perClass AP per class label, in label order; classes without ground truth have NaN AP and are not averaged
 * @param images number of evaluated images
 */
public record DetectionMetrics(double map, double map50, double map75, Map<Integer, ClassAP> perClass, int images) {
  public DetectionMetrics {
    perClass = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(perClass));
  }

  /** The AP of {@code label}; throws if the label never occurred. */
  public ClassAP classAp(int label) {
    ClassAP ap = perClass.get(label);
    if (ap == null) {
      throw new IllegalArgumentException("no class " + label + " in the evaluation; classes: " + perClass.keySet());
    }
    return ap;
  }

  /** A Markdown table: one row per class (named by {@code names}) and the mean. */
  public String table(IntFunction<String> names) {
    StringBuilder sb = new StringBuilder();
    sb.append("| class | objects | AP@[.5:.95] | AP@.5 | AP@.75 |\n|---|---:|---:|---:|---:|\n");
    for (ClassAP c : perClass.values()) {
      sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", names.apply(c.label()), c.groundTruths(),
          fmt(c.ap()), fmt(c.ap50()), fmt(c.ap75())));
    }
    sb.append(String.format(Locale.ROOT, "| **mean** | %d | **%s** | **%s** | %s |%n",
        perClass.values().stream().mapToInt(ClassAP::groundTruths).sum(), fmt(map), fmt(map50), fmt(map75)));
    return sb.toString();
  }

  /** Class labels in order. */
  public List<Integer> labels() {
    return List.copyOf(perClass.keySet());
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "mAP@[.5:.95]=%.4f mAP@.5=%.4f mAP@.75=%.4f (%d images, %d classes)", map, map50,
        map75, images, perClass.size());
  }
}
