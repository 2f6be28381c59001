package io.nets4j.data;

/**
 * An image with its per-pixel class map: {@code mask[y * width + x]} is the class of that pixel,
 * 0 for background.
 */
public record SegmentationSample(Image image, int[] mask) {
  public SegmentationSample {
    if (mask.length != image.height() * image.width()) {
      throw new IllegalArgumentException("mask of " + mask.length + " values for a " + image.height() + "x"
          + image.width() + " image");
    }
  }
}
