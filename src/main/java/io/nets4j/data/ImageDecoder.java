package io.nets4j.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decodes image files into the 8-bit RGB pixels of PIL's {@code Image.open(f).convert("RGB")}
 * (Pillow 9.4), the input of torchvision's preprocessing.
 *
 * <p>PNG is decoded here, so every colour type and bit depth converts as PIL converts it (see
 * {@link PngDecoder}: 16-bit grey is clipped, 16-bit colour keeps the high byte, alpha and
 * transparency are dropped). JPEG (baseline, progressive, greyscale) goes through
 * {@code javax.imageio}, reading the decoded samples themselves, with no colour-profile
 * conversion, as PIL does; JPEG decoders round differently, so pixels may differ from PIL's
 * (libjpeg-turbo) by a few levels. Other formats (BMP, GIF, TIFF) are decoded by
 * {@code javax.imageio} as well. Every format's size is checked against {@link ImageFiles#MAX_PIXELS}
 * from its header before decoding.
 */
public final class ImageDecoder {
  /** Whether the EXIF orientation tag is applied. */
  public enum Orientation {
    /** The pixels as stored, as {@code PIL.Image.open} gives them (and so PyTorch's preprocessing). */
    AS_STORED,
    /**
     * Turned upright as {@code ImageOps.exif_transpose} does, by the orientation tag of a JPEG's
     * EXIF segment or a PNG's {@code eXIf} chunk.
     */
    EXIF
  }

  private ImageDecoder() {}

  /** The pixels of {@code file} as stored (EXIF orientation ignored, as {@code PIL.Image.open} does). */
  public static RgbImage read(Path file) {
    return read(file, Orientation.AS_STORED);
  }

  /**
   * The RGB pixels of {@code file}.
   *
   * @throws DatasetException naming the file if it is missing, in no format this can decode,
   *     larger than {@link ImageFiles#MAX_PIXELS}, truncated or corrupt
   */
  public static RgbImage read(Path file, Orientation orientation) {
    return read(file, orientation, ImageFiles.MAX_PIXELS);
  }

  /**
   * Like {@link #read(Path, Orientation)}, refusing from the header, before anything is decoded, an
   * image of more than {@code maxPixels} pixels (at most {@link ImageFiles#MAX_PIXELS}).
   */
  public static RgbImage read(Path file, Orientation orientation, long maxPixels) {
    if (maxPixels < 1 || maxPixels > ImageFiles.MAX_PIXELS) {
      throw new IllegalArgumentException("maxPixels must be in [1, " + ImageFiles.MAX_PIXELS + "], got " + maxPixels);
    }
    if (!Files.isRegularFile(file)) {
      throw new DatasetException(file, "no such image file");
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return decode(file, in, file.toFile(), orientation, maxPixels);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read the image file (" + e + ")", e);
    }
  }

  /**
   * The RGB pixels of an encoded image held in memory (an upload), as {@link #read(Path,
   * Orientation)} decodes a file; {@code name} stands for the file in error messages.
   *
   * @throws DatasetException naming {@code name} if the bytes are in no format this can decode,
   *     larger than {@link ImageFiles#MAX_PIXELS} (checked from the header, before decoding),
   *     truncated or corrupt
   */
  public static RgbImage decode(byte[] encoded, String name, Orientation orientation) {
    Path label = Path.of(name);
    try {
      return decode(label, new ByteArrayInputStream(encoded), new ByteArrayInputStream(encoded), orientation,
          ImageFiles.MAX_PIXELS);
    } catch (IOException e) {
      throw new DatasetException(label, "cannot read the image (" + e + ")", e);
    }
  }

  /** Decodes {@code in} (marked and reset for the signature); {@code source} is what javax.imageio reads. */
  private static RgbImage decode(Path file, InputStream in, Object source, Orientation orientation, long maxPixels)
      throws IOException {
    boolean exif = orientation == Orientation.EXIF;
    try {
      in.mark(16);
      byte[] head = in.readNBytes(8);
      in.reset();
      if (PngDecoder.isPng(head)) {
        PngDecoder.Decoded d = PngDecoder.decode(file, in, exif, maxPixels);
        return exif ? Exif.upright(d.image(), Exif.orientation(d.exif())) : d.image();
      }
      RgbImage image = fromBuffered(ImageFiles.decode(file, source, maxPixels));
      boolean jpeg = head.length >= 3 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8;
      return exif && jpeg ? Exif.upright(image, Exif.orientation(Exif.fromJpeg(in))) : image;
    } catch (EOFException e) {
      throw new DatasetException(file, "the image file is truncated", e);
    }
  }

  /**
   * The samples of a decoded image. Grey and RGB rasters of 8-bit samples are read directly:
   * {@code getRGB} would convert them through their colour space (a gamma curve for grey, an
   * embedded ICC profile for JPEG), which PIL does not do.
   */
  private static RgbImage fromBuffered(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] out = new byte[3 * w * h];
    Raster raster = img.getRaster();
    int type = img.getColorModel().getColorSpace().getType();
    boolean components = img.getColorModel() instanceof ComponentColorModel;
    int bands = raster.getNumBands();
    if (components && type == ColorSpace.TYPE_GRAY && bands <= 2) {
      int bits = img.getColorModel().getComponentSize(0);
      int max = (1 << bits) - 1;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int v = raster.getSample(x, y, 0);
          int i = 3 * (y * w + x);
          // wider grey as PIL opens it (mode I, clipped by convert("RGB")); narrower scaled up
          byte b = (byte) (bits > 8 ? Math.min(v, 255) : v * 255 / max);
          out[i] = out[i + 1] = out[i + 2] = b;
        }
      }
    } else if (components && type == ColorSpace.TYPE_RGB && bands >= 3
        && img.getColorModel().getComponentSize(0) == 8) {
      int[] row = new int[3 * w];
      for (int y = 0; y < h; y++) {
        for (int c = 0; c < 3; c++) {
          raster.getSamples(0, y, w, 1, c, row);
          for (int x = 0; x < w; x++) {
            out[3 * (y * w + x) + c] = (byte) row[x];
          }
        }
      }
    } else {
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        img.getRGB(0, y, w, 1, row, 0, w);
        for (int x = 0; x < w; x++) {
          int i = 3 * (y * w + x);
          out[i] = (byte) (row[x] >> 16);
          out[i + 1] = (byte) (row[x] >> 8);
          out[i + 2] = (byte) row[x];
        }
      }
    }
    return new RgbImage(w, h, out);
  }
}
