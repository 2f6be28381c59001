package io.nets4j.io;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * A safetensors file whose header has been read and validated. Tensor data stays on disk and is
 * read on demand, one tensor at a time, so files larger than the Java heap can be inspected.
 *
 * <p>Obtained from {@link SafeTensors#read}. Materialised tensors are new CPU tensors that do not
 * alias the file; like any tensor they belong to the innermost open {@code Scope}, if any.
 */
public final class SafeTensorsFile implements WeightsFile {
  /** The largest tensor that fits a Java byte array, and so can be materialised. */
  static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

  private final Path path;
  private final String fileName;
  private final long headerLength;
  private final Map<String, String> metadata;
  private final List<Entry> entries;
  private final Map<String, Entry> byName = new LinkedHashMap<>();

  SafeTensorsFile(Path path, String fileName, long headerLength, Map<String, String> metadata, List<Entry> entries) {
    this.path = path;
    this.fileName = fileName;
    this.headerLength = headerLength;
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    this.entries = List.copyOf(entries);
    for (Entry e : entries) {
      byName.put(e.name(), e);
    }
  }

  /**
   * One tensor as the header describes it: what every weights format says of a tensor, and where
   * its bytes are.
   *
   * @param info its key, element type and dimensions
   * @param begin offset of its first byte, relative to the start of the data section
   * @param end offset just past its last byte, relative to the start of the data section
   */
  public record Entry(TensorInfo info, long begin, long end) {
    public Entry {
      Objects.requireNonNull(info);
    }

    public Entry(String name, DType dtype, long[] shape, long begin, long end) {
      this(new TensorInfo(name, dtype, shape), begin, end);
    }

    public String name() {
      return info.name();
    }

    public DType dtype() {
      return info.dtype();
    }

    public long[] shape() {
      return info.shape();
    }

    /** The number of elements (1 for a scalar). */
    public long numel() {
      return info.numel();
    }

    /** The size of its data in bytes. */
    public long byteSize() {
      return end - begin;
    }

    @Override
    public String toString() {
      return info + " [" + begin + ", " + end + ")";
    }
  }

  @Override
  public Path path() {
    return path;
  }

  @Override
  public Map<String, TensorInfo> tensorInfos() {
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    for (Entry e : entries) {
      out.put(e.name(), e.info());
    }
    return Collections.unmodifiableMap(out);
  }

  @Override
  public String describe() {
    return SafeTensors.describe(this);
  }

  /** The length of the JSON header in bytes (the data section starts 8 bytes later). */
  public long headerLength() {
    return headerLength;
  }

  /** The {@code __metadata__} of the header, in header order; empty if it has none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tensors described by the header, in header order. */
  public List<Entry> entries() {
    return entries;
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The entry named {@code name}; fails with a {@link SafeTensorsException} if there is none. */
  public Entry entry(String name) {
    Entry e = byName.get(name);
    if (e == null) {
      throw new SafeTensorsException(fileName, name, "no such tensor in the file (it has " + entries.size() + ")");
    }
    return e;
  }

  /** Reads the tensor named {@code name} from the file into a new CPU tensor. */
  @Override
  public Tensor tensor(String name) {
    Entry e = entry(name);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return read(ch, e);
    } catch (IOException x) {
      throw new SafeTensorsException(fileName, name, "cannot read (" + x + ")", x);
    }
  }

  /** Reads every tensor into new CPU tensors, keyed by name in header order. */
  @Override
  public Map<String, Tensor> tensors() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      for (Entry e : entries) {
        out.put(e.name(), read(ch, e));
      }
    } catch (IOException x) {
      throw new SafeTensorsException(fileName, null, "cannot read (" + x + ")", x);
    }
    return out;
  }

  private Tensor read(FileChannel ch, Entry e) throws IOException {
    if (e.byteSize() > MAX_TENSOR_BYTES) {
      throw new SafeTensorsException(fileName, e.name(), e.byteSize()
          + " bytes is too large to materialise (at most " + MAX_TENSOR_BYTES + " bytes per tensor)");
    }
    byte[] data = new byte[(int) e.byteSize()];
    long start = 8 + headerLength + e.begin();
    if (!SafeTensors.readFully(ch, ByteBuffer.wrap(data), start)) {
      throw new SafeTensorsException(fileName, e.name(), "the file ends before the tensor's data (was it truncated after opening?)");
    }
    return Tensors.fromBytes(data, 0, data.length, e.dtype(), e.shape());
  }
}
