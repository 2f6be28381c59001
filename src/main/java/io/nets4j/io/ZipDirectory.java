package io.nets4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The central directory of a zip file (with its zip64 extensions), read directly rather than
 * through {@code java.util.zip} because a reader of {@code torch.save} archives needs each stored
 * entry's position in the file: tensor data is then read from the file into native memory without
 * passing through the Java heap. Reference: PKWARE's APPNOTE.TXT, sections 4.3 and 4.5.
 */
final class ZipDirectory {
  static final int STORED = 0;
  static final int DEFLATED = 8;
  private static final int LOCAL_HEADER = 0x04034b50;
  private static final int CENTRAL_HEADER = 0x02014b50;
  private static final int END = 0x06054b50;
  private static final int END64 = 0x06064b50;
  private static final int END64_LOCATOR = 0x07064b50;
  private static final int MAX_COMMENT = 0xFFFF;
  /** A directory above this size is refused (a torch.save archive has one small entry per storage). */
  private static final long MAX_DIRECTORY_BYTES = 256L << 20;

  /**
   * One entry as the central directory describes it.
   *
   * @param dataOffset where its (compressed) data starts, from its local header
   */
  record Entry(String name, int method, int flags, long crc, long compressedSize, long size, long dataOffset) {}

  private final String fileName;
  private final Map<String, Entry> entries;

  private ZipDirectory(String fileName, Map<String, Entry> entries) {
    this.fileName = fileName;
    this.entries = entries;
  }

  /** The entries in directory order. */
  List<Entry> entries() {
    return List.copyOf(entries.values());
  }

  /** The entry of that name, or {@code null}. */
  Entry get(String name) {
    return entries.get(name);
  }

  static ZipDirectory read(FileChannel ch, String fileName) throws IOException {
    long size = ch.size();
    int tail = (int) Math.min(size, 22 + MAX_COMMENT);
    ByteBuffer end = read(ch, size - tail, tail, fileName, "the end of central directory");
    int at = -1;
    for (int i = tail - 22; i >= 0; i--) {
      if (end.getInt(i) == END && i + 22 + (end.getShort(i + 20) & 0xFFFF) <= tail) {
        at = i;
        break;
      }
    }
    if (at < 0) {
      throw fail(fileName, "no zip end-of-central-directory record (truncated, or not a zip file)");
    }
    long endPosition = size - tail + at;
    long count = end.getShort(at + 10) & 0xFFFF;
    long directorySize = end.getInt(at + 12) & 0xFFFFFFFFL;
    long directoryOffset = end.getInt(at + 16) & 0xFFFFFFFFL;
    long directoryEnd = endPosition;
    if (endPosition >= 20) {
      ByteBuffer locator = read(ch, endPosition - 20, 20, fileName, "the zip64 locator");
      if (locator.getInt(0) == END64_LOCATOR) {
        long end64 = locator.getLong(8);
        if (end64 < 0 || end64 > endPosition - 56) {
          throw fail(fileName, "the zip64 end record is said to be at " + end64 + ", outside the file");
        }
        ByteBuffer e64 = read(ch, end64, 56, fileName, "the zip64 end record");
        if (e64.getInt(0) != END64) {
          throw fail(fileName, "no zip64 end record at byte " + end64);
        }
        if (e64.getInt(16) != 0 || e64.getInt(20) != 0) {
          throw fail(fileName, "multi-volume zip archives are not supported");
        }
        count = e64.getLong(32);
        directorySize = e64.getLong(40);
        directoryOffset = e64.getLong(48);
        directoryEnd = end64;
      }
    }
    if (directoryOffset < 0 || directorySize < 0 || directoryOffset > directoryEnd
        || directorySize > directoryEnd - directoryOffset) {
      throw fail(fileName, "the central directory (" + directorySize + " bytes at " + directoryOffset
          + ") does not fit before its end record at byte " + directoryEnd);
    }
    if (directorySize > MAX_DIRECTORY_BYTES) {
      throw fail(fileName, "the central directory has " + directorySize + " bytes, more than the "
          + MAX_DIRECTORY_BYTES + " nets4j reads");
    }
    if (count < 0 || count > directorySize / 46) {
      throw fail(fileName, "the zip says it has " + count + " entries, which do not fit its " + directorySize
          + "-byte central directory");
    }
    ByteBuffer dir = read(ch, directoryOffset, (int) directorySize, fileName, "the central directory");
    Map<String, Entry> entries = new LinkedHashMap<>();
    int p = 0;
    for (long n = 0; n < count; n++) {
      if (p + 46 > directorySize || dir.getInt(p) != CENTRAL_HEADER) {
        throw fail(fileName, "central directory entry " + n + " is corrupt (at byte " + (directoryOffset + p) + ")");
      }
      int flags = dir.getShort(p + 8) & 0xFFFF;
      int method = dir.getShort(p + 10) & 0xFFFF;
      long crc = dir.getInt(p + 16) & 0xFFFFFFFFL;
      long compressed = dir.getInt(p + 20) & 0xFFFFFFFFL;
      long uncompressed = dir.getInt(p + 24) & 0xFFFFFFFFL;
      int nameLength = dir.getShort(p + 28) & 0xFFFF;
      int extraLength = dir.getShort(p + 30) & 0xFFFF;
      int commentLength = dir.getShort(p + 32) & 0xFFFF;
      long local = dir.getInt(p + 42) & 0xFFFFFFFFL;
      int next = p + 46 + nameLength + extraLength + commentLength;
      if (next > directorySize) {
        throw fail(fileName, "central directory entry " + n + " runs past the directory's end");
      }
      byte[] nameBytes = new byte[nameLength];
      dir.get(p + 46, nameBytes);
      String name = new String(nameBytes, StandardCharsets.UTF_8);
      // zip64: the 32-bit fields that are all ones are given, in this order, in extra field 0x0001
      int extra = p + 46 + nameLength;
      int extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        int id = dir.getShort(extra) & 0xFFFF;
        int length = dir.getShort(extra + 2) & 0xFFFF;
        int q = extra + 4;
        if (q + length > extraEnd) {
          throw fail(fileName, "entry '" + name + "': an extra field runs past its end");
        }
        if (id == 1) {
          int qEnd = q + length;
          if (uncompressed == 0xFFFFFFFFL && q + 8 <= qEnd) {
            uncompressed = dir.getLong(q);
            q += 8;
          }
          if (compressed == 0xFFFFFFFFL && q + 8 <= qEnd) {
            compressed = dir.getLong(q);
            q += 8;
          }
          if (local == 0xFFFFFFFFL && q + 8 <= qEnd) {
            local = dir.getLong(q);
          }
        }
        extra += 4 + length;
      }
      if ((flags & 1) != 0) {
        throw fail(fileName, "entry '" + name + "' is encrypted");
      }
      if (compressed < 0 || uncompressed < 0 || local < 0 || local > directoryOffset - 30) {
        throw fail(fileName, "entry '" + name + "' has an impossible size or offset");
      }
      ByteBuffer header = read(ch, local, 30, fileName, "the local header of '" + name + "'");
      if (header.getInt(0) != LOCAL_HEADER) {
        throw fail(fileName, "entry '" + name + "': no local header at byte " + local);
      }
      long data = local + 30 + (header.getShort(26) & 0xFFFF) + (header.getShort(28) & 0xFFFF);
      if (data > directoryOffset || compressed > directoryOffset - data) {
        throw fail(fileName, "entry '" + name + "' (" + compressed + " bytes at " + data
            + ") runs into the central directory at byte " + directoryOffset);
      }
      if (entries.put(name, new Entry(name, method, flags, crc, compressed, uncompressed, data)) != null) {
        throw fail(fileName, "entry '" + name + "' appears twice");
      }
      p = next;
    }
    return new ZipDirectory(fileName, entries);
  }

  /**
   * The whole content of a small entry (stored or deflated), its CRC-32 checked.
   *
   * @param limit the most bytes it may have
   */
  byte[] readBytes(FileChannel ch, Entry e, long limit) throws IOException {
    if (e.size() > limit) {
      throw fail(fileName, "entry '" + e.name() + "' has " + e.size() + " bytes, more than the " + limit
          + " nets4j reads for it");
    }
    byte[] out = new byte[(int) e.size()];
    if (e.method() == STORED) {
      if (e.compressedSize() != e.size()) {
        throw fail(fileName, "stored entry '" + e.name() + "' has different stored and real sizes");
      }
      read(ch, e.dataOffset(), out.length, fileName, "entry '" + e.name() + "'").get(out);
    } else if (e.method() == DEFLATED) {
      if (e.compressedSize() > Integer.MAX_VALUE - 8) {
        throw fail(fileName, "entry '" + e.name() + "' is too large");
      }
      ByteBuffer in = read(ch, e.dataOffset(), (int) e.compressedSize(), fileName, "entry '" + e.name() + "'");
      Inflater inflater = new Inflater(true);
      try {
        inflater.setInput(in);
        int n = 0;
        while (n < out.length && !inflater.finished()) {
          int got = inflater.inflate(out, n, out.length - n);
          if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
            break;
          }
          n += got;
        }
        if (n != out.length) {
          throw fail(fileName, "entry '" + e.name() + "' inflates to fewer than its " + out.length + " bytes");
        }
      } catch (DataFormatException x) {
        throw fail(fileName, "entry '" + e.name() + "' is not valid deflate data (" + x.getMessage() + ")");
      } finally {
        inflater.end();
      }
    } else {
      throw fail(fileName, "entry '" + e.name() + "' uses compression method " + e.method()
          + " (only stored and deflated are read)");
    }
    CRC32 crc = new CRC32();
    crc.update(out);
    checkCrc(e, crc.getValue());
    return out;
  }

  /** Fails unless {@code actual} is the CRC-32 the directory gives for {@code e}. */
  void checkCrc(Entry e, long actual) {
    if (actual != e.crc()) {
      throw fail(fileName, "entry '" + e.name() + "' is corrupt: its CRC-32 is " + Long.toHexString(actual)
          + ", the zip directory says " + Long.toHexString(e.crc()));
    }
  }

  private static ByteBuffer read(FileChannel ch, long position, int length, String fileName, String what)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    if (position < 0 || !SafeTensors.readFully(ch, b, position)) {
      throw fail(fileName, "the file ends inside " + what);
    }
    return b.flip();
  }

  private static PyTorchFileException fail(String fileName, String problem) {
    return new PyTorchFileException(fileName, problem);
  }
}
