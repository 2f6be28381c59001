package io.nets4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors files byte by byte, so that tests control every field. */
final class SafeTensorsTestFiles {
  private SafeTensorsTestFiles() {}

  /** A file with the given header text (UTF-8, unpadded) and data section. */
  static Path file(Path dir, String name, String header, byte[] data) throws IOException {
    return file(dir, name, header.getBytes(StandardCharsets.UTF_8), data);
  }

  static Path file(Path dir, String name, byte[] header, byte[] data) throws IOException {
    return raw(dir, name, header.length, header, data);
  }

  /** A file whose length prefix may lie about the header that follows it. */
  static Path raw(Path dir, String name, long headerLength, byte[] header, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(headerLength).put(header).put(data);
    return Files.write(dir.resolve(name), b.array());
  }
}
