package io.nets4j.detection;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Detections of one image: {@code boxes [K, 4]} (x1, y1, x2, y2), {@code scores [K]} and int64
 * class {@code labels [K]}, by decreasing score.
 */
public record Detections(Tensor boxes, Tensor scores, Tensor labels) {
  public int size() {
    return (int) scores.size(0);
  }

  @Override
  public String toString() {
    return "Detections[" + size() + " boxes " + Tensors.describe(boxes) + "]";
  }
}
