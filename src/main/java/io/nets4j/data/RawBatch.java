package io.nets4j.data;

import io.nets4j.tensor.Tensors;

/**
 * A batch as Java arrays, before collation into tensors: what loader workers produce.
 *
 * @param images {@code N x C x H x W} values, row-major
 * @param labels the class indices
 * @param indices the data set index of each sample
 * @param channels C
 * @param height H
 * @param width W
 */
public record RawBatch(float[] images, long[] labels, int[] indices, int channels, int height, int width) {
  public RawBatch {
    if (labels.length != indices.length || (long) labels.length * channels * height * width != images.length) {
      throw new IllegalArgumentException(images.length + " values and " + labels.length + " labels do not make a batch"
          + " of " + indices.length + " images of " + channels + "x" + height + "x" + width);
    }
  }

  public int size() {
    return labels.length;
  }

  /** The image of sample {@code i} of the batch. */
  public Image image(int i) {
    int n = channels * height * width;
    float[] data = new float[n];
    System.arraycopy(images, i * n, data, 0, n);
    return new Image(data, channels, height, width);
  }

  /** Copies the arrays into tensors owned by the current thread's innermost open {@code Scope}. */
  public Batch toBatch() {
    return new Batch(Tensors.fromFloats(images, labels.length, channels, height, width),
        Tensors.fromLongs(labels, labels.length), indices);
  }
}
