package io.nets4j.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Builds torch.save files byte by byte (pickles by opcode), so that tests control every field. */
final class PthTestFiles {
  private PthTestFiles() {}

  /** A pickle written opcode by opcode. */
  static final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Starts with PROTO 2, as torch.save writes. */
    static Pickle proto2() {
      return new Pickle().op(0x80).op(2);
    }

    Pickle op(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    Pickle op(int... bytes) {
      for (int b : bytes) {
        out.write(b);
      }
      return this;
    }

    Pickle ascii(String s) {
      out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
      return this;
    }

    /** GLOBAL module.name (opcode 'c' and two lines). */
    Pickle global(String module, String name) {
      return op('c').ascii(module + "\n" + name + "\n");
    }

    /** BINUNICODE. */
    Pickle str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      op('X').op(b.length & 0xFF, b.length >>> 8 & 0xFF, b.length >>> 16 & 0xFF, b.length >>> 24);
      out.writeBytes(b);
      return this;
    }

    /** BININT1 (0-255). */
    Pickle int1(int v) {
      return op('K', v);
    }

    Pickle stop() {
      return op('.');
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  /** The entries of a zip file, by name, in order. */
  static Map<String, byte[]> unzip(Path file) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    // ZipFile, not ZipInputStream, which refuses torch's stored entries with data descriptors
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (ZipEntry e : Collections.list(zip.entries())) {
        try (InputStream in = zip.getInputStream(e)) {
          out.put(e.getName(), in.readAllBytes());
        }
      }
    }
    return out;
  }

  /** A zip of stored entries (as torch.save writes), with their CRC-32s. */
  static byte[] zip(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry z = new ZipEntry(e.getKey());
        z.setMethod(ZipEntry.STORED);
        z.setSize(e.getValue().length);
        CRC32 crc = new CRC32();
        crc.update(e.getValue());
        z.setCrc(crc.getValue());
        zip.putNextEntry(z);
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  /** A zip-format torch.save file {@code archive/...} with this pickle and storages {@code archive/data/KEY}. */
  static Path zipFile(Path dir, String name, byte[] pickle, Map<String, byte[]> storages) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("archive/data.pkl", pickle);
    storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
    entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    return Files.write(dir.resolve(name), zip(entries));
  }

  /**
   * A legacy torch.save file: magic number, protocol 1001, system information, {@code main}, the
   * storage key list and the storages (each an 8-byte element count and its bytes).
   */
  static byte[] legacy(byte[] main, Map<String, byte[]> storages, int elementSize) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(Pickle.proto2().op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).stop()
        .bytes());
    out.writeBytes(Pickle.proto2().op('M', 0xe9, 0x03).stop().bytes());
    out.writeBytes(Pickle.proto2().op('}', '(').str("little_endian").op(0x88).op('u').stop().bytes());
    out.writeBytes(main);
    Pickle keys = Pickle.proto2().op(']', '(');
    storages.keySet().forEach(keys::str);
    out.writeBytes(keys.op('e').stop().bytes());
    for (byte[] data : storages.values()) {
      writeLong(out, data.length / elementSize);
      out.writeBytes(data);
    }
    return out.toByteArray();
  }

  private static void writeLong(OutputStream out, long v) throws IOException {
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
  }

  /** Little-endian float32 bytes. */
  static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  /**
   * A state_dict pickle {@code {"w": tensor}} over float storage "0" of {@code numel} elements, as
   * torch.save writes it (zip persistent id when {@code legacy} is false).
   */
  static Pickle stateDict(long numel, boolean legacy, long[] size, long[] stride, int offset) {
    Pickle p = Pickle.proto2().global("collections", "OrderedDict").op(')', 'R', '(').str("w")
        .global("torch._utils", "_rebuild_tensor_v2").op('(', '(').str("storage")
        .global("torch", "FloatStorage").str("0").str("cpu").int1((int) numel);
    if (legacy) {
      p.op('N');
    }
    p.op('t', 'Q').int1(offset).op('(');
    for (long s : size) {
      p.int1((int) s);
    }
    p.op('t', '(');
    for (long s : stride) {
      p.int1((int) s);
    }
    return p.op('t', 0x89).global("collections", "OrderedDict").op(')', 'R', 't', 'R', 'u');
  }
}
