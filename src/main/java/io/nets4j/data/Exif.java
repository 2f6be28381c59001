package io.nets4j.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The orientation tag (0x0112) of EXIF data and the transposition {@code ImageOps.exif_transpose}
 * (Pillow 9.4) applies for it. The EXIF data of a JPEG file is its first APP1 segment that starts
 * with {@code "Exif\0"}, as PIL's JPEG plugin takes it; that of a PNG file is its {@code eXIf} chunk.
 * Both hold a TIFF structure (JEITA CP-3451, TIFF 6.0) whose first IFD holds the tag.
 */
final class Exif {
  private static final int ORIENTATION = 0x0112;

  private Exif() {}

  /** The TIFF structure of a JPEG stream's EXIF segment, or null if it has none before the image data. */
  static byte[] fromJpeg(InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    if (in.readUnsignedShort() != 0xFFD8) {
      return null;
    }
    try {
      while (true) {
        int b = in.readUnsignedByte();
        if (b != 0xFF) {
          return null; // not at a marker: the file is damaged, the decoder reports it
        }
        int marker = in.readUnsignedByte();
        while (marker == 0xFF) { // fill bytes
          marker = in.readUnsignedByte();
        }
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
          continue; // markers without a length
        }
        if (marker == 0xDA || marker == 0xD9) {
          return null; // start of scan or end of image: no EXIF in the header
        }
        int length = in.readUnsignedShort() - 2;
        if (length < 0) {
          return null;
        }
        byte[] segment = new byte[length];
        in.readFully(segment);
        if (marker == 0xE1 && length >= 6 && segment[0] == 'E' && segment[1] == 'x' && segment[2] == 'i'
            && segment[3] == 'f' && segment[4] == 0) {
          return Arrays.copyOfRange(segment, 6, length);
        }
      }
    } catch (EOFException e) {
      return null;
    }
  }

  /**
   * The orientation (1 to 8) in EXIF's TIFF structure {@code tiff}, or 1 (as stored) if the data
   * is absent, damaged or has no such tag.
   */
  static int orientation(byte[] tiff) {
    if (tiff == null || tiff.length < 8) {
      return 1;
    }
    boolean little;
    if (tiff[0] == 'I' && tiff[1] == 'I') {
      little = true;
    } else if (tiff[0] == 'M' && tiff[1] == 'M') {
      little = false;
    } else {
      return 1;
    }
    long ifd = u32(tiff, 4, little);
    if (ifd < 8 || ifd + 2 > tiff.length) {
      return 1;
    }
    int entries = u16(tiff, (int) ifd, little);
    for (int i = 0; i < entries; i++) {
      int e = (int) ifd + 2 + 12 * i;
      if (e + 12 > tiff.length) {
        return 1;
      }
      if (u16(tiff, e, little) == ORIENTATION) {
        int type = u16(tiff, e + 2, little);
        long value = switch (type) {
          case 3 -> u16(tiff, e + 8, little); // SHORT
          case 4 -> u32(tiff, e + 8, little); // LONG
          default -> 1;
        };
        return value >= 1 && value <= 8 ? (int) value : 1;
      }
    }
    return 1;
  }

  /** {@code ImageOps.exif_transpose}: the image turned and flipped so that it displays upright. */
  static RgbImage upright(RgbImage image, int orientation) {
    return switch (orientation) {
      case 2 -> image.transposed(RgbImage.Transpose.FLIP_LEFT_RIGHT);
      case 3 -> image.transposed(RgbImage.Transpose.ROTATE_180);
      case 4 -> image.transposed(RgbImage.Transpose.FLIP_TOP_BOTTOM);
      case 5 -> image.transposed(RgbImage.Transpose.TRANSPOSE);
      case 6 -> image.transposed(RgbImage.Transpose.ROTATE_270);
      case 7 -> image.transposed(RgbImage.Transpose.TRANSVERSE);
      case 8 -> image.transposed(RgbImage.Transpose.ROTATE_90);
      default -> image;
    };
  }

  private static int u16(byte[] b, int o, boolean little) {
    int x = b[o] & 0xff;
    int y = b[o + 1] & 0xff;
    return little ? x | (y << 8) : (x << 8) | y;
  }

  private static long u32(byte[] b, int o, boolean little) {
    long hi = u16(b, little ? o + 2 : o, little);
    long lo = u16(b, little ? o : o + 2, little);
    return (hi << 16) | lo;
  }
}
