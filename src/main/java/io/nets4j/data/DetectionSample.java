package io.nets4j.data;

import java.util.List;

/**
 * An image with its objects: one {@link Box} and one class index per object. Index 0 is the
 * background class, as torchvision's detection models expect, so object labels start at 1.
 */
public record DetectionSample(Image image, List<Box> boxes, int[] labels) {
  public DetectionSample {
    boxes = List.copyOf(boxes);
    if (boxes.size() != labels.length) {
      throw new IllegalArgumentException(boxes.size() + " boxes but " + labels.length + " labels");
    }
  }
}
