package io.nets4j.data;

import io.nets4j.nn.Limits;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads an IDX file of unsigned bytes (the MNIST format), plain or gzipped (told apart by the
 * gzip magic bytes). A header is trusted only as far as the file backs it: a plain file's length
 * must match the promised size before anything is allocated, and a gzipped payload is read into a
 * buffer that grows with the data actually present, so a lying header cannot exhaust memory. The
 * declared size is bounded by {@link Limits#MAX_IDX_BYTES}, and decompression stops there too.
 */
final class IdxFile {
  private static final int UNSIGNED_BYTE = 0x08;

  /** The dimensions and the payload (row-major) of an IDX file. */
  record Contents(int[] dims, byte[] data) {}

  private IdxFile() {}

  static Contents read(Path file, int expectedDims) {
    return read(file, expectedDims, null);
  }

  /**
   * Reads only the records (entries along the first dimension) at {@code records}, ascending
   * indices, or all of them if it is {@code null}: a subset needs memory for itself only. The whole
   * file is still checked against its header.
   */
  static Contents read(Path file, int expectedDims, int[] records) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new DatasetException(file, "no such file");
      }
      return isGzip(file) ? readGzip(file, expectedDims, records) : readPlain(file, expectedDims, records);
    } catch (NoSuchFileException e) {
      throw new DatasetException(file, "no such file", e);
    } catch (ZipException | EOFException e) {
      throw new DatasetException(file, "corrupt or truncated gzip data (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read (" + e + ")", e);
    }
  }

  static boolean isGzip(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  private static Contents readPlain(Path file, int expectedDims, int[] records) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      int headerSize = 4 + 4 * expectedDims;
      ByteBuffer header = ByteBuffer.allocate(headerSize);
      if (fileSize >= 4) {
        header.limit(4);
        readFully(file, ch, header, 0);
        checkMagic(file, header.getInt(0), expectedDims);
      }
      if (fileSize < headerSize) {
        throw new DatasetException(file, "truncated: " + fileSize + " bytes cannot hold the " + headerSize
            + "-byte header of a " + expectedDims + "-dimensional IDX file");
      }
      header.limit(headerSize);
      readFully(file, ch, header, 4);
      header.flip();
      int[] dims = parseHeader(file, header, expectedDims);
      long payload = payloadSize(file, dims);
      long expected = headerSize + payload;
      if (fileSize < expected) {
        throw new DatasetException(file, "truncated: the header " + Arrays.toString(dims) + " promises " + payload
            + " bytes of data from offset " + headerSize + ", but the file has only " + (fileSize - headerSize));
      }
      if (fileSize > expected) {
        throw new DatasetException(file, (fileSize - expected) + " unexpected bytes after the data (offset "
            + expected + "); the header " + Arrays.toString(dims) + " does not describe this file");
      }
      if (records == null) {
        byte[] data = new byte[(int) payload];
        readFully(file, ch, ByteBuffer.wrap(data), headerSize);
        return new Contents(dims, data);
      }
      int record = recordSize(file, dims, records);
      byte[] data = new byte[records.length * record];
      for (int i = 0; i < records.length; i++) {
        readFully(file, ch, ByteBuffer.wrap(data, i * record, record), headerSize + (long) records[i] * record);
      }
      return new Contents(kept(dims, records), data);
    }
  }

  private static Contents readGzip(Path file, int expectedDims, int[] records) throws IOException {
    try (DataInputStream in = new DataInputStream(
        new BufferedInputStream(new GZIPInputStream(Files.newInputStream(file), 1 << 16), 1 << 16))) {
      int headerSize = 4 + 4 * expectedDims;
      byte[] headerBytes = new byte[headerSize];
      int got = in.readNBytes(headerBytes, 0, headerSize);
      if (got >= 4) {
        checkMagic(file, ByteBuffer.wrap(headerBytes).getInt(), expectedDims);
      }
      if (got < headerSize) {
        throw new DatasetException(file, "truncated: the decompressed data has " + got + " bytes, less than the "
            + headerSize + "-byte header of a " + expectedDims + "-dimensional IDX file");
      }
      int[] dims = parseHeader(file, ByteBuffer.wrap(headerBytes), expectedDims);
      long payload = payloadSize(file, dims);
      if (records != null) {
        return readGzipRecords(file, in, dims, payload, records);
      }
      byte[] data = new byte[(int) Math.min(payload, 1 << 20)];
      int filled = 0;
      while (filled < payload) {
        if (filled == data.length) {
          // grow by half, not double, so the copy peaks near 2.5x the data read rather than 3x
          data = Arrays.copyOf(data, (int) Math.min(payload, data.length + (data.length >> 1)));
        }
        int n = in.read(data, filled, data.length - filled);
        if (n < 0) {
          throw new DatasetException(file, "truncated: the header " + Arrays.toString(dims) + " promises " + payload
              + " bytes of data, but the decompressed data ends after " + filled);
        }
        filled += n;
      }
      if (in.read() >= 0) {
        throw new DatasetException(file, "unexpected data after the " + payload + " bytes that the header "
            + Arrays.toString(dims) + " describes");
      }
      return new Contents(dims, data);
    }
  }

  /** The selected records of a gzipped file, streaming past the others. */
  private static Contents readGzipRecords(Path file, DataInputStream in, int[] dims, long payload, int[] records)
      throws IOException {
    int record = recordSize(file, dims, records);
    byte[] data = new byte[records.length * record];
    byte[] skip = new byte[Math.max(1, record)];
    long read = 0;
    int next = 0;
    for (int r = 0; r < dims[0]; r++) {
      boolean keep = next < records.length && records[next] == r;
      int got = in.readNBytes(keep ? data : skip, keep ? next * record : 0, record);
      read += got;
      if (got < record) {
        throw new DatasetException(file, "truncated: the header " + Arrays.toString(dims) + " promises " + payload
            + " bytes of data, but the decompressed data ends after " + read);
      }
      next += keep ? 1 : 0;
    }
    if (in.read() >= 0) {
      throw new DatasetException(file, "unexpected data after the " + payload + " bytes that the header "
          + Arrays.toString(dims) + " describes");
    }
    return new Contents(kept(dims, records), data);
  }

  /** The bytes of one record, after checking that {@code records} ascend within the header's count. */
  private static int recordSize(Path file, int[] dims, int[] records) {
    for (int i = 0; i < records.length; i++) {
      if (records[i] < 0 || records[i] >= dims[0] || (i > 0 && records[i] <= records[i - 1])) {
        throw new IllegalArgumentException(file + ": record indices must ascend within [0, " + dims[0] + "), got "
            + records[i] + " at " + i);
      }
    }
    long size = 1;
    for (int i = 1; i < dims.length; i++) {
      size *= dims[i];
    }
    return (int) size;
  }

  private static int[] kept(int[] dims, int[] records) {
    int[] d = dims.clone();
    d[0] = records.length;
    return d;
  }

  /** The number of records (the first dimension) the header declares. */
  static int count(Path file, int expectedDims) {
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(isGzip(file) ? new GZIPInputStream(raw) : raw)) {
      byte[] header = new byte[8];
      if (in.readNBytes(header, 0, 8) < 8) {
        throw new DatasetException(file, "truncated: less than the 8 bytes of an IDX header's magic number and count");
      }
      checkMagic(file, ByteBuffer.wrap(header).getInt(), expectedDims);
      int n = ByteBuffer.wrap(header).getInt(4);
      if (n < 0) {
        throw new DatasetException(file, "invalid dimension " + n + " at offset 4");
      }
      return n;
    } catch (ZipException | EOFException e) {
      throw new DatasetException(file, "corrupt or truncated gzip data (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read (" + e + ")", e);
    }
  }

  private static void checkMagic(Path file, int magic, int expectedDims) {
    int expectedMagic = (UNSIGNED_BYTE << 8) | expectedDims;
    if (magic != expectedMagic) {
      String what = (magic >>> 16) == 0 && ((magic >>> 8) & 0xff) == UNSIGNED_BYTE
          ? "an IDX file with " + (magic & 0xff) + " dimensions"
          : (magic >>> 16) == 0 ? "an IDX file of element type 0x" + Integer.toHexString((magic >>> 8) & 0xff)
              + " (only unsigned bytes, 0x08, are supported)" : "not an IDX file";
      throw new DatasetException(file, String.format("wrong magic number 0x%08x at offset 0 (%s); expected 0x%08x,"
          + " an IDX file of %d-dimensional unsigned bytes", magic, what, expectedMagic, expectedDims));
    }
  }

  private static int[] parseHeader(Path file, ByteBuffer header, int expectedDims) {
    checkMagic(file, header.getInt(), expectedDims);
    int[] dims = new int[expectedDims];
    for (int i = 0; i < expectedDims; i++) {
      dims[i] = header.getInt();
      if (dims[i] < 0 || (i > 0 && dims[i] == 0)) {
        throw new DatasetException(file, "invalid dimension " + dims[i] + " at offset " + (4 + 4 * i));
      }
    }
    return dims;
  }

  private static long payloadSize(Path file, int[] dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
      if (n > Limits.MAX_IDX_BYTES) {
        throw new DatasetException(file, "the header " + Arrays.toString(dims) + " describes more than "
            + Limits.MAX_IDX_BYTES + " bytes of data, the limit of one IDX file");
      }
    }
    return n;
  }

  private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new DatasetException(file, "truncated: the file ended at offset " + pos + " while it was read");
      }
      pos += n;
    }
  }
}
