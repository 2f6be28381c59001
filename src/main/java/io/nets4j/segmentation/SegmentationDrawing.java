package io.nets4j.segmentation;

import io.nets4j.data.Image;
import java.util.Arrays;
import java.util.List;

/**
 * Pictures of segmentations: a class mask blended over its image in Pascal VOC's palette (the
 * colours of the VOC devkit's {@code labelcolormap}), panels side by side, and nearest-neighbour
 * magnification so that small scenes can be seen.
 */
public final class SegmentationDrawing {
  /** White columns between panels. */
  static final int GAP = 2;

  private SegmentationDrawing() {}

  /**
   * {@code image} with every non-background pixel (class other than 0) blended half-and-half with
   * its class colour; a one-channel image is drawn as grey.
   *
   * @param mask one class per pixel, row-major, {@code height * width} of them
   */
  public static Image overlay(Image image, int[] mask) {
    int plane = image.height() * image.width();
    if (mask.length != plane) {
      throw new IllegalArgumentException("the mask has " + mask.length + " pixels, the " + image.width() + "x"
          + image.height() + " image " + plane);
    }
    float[] out = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      int c = mask[i];
      if (c < 0) {
        throw new IllegalArgumentException("negative class " + c + " at pixel " + i + " of the mask");
      }
      for (int ch = 0; ch < 3; ch++) {
        float v = image.data()[(image.channels() == 3 ? ch : 0) * plane + i];
        out[ch * plane + i] = c == 0 ? v : 0.5f * v + 0.5f * colour(c, ch);
      }
    }
    return new Image(out, 3, image.height(), image.width());
  }

  /**
   * Channel {@code channel} (0 R, 1 G, 2 B) of class {@code c}'s colour in [0, 1], Pascal VOC's
   * palette: the bits of the class index spread over the high bits of R, G and B.
   */
  public static float colour(int c, int channel) {
    int v = 0;
    int bits = c;
    for (int shift = 7; shift >= 0 && bits > 0; shift--) {
      v |= ((bits >> channel) & 1) << shift;
      bits >>= 3;
    }
    return v / 255f;
  }

  /** Images of one height next to each other as RGB, separated by 2 white columns. */
  public static Image sideBySide(List<Image> images) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no images to put side by side");
    }
    int h = images.get(0).height();
    for (Image im : images) {
      if (im.height() != h) {
        throw new IllegalArgumentException("panels side by side need one height, got " + h + " and " + im.height());
      }
    }
    int w = images.stream().mapToInt(Image::width).sum() + GAP * (images.size() - 1);
    float[] out = new float[3 * h * w];
    Arrays.fill(out, 1f);
    int x0 = 0;
    for (Image im : images) {
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < im.width(); x++) {
            out[(c * h + y) * w + x0 + x] = im.get(im.channels() == 3 ? c : 0, y, x);
          }
        }
      }
      x0 += im.width() + GAP;
    }
    return new Image(out, 3, h, w);
  }

  /** Each pixel repeated {@code f x f} times (nearest neighbour). */
  public static Image magnify(Image im, int f) {
    if (f < 1) {
      throw new IllegalArgumentException("magnification must be positive, got " + f);
    }
    int h = im.height() * f;
    int w = im.width() * f;
    float[] out = new float[im.channels() * h * w];
    for (int c = 0; c < im.channels(); c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          out[(c * h + y) * w + x] = im.get(c, y / f, x / f);
        }
      }
    }
    return new Image(out, im.channels(), h, w);
  }

  /** image | ground truth over it | prediction over it, magnified {@code scale} times. */
  public static Image comparison(Image image, int[] truth, int[] prediction, int scale) {
    return magnify(sideBySide(List.of(image, overlay(image, truth), overlay(image, prediction))), scale);
  }
}
