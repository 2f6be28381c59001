package io.nets4j.data;

/**
 * An 8-bit RGB image as PIL holds one after {@code convert("RGB")}: {@code height} rows of
 * {@code width} pixels, each three bytes R, G, B (interleaved, row-major). Preprocessing that must
 * match PyTorch's works on these bytes, since PIL resizes and crops uint8 pixels and rounds after
 * every pass; converting to floats first would not round the same way.
 *
 * <p>The array is owned by the image: do not modify it after construction.
 *
 * @param width columns
 * @param height rows
 * @param pixels {@code 3 * width * height} bytes, unsigned
 */
public record RgbImage(int width, int height, byte[] pixels) {
  public RgbImage {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("invalid image size " + width + "x" + height);
    }
    if (pixels == null || pixels.length != 3L * width * height) {
      throw new IllegalArgumentException((pixels == null ? 0 : pixels.length) + " bytes do not fill a " + width
          + "x" + height + " RGB image");
    }
  }

  /** The sample (0..255) of channel {@code c} (0 red, 1 green, 2 blue) at column {@code x}, row {@code y}. */
  public int get(int x, int y, int c) {
    return pixels[3 * (y * width + x) + c] & 0xff;
  }

  /**
   * PIL's {@code Image.resize((width, height), filter)} of an RGB image (whole image, no reducing
   * gap): antialiased two-pass resampling in 8-bit fixed point, or PIL's nearest neighbour.
   */
  public RgbImage resized(int newWidth, int newHeight, Interpolation filter) {
    return PilResample.resize(this, newWidth, newHeight, filter);
  }

  /**
   * PIL's {@code Image.crop((left, top, left + w, top + h))}: the window may reach outside the
   * image, where it is black.
   */
  public RgbImage crop(int left, int top, int w, int h) {
    byte[] out = new byte[3 * w * h];
    int x0 = Math.max(0, left);
    int x1 = Math.min(width, left + w);
    for (int y = Math.max(0, top); y < Math.min(height, top + h); y++) {
      if (x1 > x0) {
        System.arraycopy(pixels, 3 * (y * width + x0), out, 3 * ((y - top) * w + x0 - left), 3 * (x1 - x0));
      }
    }
    return new RgbImage(w, h, out);
  }

  /**
   * torchvision's {@code F.center_crop(img, [h, w])} on a PIL image: an image smaller than the crop
   * is first padded with black ({@code (crop - size) // 2} before, the rest after), then the window
   * starts at {@code int(round((size - crop) / 2.0))}, Python's round (half to even).
   */
  public RgbImage centerCrop(int cropHeight, int cropWidth) {
    if (cropHeight < 1 || cropWidth < 1) {
      throw new IllegalArgumentException("crop size must be positive, got " + cropHeight + "x" + cropWidth);
    }
    RgbImage img = this;
    if (cropWidth > width || cropHeight > height) {
      int padLeft = cropWidth > width ? (cropWidth - width) / 2 : 0;
      int padTop = cropHeight > height ? (cropHeight - height) / 2 : 0;
      int padRight = cropWidth > width ? (cropWidth - width + 1) / 2 : 0;
      int padBottom = cropHeight > height ? (cropHeight - height + 1) / 2 : 0;
      img = crop(-padLeft, -padTop, width + padLeft + padRight, height + padTop + padBottom);
      if (img.width == cropWidth && img.height == cropHeight) {
        return img;
      }
    }
    int top = (int) Math.rint((img.height - cropHeight) / 2.0);
    int left = (int) Math.rint((img.width - cropWidth) / 2.0);
    return img.crop(left, top, cropWidth, cropHeight);
  }

  /** PIL's {@code Image.transpose(method)}: flips and quarter turns. */
  public RgbImage transposed(Transpose method) {
    boolean swap = method.swapsAxes();
    int w = swap ? height : width;
    int h = swap ? width : height;
    byte[] out = new byte[pixels.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int sx;
        int sy;
        switch (method) {
          case FLIP_LEFT_RIGHT -> { sx = width - 1 - x; sy = y; }
          case FLIP_TOP_BOTTOM -> { sx = x; sy = height - 1 - y; }
          case ROTATE_180 -> { sx = width - 1 - x; sy = height - 1 - y; }
          case ROTATE_90 -> { sx = width - 1 - y; sy = x; }
          case ROTATE_270 -> { sx = y; sy = height - 1 - x; }
          case TRANSPOSE -> { sx = y; sy = x; }
          case TRANSVERSE -> { sx = width - 1 - y; sy = height - 1 - x; }
          default -> throw new AssertionError(method);
        }
        System.arraycopy(pixels, 3 * (sy * width + sx), out, 3 * (y * w + x), 3);
      }
    }
    return new RgbImage(w, h, out);
  }

  /** The image as a 3-channel {@link Image} with values {@code v / 255} in [0, 1]. */
  public Image toImage() {
    int plane = width * height;
    float[] data = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        data[c * plane + i] = (pixels[3 * i + c] & 0xff) / 255f;
      }
    }
    return new Image(data, 3, height, width);
  }

  /** PIL's transpose methods ({@code Image.Transpose}); the rotations are counter-clockwise. */
  public enum Transpose {
    FLIP_LEFT_RIGHT,
    FLIP_TOP_BOTTOM,
    ROTATE_90,
    ROTATE_180,
    ROTATE_270,
    TRANSPOSE,
    TRANSVERSE;

    boolean swapsAxes() {
      return this == ROTATE_90 || this == ROTATE_270 || this == TRANSPOSE || this == TRANSVERSE;
    }
  }
}
