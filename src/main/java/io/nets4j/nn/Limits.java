package io.nets4j.nn;

/**
 * The resource limits every reader and command checks before it allocates, so that a mistyped
 * number or a hostile file ends in a clear error instead of an {@code OutOfMemoryError}, a hang or
 * an integer overflow. The values are generous for real data (see {@code docs/reliability.md}).
 */
public final class Limits {
  /** The most pixels of a decoded image (8192 x 8192). */
  public static final long MAX_IMAGE_PIXELS = 1L << 26;

  /**
   * The most pixels of an image a dense-prediction model (segmentation, detection) runs on at its
   * own size: 2,097,152, so a Full-HD frame (1920 x 1080) fits. Activations grow with the pixels
   * (a small FCN-8s needs about 330 bytes per pixel), so a 4096 x 4096 input would cost gigabytes.
   */
  public static final long MAX_DENSE_INPUT_PIXELS = 1L << 21;

  /** The largest side of the square a classifier input is resized or cropped to. */
  public static final int MAX_INPUT_SIDE = 4096;

  /** The most classes of a classifier (ImageNet-21k has 21,841). */
  public static final int MAX_CLASSES = 100_000;

  /** The most bytes of data one IDX file may declare (EMNIST ByClass, the largest, has 547 MB). */
  public static final long MAX_IDX_BYTES = 1L << 30;

  private Limits() {}
}
