package io.nets4j.data;

/**
 * An image as plain Java data: {@code channels x height x width} floats in row-major CHW order
 * (values in [0, 1] as decoded; transforms may normalise them). Samples stay in Java memory until
 * a loader collates a batch into one libtorch tensor, so data workers never touch native memory.
 *
 * @param data the pixel values, length {@code channels * height * width}
 * @param channels number of channels (1 grey, 3 RGB)
 * @param height rows
 * @param width columns
 */
public record Image(float[] data, int channels, int height, int width) {
  public Image {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException("invalid image size " + channels + "x" + height + "x" + width);
    }
    if (data.length != channels * height * width) {
      throw new IllegalArgumentException(data.length + " values do not fill a " + channels + "x" + height + "x"
          + width + " image");
    }
  }

  /** The value at channel {@code c}, row {@code y}, column {@code x}. */
  public float get(int c, int y, int x) {
    return data[(c * height + y) * width + x];
  }
}
