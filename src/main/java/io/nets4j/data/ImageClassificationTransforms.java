package io.nets4j.data;

import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * The evaluation preprocessing that a published classification weight expects, as torchvision's
 * {@code ImageClassification} preset (and timm's eval transforms) define it: resize the shorter
 * side to {@code resizeSize} with {@code interpolation} (PIL, antialiased, on uint8 pixels), centre
 * crop {@code cropSize} x {@code cropSize}, scale to [0, 1], normalise by {@code mean} and {@code std}.
 *
 * <p>{@link #apply} computes exactly what {@code weights.transforms()(PIL.Image.open(f).convert("RGB"))}
 * computes with torchvision 0.14 and Pillow 9.4, given the pixels of {@link ImageDecoder}: PIL's
 * resampling on the uint8 pixels ({@link RgbImage#resized}), torchvision's size rule
 * ({@link #resizedSize}) and centre crop ({@link RgbImage#centerCrop}), then in float32
 * {@code v / 255}, {@code - mean}, {@code / std}, the order and precision of torchvision's tensor ops.
 *
 * @param resizeSize the shorter side after resizing (torchvision's {@code resize_size})
 * @param cropSize the side of the square centre crop (torchvision's {@code crop_size})
 * @param interpolation the resampling filter
 * @param mean per-channel mean (RGB), subtracted after scaling to [0, 1]
 * @param std per-channel standard deviation (RGB)
 */
public record ImageClassificationTransforms(int resizeSize, int cropSize, Interpolation interpolation, double[] mean,
    double[] std) {
  /** ImageNet's channel statistics, which almost every published weight uses. */
  public static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
  public static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

  public ImageClassificationTransforms {
    if (resizeSize < 1 || cropSize < 1) {
      throw new IllegalArgumentException("resize and crop sizes must be positive, got resize " + resizeSize
          + " and crop " + cropSize);
    }
    if (cropSize > resizeSize) {
      throw new IllegalArgumentException("crop " + cropSize + " is larger than the resized shorter side " + resizeSize);
    }
    if (interpolation == null) {
      throw new IllegalArgumentException("interpolation is required");
    }
    if (mean == null || std == null || mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("mean and std need 3 values (RGB)");
    }
    for (double s : std) {
      if (!(s > 0) || Double.isInfinite(s)) {
        throw new IllegalArgumentException("std values must be positive and finite, got " + Arrays.toString(std));
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** torchvision's {@code ImageClassification(crop_size, resize_size, interpolation)} with ImageNet statistics. */
  public static ImageClassificationTransforms imagenet(int resizeSize, int cropSize, Interpolation interpolation) {
    return new ImageClassificationTransforms(resizeSize, cropSize, interpolation, IMAGENET_MEAN, IMAGENET_STD);
  }

  /**
   * torchvision's {@code Resize(shorter)} size rule for a {@code width x height} image: the shorter
   * side becomes {@code shorter}, the longer {@code int(shorter * long / short)} (truncated).
   *
   * @return {@code {newWidth, newHeight}}
   */
  public static int[] resizedSize(int width, int height, int shorter) {
    int shortSide = Math.min(width, height);
    int longSide = Math.max(width, height);
    int newLong = (int) ((double) ((long) shorter * longSide) / shortSide);
    return width <= height ? new int[] {shorter, newLong} : new int[] {newLong, shorter};
  }

  /** The resized and centre-cropped pixels, {@code cropSize x cropSize}. */
  public RgbImage resizeAndCrop(RgbImage image) {
    int[] size = resizedSize(image.width(), image.height(), resizeSize);
    return image.resized(size[0], size[1], interpolation).centerCrop(cropSize, cropSize);
  }

  /** The preprocessed image as float32 in CHW order, {@code 3 x cropSize x cropSize}. */
  public float[] apply(RgbImage image) {
    return normalize(resizeAndCrop(image));
  }

  /** The preprocessed image as a libtorch tensor {@code [1, 3, cropSize, cropSize]} (float32). */
  public Tensor tensor(RgbImage image) {
    return Tensors.fromFloats(apply(image), 1, 3, cropSize, cropSize);
  }

  /** {@code v / 255}, then {@code (x - mean) / std}, each rounded to float32 as torchvision's tensors are. */
  private float[] normalize(RgbImage image) {
    int plane = image.width() * image.height();
    float[] out = new float[3 * plane];
    byte[] px = image.pixels();
    for (int c = 0; c < 3; c++) {
      float m = (float) mean[c];
      float s = (float) std[c];
      for (int i = 0; i < plane; i++) {
        out[c * plane + i] = ((px[3 * i + c] & 0xff) / 255f - m) / s;
      }
    }
    return out;
  }

  @Override
  public double[] mean() {
    return mean.clone();
  }

  @Override
  public double[] std() {
    return std.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageClassificationTransforms t && t.resizeSize == resizeSize && t.cropSize == cropSize
        && t.interpolation == interpolation && Arrays.equals(t.mean, mean) && Arrays.equals(t.std, std);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * resizeSize + cropSize) + interpolation.hashCode()) + Arrays.hashCode(mean) * 7
        + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "resize " + resizeSize + " (" + interpolation.label() + "), crop " + cropSize + ", mean "
        + Arrays.toString(mean) + ", std " + Arrays.toString(std);
  }
}
