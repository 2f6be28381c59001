package io.nets4j.io;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * A file of named tensors, whatever its format: safetensors ({@link SafeTensorsFile}) or
 * {@code torch.save} ({@link PyTorchFile}). {@link #open} decides by the file's first bytes, never
 * by its name, so a {@code .pth}, {@code .pt}, {@code .bin} or {@code .ckpt} is read wherever a
 * safetensors file is.
 */
public sealed interface WeightsFile permits SafeTensorsFile, PyTorchFile {
  /** The formats {@link #open} tells apart. */
  enum Format {
    SAFETENSORS, TORCH_ZIP, TORCH_LEGACY;

    /** The legacy magic number 0x1950a86a20f9469cfc6c as pickle's little-endian LONG1 bytes. */
    private static final byte[] LEGACY_MAGIC = {0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
        (byte) 0xa8, 0x50, 0x19};

    private static int indexOf(byte[] b, byte[] part) {
      for (int i = 0; i + part.length <= b.length; i++) {
        if (Arrays.equals(b, i, i + part.length, part, 0, part.length)) {
          return i;
        }
      }
      return -1;
    }

    /**
     * The format of a file, by content: a zip local header ({@code PK\3\4}) is the {@code torch.save}
     * zip format (torch 1.6 and later); a pickle protocol opcode ({@code 0x80}) followed closely by
     * PyTorch's magic number is the legacy format; anything else is read as safetensors (whose own
     * checks then say what is wrong). A safetensors header length may start with byte 0x80 too,
     * hence the magic number.
     */
    public static Format of(Path path) {
      String file = SafeTensors.fileName(path);
      SafeTensors.requireRegularFile(file, path);
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        ByteBuffer head = ByteBuffer.allocate(32);
        SafeTensors.readFully(ch, head, 0);
        byte[] b = Arrays.copyOf(head.array(), head.position());
        if (b.length >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) {
          return TORCH_ZIP;
        }
        if (b.length > LEGACY_MAGIC.length && (b[0] & 0xFF) == 0x80 && indexOf(b, LEGACY_MAGIC) > 0) {
          return TORCH_LEGACY;
        }
        return SAFETENSORS;
      } catch (IOException e) {
        throw new SafeTensorsException(file, null, "cannot read (" + e + ")", e);
      }
    }
  }

  /**
   * One tensor as the file describes it, before its data is read.
   *
   * @param name its key
   * @param dtype its element type
   * @param shape its dimensions ({@code []} for a scalar)
   */
  record TensorInfo(String name, DType dtype, long[] shape) {
    public TensorInfo {
      Objects.requireNonNull(name);
      Objects.requireNonNull(dtype);
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** The number of elements (1 for a scalar). */
    public long numel() {
      return Tensors.numel(shape);
    }

    /** The size of its data in bytes, stored contiguously. */
    public long byteSize() {
      return numel() * dtype.byteSize();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
      return 31 * Objects.hash(name, dtype) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
      return name + " " + dtype.safetensorsCode() + " " + Arrays.toString(shape);
    }
  }

  /**
   * Opens a weights file of any supported format; a {@code torch.save} file must then hold a
   * flat name-to-tensor map at its top level.
   */
  static WeightsFile open(Path path) {
    return open(path, PyTorchFile.Options.DEFAULT);
  }

  /**
   * Opens a weights file of any supported format.
   *
   * @param options which entry of a {@code torch.save} checkpoint to read and which key prefix
   *     to strip; a safetensors file accepts only the defaults
   */
  static WeightsFile open(Path path, PyTorchFile.Options options) {
    if (Format.of(path) == Format.SAFETENSORS) {
      if (!options.equals(PyTorchFile.Options.DEFAULT)) {
        throw new IllegalArgumentException(SafeTensors.fileName(path)
            + ": an entry or prefix to strip applies to torch.save files only; this is a safetensors file");
      }
      return SafeTensors.read(path);
    }
    return PyTorchFile.open(path, options);
  }

  Path path();

  /** The tensors, in file order, by name. */
  Map<String, TensorInfo> tensorInfos();

  /** Reads the tensor named {@code name} into a new contiguous CPU tensor. */
  Tensor tensor(String name);

  /** Reads every tensor into new contiguous CPU tensors, keyed by name in file order. */
  Map<String, Tensor> tensors();

  /** A deterministic text report: one row per tensor (key, dtype, shape, elements, bytes) and totals. */
  String describe();
}
