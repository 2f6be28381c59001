package io.nets4j.detection;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Detections of one image: {@code boxes [K, 4]} (x1, y1, x2, y2), {@code scores [K]} and int64
 * class {@code labels [K]}, by decreasing score.
 */
public record Detections(Tensor boxes, Tensor scores, Tensor labels) {
  /**
   * The detections among candidate (box, score, label) triples, as torchvision's detectors select
   * them: scores above {@code scoreThresh}, boxes at least {@code minSize} on each side, class-wise
   * non-maximum suppression at IoU {@code nmsThresh}, then the {@code maxDetections} best.
   *
   * @param boxes {@code [M, 4]} candidate boxes (already decoded and clipped)
   * @param scores {@code [M]} their class scores
   * @param labels {@code [M]} their int64 classes
   */
  public static Detections select(Tensor boxes, Tensor scores, Tensor labels, double scoreThresh, double minSize,
      double nmsThresh, int maxDetections) {
    Detections above = new Detections(boxes, scores, labels).index(scores.gt(new Scalar(scoreThresh)).nonzero()
        .select(1, 0));
    Detections sized = above.index(BoxOps.removeSmallBoxes(above.boxes(), minSize));
    Tensor order = BoxOps.batchedNms(sized.boxes(), sized.scores(), sized.labels(), nmsThresh);
    return sized.index(order.narrow(0, 0, Math.min(maxDetections, order.size(0))));
  }

  private Detections index(Tensor keep) {
    return new Detections(boxes.index_select(0, keep), scores.index_select(0, keep), labels.index_select(0, keep));
  }

  public int size() {
    return (int) scores.size(0);
  }

  @Override
  public String toString() {
    return "Detections[" + size() + " boxes " + Tensors.describe(boxes) + "]";
  }
}
