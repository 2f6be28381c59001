package io.nets4j.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.bytedeco.pytorch.Tensor;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a UTF-8 JSON
 * header mapping each tensor name to its {@code dtype}, {@code shape} and {@code data_offsets}
 * (plus an optional {@code __metadata__} string map), then the raw little-endian tensor data.
 *
 * <p>Every problem, in the file or while writing it, is a {@link SafeTensorsException} whose
 * message names the file and, where one tensor is at fault, its key.
 */
public final class SafeTensors {
  /** Headers above this size are refused, as by the reference implementation. */
  static final long MAX_HEADER_BYTES = 100_000_000;

  static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private SafeTensors() {}

  /**
   * Refuses a path that is not a regular file before it is opened: opening a FIFO blocks until
   * something writes to it, and a device can be endless.
   */
  static void requireRegularFile(String file, Path path) {
    if (Files.isRegularFile(path)) {
      return;
    }
    throw new SafeTensorsException(file, null, !Files.exists(path) ? "no such file"
        : Files.isDirectory(path) ? "is a directory, not a weights file"
        : "is not a regular file (a FIFO, socket or device); weights are read from files only");
  }

  /** Reads and validates the header of a safetensors file; tensor data is read on demand. */
  public static SafeTensorsFile read(Path path) {
    String file = fileName(path);
    requireRegularFile(file, path);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new SafeTensorsException(file, null, "the file has " + size
            + " bytes, too short for the 8-byte header length");
      }
      ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      requireFully(file, ch, prefix, 0);
      long headerLength = prefix.getLong(0);
      if (Long.compareUnsigned(headerLength, size - 8) > 0) {
        throw new SafeTensorsException(file, null, "header length " + Long.toUnsignedString(headerLength)
            + " goes past the end of the file (" + size + " bytes)");
      }
      if (headerLength > MAX_HEADER_BYTES) {
        throw new SafeTensorsException(file, null, "header length " + headerLength
            + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
      }
      byte[] header = new byte[(int) headerLength];
      requireFully(file, ch, ByteBuffer.wrap(header), 8);
      return HeaderParser.parse(path, file, header, size - 8 - headerLength);
    } catch (IOException e) {
      throw new SafeTensorsException(file, null, "cannot read (" + e + ")", e);
    }
  }

  private static void requireFully(String file, FileChannel ch, ByteBuffer buffer, long position) throws IOException {
    if (!readFully(ch, buffer, position)) {
      throw new SafeTensorsException(file, null, "the file shrank while its header was read");
    }
  }

  /**
   * Writes {@code tensors} (in the map's order, data contiguous) and {@code metadata} to
   * {@code path}, atomically: the file is written to a temporary file in the same directory,
   * synced, then moved over {@code path}. On failure the temporary file is removed and an existing
   * file at {@code path} is left untouched. Tensors may be of any {@link DType}, non-contiguous or
   * on another device.
   */
  public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
    Path target = path.toAbsolutePath();
    String file = fileName(target);
    Path tmp = createTemporary(target, file);
    boolean moved = false;
    try {
      List<Map.Entry<String, Tensor>> items = new ArrayList<>(tensors.entrySet());
      byte[] header = header(file, items, metadata);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
        writeFully(ch, ByteBuffer.wrap(header));
        for (Map.Entry<String, Tensor> item : items) {
          writeFully(ch, ByteBuffer.wrap(data(file, item.getKey(), item.getValue())));
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
    } catch (IOException e) {
      throw new SafeTensorsException(file, null, "cannot write (" + e + ")", e);
    } finally {
      if (!moved) {
        deleteQuietly(tmp);
      }
    }
  }

  /**
   * A deterministic text table of a file: one row per tensor in header order (key, dtype, shape,
   * elements, bytes), a total row, then the metadata sorted by key.
   */
  public static String describe(SafeTensorsFile file) {
    TensorTable.Totals totals = TensorTable.Totals.of(file.tensorInfos().values());
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%s: %d tensors, %d elements, %d bytes of data, header %d bytes\n",
        fileName(file.path()), file.entries().size(), totals.elements(), totals.bytes(), file.headerLength()));
    out.append(TensorTable.render(file.tensorInfos().values()));
    if (file.metadata().isEmpty()) {
      out.append("metadata: none\n");
    } else {
      out.append("metadata:\n");
      new TreeMap<>(file.metadata()).forEach((k, v) -> out.append("  ").append(k).append(": ").append(v).append('\n'));
    }
    return out.toString();
  }

  private static Path createTemporary(Path target, String file) {
    while (true) {
      Path tmp = target.resolveSibling("." + file + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      try {
        // created with the default permissions, which createTempFile would narrow to the owner
        return Files.createFile(tmp);
      } catch (FileAlreadyExistsException e) {
        // a name clash with another writer: draw another name
      } catch (IOException e) {
        throw new SafeTensorsException(file, null, "cannot create a temporary file next to it (" + e + ")", e);
      }
    }
  }

  /** The JSON header for {@code items}, padded with spaces to a multiple of 8 bytes. */
  private static byte[] header(String file, List<Map.Entry<String, Tensor>> items, Map<String, String> metadata)
      throws IOException {
    ObjectNode root = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject(HeaderParser.METADATA_KEY);
      // sorted so that equal inputs give byte-identical files whatever the map's iteration order
      for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) {
        if (m.getValue() == null) {
          throw new SafeTensorsException(file, null, "metadata value of '" + m.getKey() + "' is null");
        }
        meta.put(m.getKey(), m.getValue());
      }
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> item : items) {
      String key = item.getKey();
      Tensor t = item.getValue();
      if (key == null || key.equals(HeaderParser.METADATA_KEY)) {
        throw new SafeTensorsException(file, key, "this name is reserved");
      }
      if (t == null || t.isNull() || !t.defined()) {
        throw new SafeTensorsException(file, key, "the tensor is null or undefined");
      }
      DType dtype;
      try {
        dtype = Tensors.dtype(t);
      } catch (IllegalArgumentException e) {
        throw new SafeTensorsException(file, key, e.getMessage(), e);
      }
      long[] shape = Tensors.shape(t);
      long size = Tensors.numel(shape) * dtype.byteSize();
      if (size > SafeTensorsFile.MAX_TENSOR_BYTES) {
        throw new SafeTensorsException(file, key, size + " bytes is too large to write (at most "
            + SafeTensorsFile.MAX_TENSOR_BYTES + " bytes per tensor)");
      }
      ObjectNode entry = root.putObject(key);
      entry.put("dtype", dtype.safetensorsCode());
      ArrayNode dims = entry.putArray("shape");
      for (long d : shape) {
        dims.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(offset + size);
      offset += size;
    }
    byte[] json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  private static byte[] data(String file, String key, Tensor t) {
    try {
      return Tensors.toBytes(t);
    } catch (RuntimeException e) {
      throw new SafeTensorsException(file, key, "cannot copy its data (" + e.getMessage() + ")", e);
    }
  }

  /** Fills {@code buffer} from {@code position}; false if the file ends first. */
  static boolean readFully(FileChannel ch, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = ch.read(buffer, at);
      if (n < 0) {
        return false;
      }
      at += n;
    }
    return true;
  }

  private static void writeFully(FileChannel ch, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      ch.write(buffer);
    }
  }

  private static void deleteQuietly(Path tmp) {
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException e) {
      // the original failure is the one worth reporting; a stray temporary file is harmless
    }
  }

  static String fileName(Path path) {
    Path name = path.getFileName();
    return name == null ? path.toString() : name.toString();
  }
}
