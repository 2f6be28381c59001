package io.nets4j.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * Decodes a PNG file (ISO/IEC 15948, every colour type, bit depth and Adam7 interlacing) into the
 * bytes that Pillow 9.4's {@code Image.open(f).convert("RGB")} produces, which are not always the
 * obvious ones:
 *
 * <ul>
 *   <li>grey of 1, 2 and 4 bits is scaled to 0..255 ({@code L;2} unpacks {@code v * 0x55});
 *   <li>16-bit grey opens as mode {@code I} (the full 0..65535 value) and {@code I -> RGB} clips it
 *       to 0..255, it does not scale: all but the darkest levels become white;
 *   <li>16-bit RGB, RGBA and grey+alpha keep the high byte of each sample;
 *   <li>alpha is dropped without compositing, transparency ({@code tRNS}) is ignored;
 *   <li>a palette index past the {@code PLTE} entries reads PIL's default palette, the grey ramp
 *       {@code (i, i, i)}.
 * </ul>
 *
 * The size is checked against a pixel limit (at most {@link ImageFiles#MAX_PIXELS}) from the header before any pixel data
 * is inflated, and the pixel data is inflated row by row, so memory stays at the output image.
 */
final class PngDecoder {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  private static final int[][] ADAM7 = {
      {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

  private PngDecoder() {}

  /** The decoded image and the TIFF-structured EXIF data of an {@code eXIf} chunk, or null. */
  record Decoded(RgbImage image, byte[] exif) {}

  static boolean isPng(byte[] head) {
    return head.length >= SIGNATURE.length && Arrays.equals(Arrays.copyOf(head, SIGNATURE.length), SIGNATURE);
  }

  /**
   * Decodes the PNG in {@code in}; {@code wantExif} also reads the chunks after the image data
   * (where an {@code eXIf} chunk may be), tolerating a file cut after the image data as PIL does.
   */
  static Decoded decode(Path file, InputStream in, boolean wantExif, long maxPixels) throws IOException {
    Chunks chunks = new Chunks(file, new DataInputStream(in));
    byte[] signature = new byte[SIGNATURE.length];
    chunks.in.readFully(signature);
    if (!isPng(signature)) {
      throw new DatasetException(file, "not a PNG file (bad signature)");
    }
    Header h = Header.read(file, chunks, maxPixels);
    byte[] palette = null;
    byte[] exif = null;
    while (true) {
      chunks.next();
      String type = chunks.type;
      if (type.equals("IDAT")) {
        break;
      }
      byte[] data = chunks.data();
      switch (type) {
        case "PLTE" -> {
          if (data.length % 3 != 0 || data.length > 3 * 256) {
            throw new DatasetException(file, "PNG palette of " + data.length + " bytes is not 1 to 256 RGB entries");
          }
          palette = data;
        }
        case "eXIf" -> exif = data;
        case "IEND" -> throw new DatasetException(file, "PNG file has no image data (IDAT)");
        default -> {
          // ancillary chunks (gAMA, iCCP, tRNS, text, ...) do not change PIL's RGB bytes
        }
      }
    }
    if (h.colorType == 3 && palette == null) {
      throw new DatasetException(file, "palette PNG has no PLTE chunk");
    }
    RgbImage image;
    IdatStream idat = new IdatStream(chunks);
    try (InputStream pixels = new InflaterInputStream(idat)) {
      image = h.decodePixels(file, new DataInputStream(pixels), palette);
      if (wantExif && exif == null) {
        exif = trailingExif(chunks, idat);
      }
    } catch (ZipException e) {
      throw new DatasetException(file, "corrupt PNG image data (" + e.getMessage() + ")", e);
    } catch (EOFException e) {
      throw new DatasetException(file, "PNG image data is truncated", e);
    }
    return new Decoded(image, exif);
  }

  private static byte[] trailingExif(Chunks chunks, IdatStream idat) throws IOException {
    try {
      idat.skipRest();
      while (!chunks.type.equals("IEND")) {
        chunks.next();
        byte[] data = chunks.data();
        if (chunks.type.equals("eXIf")) {
          return data;
        }
      }
    } catch (EOFException | DatasetException e) {
      // PIL reads the chunks after the image data leniently: a cut or broken tail keeps the image
    }
    return null;
  }

  /** The IHDR fields. */
  private record Header(int width, int height, int bitDepth, int colorType, boolean interlaced) {
    static Header read(Path file, Chunks chunks, long maxPixels) throws IOException {
      chunks.next();
      if (!chunks.type.equals("IHDR") || chunks.length != 13) {
        throw new DatasetException(file, "PNG file does not start with a 13-byte IHDR chunk");
      }
      byte[] d = chunks.dataUnchecked();
      long w = be32(d, 0);
      long h = be32(d, 4);
      if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
        throw new DatasetException(file, "PNG size " + w + "x" + h + " is invalid");
      }
      // the bound comes before the checksum, so a damaged size field still names the size
      ImageFiles.checkPixels(file, w, h, maxPixels);
      chunks.checkCrc(d);
      int depth = d[8] & 0xff;
      int color = d[9] & 0xff;
      boolean ok = switch (color) {
        case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
        case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
        case 2, 4, 6 -> depth == 8 || depth == 16;
        default -> false;
      };
      if (!ok) {
        throw new DatasetException(file, "unsupported PNG colour type " + color + " with bit depth " + depth);
      }
      if (d[10] != 0 || d[11] != 0 || (d[12] & 0xff) > 1) {
        throw new DatasetException(file, "unknown PNG compression, filter or interlace method ("
            + d[10] + ", " + d[11] + ", " + d[12] + ")");
      }
      return new Header((int) w, (int) h, depth, color, d[12] == 1);
    }

    int channels() {
      return switch (colorType) {
        case 2 -> 3;
        case 4 -> 2;
        case 6 -> 4;
        default -> 1;
      };
    }

    RgbImage decodePixels(Path file, DataInputStream in, byte[] palette) throws IOException {
      byte[] out = new byte[3 * width * height];
      int bitsPerPixel = channels() * bitDepth;
      int bpp = Math.max(1, bitsPerPixel / 8);
      int[][] passes = interlaced ? ADAM7 : new int[][] {{0, 0, 1, 1}};
      byte[] lut = levels(palette);
      for (int[] p : passes) {
        int pw = width > p[0] ? (width - p[0] + p[2] - 1) / p[2] : 0;
        int ph = height > p[1] ? (height - p[1] + p[3] - 1) / p[3] : 0;
        if (pw == 0 || ph == 0) {
          continue;
        }
        int rowBytes = (int) (((long) pw * bitsPerPixel + 7) / 8);
        byte[] prev = new byte[rowBytes];
        byte[] row = new byte[rowBytes];
        for (int j = 0; j < ph; j++) {
          int filter = in.readUnsignedByte();
          in.readFully(row);
          unfilter(file, filter, row, prev, bpp);
          int y = p[1] + j * p[3];
          for (int i = 0; i < pw; i++) {
            store(row, i, out, 3 * (y * width + p[0] + i * p[2]), lut);
          }
          byte[] t = prev;
          prev = row;
          row = t;
        }
      }
      return new RgbImage(width, height, out);
    }

    /**
     * The RGB bytes of each grey level or palette index (grey of fewer than 16 bits and palettes),
     * 3 bytes per entry; null for the other types, which are converted sample by sample.
     */
    private byte[] levels(byte[] palette) {
      if (colorType == 3) {
        byte[] lut = new byte[3 * 256];
        for (int i = 0; i < 256; i++) {
          Arrays.fill(lut, 3 * i, 3 * i + 3, (byte) i); // PIL's default palette, the grey ramp
        }
        System.arraycopy(palette, 0, lut, 0, palette.length);
        return lut;
      }
      if (colorType == 0 && bitDepth < 16) {
        int max = (1 << bitDepth) - 1;
        byte[] lut = new byte[3 * (max + 1)];
        for (int v = 0; v <= max; v++) {
          Arrays.fill(lut, 3 * v, 3 * v + 3, (byte) (v * 255 / max));
        }
        return lut;
      }
      return null;
    }

    private void store(byte[] row, int i, byte[] out, int o, byte[] lut) {
      if (lut != null) {
        int shift = bitDepth * i;
        int v = ((row[shift >> 3] & 0xff) >> (8 - bitDepth - (shift & 7))) & ((1 << bitDepth) - 1);
        System.arraycopy(lut, 3 * v, out, o, 3);
        return;
      }
      int step = bitDepth / 8;
      int s = i * channels() * step;
      if (colorType == 0) { // 16-bit grey: mode I, clipped by I -> RGB
        int v = Math.min(255, ((row[s] & 0xff) << 8) | (row[s + 1] & 0xff));
        out[o] = out[o + 1] = out[o + 2] = (byte) v;
      } else if (colorType == 4) { // grey and alpha: alpha dropped, high byte
        out[o] = out[o + 1] = out[o + 2] = row[s];
      } else { // RGB and RGBA: alpha dropped, high byte of 16-bit samples
        out[o] = row[s];
        out[o + 1] = row[s + step];
        out[o + 2] = row[s + 2 * step];
      }
    }
  }

  private static void unfilter(Path file, int filter, byte[] row, byte[] prev, int bpp) {
    int n = row.length;
    switch (filter) {
      case 0 -> { }
      case 1 -> {
        for (int i = bpp; i < n; i++) {
          row[i] += row[i - bpp];
        }
      }
      case 2 -> {
        for (int i = 0; i < n; i++) {
          row[i] += prev[i];
        }
      }
      case 3 -> {
        for (int i = 0; i < n; i++) {
          int left = i >= bpp ? row[i - bpp] & 0xff : 0;
          row[i] += (byte) ((left + (prev[i] & 0xff)) >> 1);
        }
      }
      case 4 -> {
        for (int i = 0; i < n; i++) {
          int a = i >= bpp ? row[i - bpp] & 0xff : 0;
          int b = prev[i] & 0xff;
          int c = i >= bpp ? prev[i - bpp] & 0xff : 0;
          int p = a + b - c;
          int pa = Math.abs(p - a);
          int pb = Math.abs(p - b);
          int pc = Math.abs(p - c);
          row[i] += (byte) (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
      }
      default -> throw new DatasetException(file, "corrupt PNG image data (unknown row filter " + filter + ")");
    }
  }

  private static long be32(byte[] d, int o) {
    return ((d[o] & 0xffL) << 24) | ((d[o + 1] & 0xff) << 16) | ((d[o + 2] & 0xff) << 8) | (d[o + 3] & 0xff);
  }

  /** Reads chunk headers, data and checksums. */
  private static final class Chunks {
    final Path file;
    final DataInputStream in;
    final CRC32 crc = new CRC32();
    String type;
    int length;

    Chunks(Path file, DataInputStream in) {
      this.file = file;
      this.in = in;
    }

    /** Reads the next chunk's length and type; its data is read by {@link #data} or by {@link IdatStream}. */
    void next() throws IOException {
      long n = in.readInt() & 0xffffffffL;
      byte[] t = new byte[4];
      in.readFully(t);
      if (n > Integer.MAX_VALUE) {
        throw new DatasetException(file, "PNG chunk length " + n + " is larger than 2^31 - 1");
      }
      for (byte b : t) {
        if (!Character.isLetter(b)) {
          throw new DatasetException(file, "corrupt PNG file (invalid chunk type)");
        }
      }
      type = new String(t, StandardCharsets.ISO_8859_1);
      length = (int) n;
      crc.reset();
      crc.update(t);
    }

    byte[] data() throws IOException {
      byte[] d = dataUnchecked();
      checkCrc(d);
      return d;
    }

    byte[] dataUnchecked() throws IOException {
      if (length > 1 << 26) {
        throw new DatasetException(file, "PNG " + type + " chunk of " + length + " bytes is too large");
      }
      byte[] d = new byte[length];
      in.readFully(d);
      return d;
    }

    void checkCrc(byte[] d) throws IOException {
      crc.update(d);
      checkCrc();
    }

    void checkCrc() throws IOException {
      if ((in.readInt() & 0xffffffffL) != crc.getValue()) {
        throw new DatasetException(file, "corrupt PNG file (bad checksum in the " + type + " chunk)");
      }
    }
  }

  /** The data of consecutive IDAT chunks as one stream, checksums verified at each chunk's end. */
  private static final class IdatStream extends InputStream {
    private final Chunks chunks;
    private int left;

    IdatStream(Chunks chunks) {
      this.chunks = chunks;
      this.left = chunks.length;
    }

    /** Reads past the image data that the inflater did not need, to the chunk after the last IDAT. */
    void skipRest() throws IOException {
      byte[] b = new byte[8192];
      while (read(b, 0, b.length) >= 0) {
        // discard
      }
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (left == 0) {
        if (!chunks.type.equals("IDAT")) {
          return -1;
        }
        chunks.checkCrc();
        chunks.next();
        left = chunks.type.equals("IDAT") ? chunks.length : 0;
        if (!chunks.type.equals("IDAT")) {
          // leave the next chunk's data unread for the caller
          return -1;
        }
      }
      int n = chunks.in.read(b, off, Math.min(len, left));
      if (n < 0) {
        throw new EOFException("PNG IDAT chunk is truncated");
      }
      chunks.crc.update(b, off, n);
      left -= n;
      return n;
    }
  }
}
