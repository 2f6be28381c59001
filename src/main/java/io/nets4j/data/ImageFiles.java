package io.nets4j.data;

import io.nets4j.nn.Limits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/** Reading image files (PNG, JPEG, BMP, GIF, TIFF through {@code javax.imageio}) and writing PNGs. */
public final class ImageFiles {
  /**
   * The largest image decoded, in pixels (8192 x 8192). The size is read from the header before
   * decoding, so a file that claims to be enormous fails with a clear error, not an OutOfMemoryError.
   */
  public static final long MAX_PIXELS = Limits.MAX_IMAGE_PIXELS;

  private ImageFiles() {}

  /**
   * Decodes an image file into a 3-channel RGB {@link Image} with values in [0, 1]: the pixels of
   * PIL's {@code Image.open(file).convert("RGB")} (see {@link ImageDecoder}) divided by 255.
   *
   * @throws DatasetException naming the file if it is missing, in no format this can decode,
   *     larger than {@link #MAX_PIXELS}, or does not decode
   */
  public static Image readRgb(Path file) {
    return ImageDecoder.read(file).toImage();
  }

  /**
   * Like {@link #readRgb(Path)}, refusing an image of more than {@code maxPixels} pixels from its
   * header, before decoding (e.g. {@link Limits#MAX_DENSE_INPUT_PIXELS} for a segmentation input).
   */
  public static Image readRgb(Path file, long maxPixels) {
    return ImageDecoder.read(file, ImageDecoder.Orientation.AS_STORED, maxPixels).toImage();
  }

  /** Refuses a {@code w x h} image above {@code maxPixels}, saying how far to downscale it. */
  static void checkPixels(Path file, long w, long h, long maxPixels) {
    if (w * h > maxPixels) {
      double scale = Math.sqrt((double) maxPixels / (w * h));
      throw new DatasetException(file, String.format(Locale.ROOT, "image of %dx%d pixels is larger than"
          + " the limit of %d pixels here; downscale it (to about %dx%d) first", w, h, maxPixels,
          (long) Math.floor(w * scale), (long) Math.floor(h * scale)));
    }
  }

  /**
   * Decodes {@code source} (a {@code File} or an {@code InputStream}, as {@code
   * ImageIO.createImageInputStream} takes) through {@code javax.imageio}, its size checked against
   * {@code maxPixels} from the header first; {@code file} names it in errors.
   */
  static BufferedImage decode(Path file, Object source, long maxPixels) {
    if (source instanceof File f && !f.isFile()) {
      throw new DatasetException(file, "no such image file");
    }
    // bytes in memory need no disk cache (ImageIO's default writes a temporary file per stream)
    try (ImageInputStream in = source instanceof InputStream stream ? new MemoryCacheImageInputStream(stream)
        : ImageIO.createImageInputStream(source)) {
      if (in == null) {
        throw new DatasetException(file, "cannot open the image file");
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new DatasetException(file, "not an image in a format this JVM can decode (PNG, JPEG, BMP, GIF, TIFF)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        checkPixels(file, reader.getWidth(0), reader.getHeight(0), maxPixels);
        BufferedImage img = reader.read(0);
        if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
          throw new DatasetException(file, "the image decodes to nothing");
        }
        return img;
      } finally {
        reader.dispose();
      }
    } catch (DatasetException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Decoders signal corrupt data with IIOException but also with unchecked exceptions.
      throw new DatasetException(file, "cannot decode the image (" + e + ")", e);
    }
  }

  /**
   * Writes a 1- or 3-channel image as an 8-bit PNG, clamping values to [0, 1]. Useful to look at
   * what a data set or a transform produces.
   */
  public static void writePng(Image image, Path file) {
    if (image.channels() != 1 && image.channels() != 3) {
      throw new IllegalArgumentException("can write 1- or 3-channel images, not " + image.channels() + " channels");
    }
    int w = image.width();
    int h = image.height();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = byteOf(image.get(0, y, x));
        int g = image.channels() == 3 ? byteOf(image.get(1, y, x)) : r;
        int b = image.channels() == 3 ? byteOf(image.get(2, y, x)) : r;
        out.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    // encoded in memory first: ImageIO.write(File) prints a stack trace itself when it cannot create the file
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(out, "png", png)) {
        throw new DatasetException(file, "no PNG writer available");
      }
      Files.write(file, png.toByteArray());
    } catch (IOException e) {
      throw new DatasetException(file, "cannot write (" + e + ")", e);
    }
  }

  private static int byteOf(float v) {
    return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
  }
}
