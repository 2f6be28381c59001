package io.nets4j.tensor;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Creating tensors from Java data and reading them back, with plain Java signatures.
 *
 * <p>It hides JavaCPP's constructor pitfalls: {@code new LongPointer(32L)} allocates 32 elements
 * rather than holding the value 32, and {@code new TensorOptions(long)} allocates an array of
 * option structs. Data always goes through a copy, so a tensor never aliases Java memory.
 *
 * <p>Results that JavaCPP hands back <em>by reference</em> into another native object (the elements
 * of a returned tuple or vector, the fields of a {@code PackedSequence}, the tensor of an
 * {@code IValue}) must go through {@link #owned}: such a handle owns nothing, and its container may
 * be freed by a closing scope or by the garbage collector while the handle is still in use.
 */
public final class Tensors {
  static {
    NativeRuntime.load();
  }

  private static final ThreadLocal<String> DEFAULT_DEVICE = ThreadLocal.withInitial(() -> "cpu");

  private Tensors() {}

  /** Options for a new tensor of the given type on the current default device. */
  public static TensorOptions options(DType dtype) {
    TensorOptions o = new TensorOptions(dtype.scalarType());
    String device = DEFAULT_DEVICE.get();
    return "cpu".equals(device) ? o : o.device(new DeviceOptional(new Device(device)));
  }

  /** The device new parameters and tensors are created on by this thread ({@code cpu} by default). */
  public static String defaultDevice() {
    return DEFAULT_DEVICE.get();
  }

  /**
   * Runs {@code body} with new tensors created on {@code device}. With {@code "meta"} nothing is
   * allocated: models are built for their shapes only (parameter counts of huge models, fast).
   */
  public static <T> T onDevice(String device, Supplier<T> body) {
    String previous = DEFAULT_DEVICE.get();
    DEFAULT_DEVICE.set(device);
    try {
      return body.get();
    } finally {
      DEFAULT_DEVICE.set(previous);
    }
  }

  /**
   * An owning handle on {@code borrowed}, a tensor that JavaCPP returned by reference into another
   * native object. The handle shares the tensor (reference count) and lives as long as this
   * handle, not as long as the container it came from.
   */
  public static Tensor owned(Tensor borrowed) {
    return new Tensor(borrowed);
  }

  /** The elements of a returned vector ({@code chunk}, {@code unbind}, ...) as owning handles. */
  public static Tensor[] owned(TensorVector vector) {
    Tensor[] out = new Tensor[(int) vector.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = owned(vector.get(i));
    }
    Reference.reachabilityFence(vector);
    return out;
  }

  /** The two elements of a returned pair ({@code max}, {@code topk}, {@code sort}, ...) as owning handles. */
  public static Tensor[] owned(T_TensorTensor_T pair) {
    Tensor[] out = {owned(pair.get0()), owned(pair.get1())};
    Reference.reachabilityFence(pair);
    return out;
  }

  /** The three elements of a returned triple ({@code lstm}) as owning handles. */
  public static Tensor[] owned(T_TensorTensorTensor_T triple) {
    Tensor[] out = {owned(triple.get0()), owned(triple.get1()), owned(triple.get2())};
    Reference.reachabilityFence(triple);
    return out;
  }

  /**
   * {@code torch.cat(parts, dim)}: the parts joined along {@code dim} (they agree in every other
   * dimension). The one way nets4j concatenates tensors.
   */
  public static Tensor cat(List<Tensor> parts, int dim) {
    return torch.cat(new TensorVector(parts.toArray(new Tensor[0])), dim);
  }

  public static Tensor empty(DType dtype, long... shape) {
    return torch.empty(shape, options(dtype), new MemoryFormatOptional());
  }

  public static Tensor zeros(DType dtype, long... shape) {
    return torch.zeros(shape, options(dtype));
  }

  public static Tensor ones(DType dtype, long... shape) {
    return torch.ones(shape, options(dtype));
  }

  public static Tensor full(DType dtype, double value, long... shape) {
    return empty(dtype, shape).fill_(new Scalar(value));
  }

  /** A scalar (0-dimensional) int64 tensor. */
  public static Tensor scalarLong(long value) {
    return fromLongs(new long[] {value}, 1).reshape();
  }

  public static Tensor fromFloats(float[] data, long... shape) {
    checkCount(data.length, shape);
    try (FloatPointer p = new FloatPointer(data)) {
      return torch.from_blob(p, shape, new TensorOptions(DType.FLOAT32.scalarType())).clone();
    }
  }

  public static Tensor fromDoubles(double[] data, long... shape) {
    checkCount(data.length, shape);
    try (DoublePointer p = new DoublePointer(data)) {
      return torch.from_blob(p, shape, new TensorOptions(DType.FLOAT64.scalarType())).clone();
    }
  }

  /** An int64 tensor; with no shape given, a 1-d tensor of the data's length (even of length 1). */
  public static Tensor fromLongs(long[] data, long... shape) {
    long[] s = shape.length == 0 ? new long[] {data.length} : shape;
    checkCount(data.length, s);
    try (LongPointer p = new LongPointer(data)) {
      return torch.from_blob(p, s, new TensorOptions(DType.INT64.scalarType())).clone();
    }
  }

  /** A tensor from raw little-endian bytes, as stored in safetensors files. */
  public static Tensor fromBytes(byte[] data, int offset, int length, DType dtype, long... shape) {
    long n = numel(shape);
    if (n * dtype.byteSize() != length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype
          + " needs " + n * dtype.byteSize() + " bytes, got " + length);
    }
    Tensor t = torch.empty(shape, new TensorOptions(dtype.scalarType()), new MemoryFormatOptional());
    if (length > 0) {
      BytePointer dst = new BytePointer(t.data_ptr()).capacity(length);
      dst.put(data, offset, length);
      dst.deallocate(false);
    }
    return t;
  }

  /** The raw little-endian bytes of a tensor (its contiguous CPU copy). */
  public static byte[] toBytes(Tensor t) {
    Tensor c = t.device().is_cpu() && t.is_contiguous() ? t : t.cpu().contiguous();
    int n = Math.toIntExact(c.nbytes());
    byte[] out = new byte[n];
    if (n > 0) {
      BytePointer src = new BytePointer(c.data_ptr()).capacity(n);
      src.get(out);
      src.deallocate(false);
    }
    return out;
  }

  public static float[] toFloatArray(Tensor t) {
    FloatBuffer b = bytesAs(t, DType.FLOAT32).asFloatBuffer();
    float[] out = new float[b.remaining()];
    b.get(out);
    return out;
  }

  public static double[] toDoubleArray(Tensor t) {
    DoubleBuffer b = bytesAs(t, DType.FLOAT64).asDoubleBuffer();
    double[] out = new double[b.remaining()];
    b.get(out);
    return out;
  }

  public static long[] toLongArray(Tensor t) {
    LongBuffer b = bytesAs(t, DType.INT64).asLongBuffer();
    long[] out = new long[b.remaining()];
    b.get(out);
    return out;
  }

  /** The elements of {@code t} converted to {@code dtype}, as little-endian bytes. */
  private static ByteBuffer bytesAs(Tensor t, DType dtype) {
    return ByteBuffer.wrap(toBytes(t.to(dtype.scalarType()))).order(ByteOrder.LITTLE_ENDIAN);
  }

  public static long[] shape(Tensor t) {
    return t.sizes().vec().get();
  }

  public static DType dtype(Tensor t) {
    return DType.of(t.scalar_type());
  }

  public static long numel(long... shape) {
    long n = 1;
    for (long s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, s);
    }
    return n;
  }

  /** A shape as PyTorch prints it, e.g. {@code [2, 3, 224, 224]}. */
  public static String describe(long... shape) {
    return Arrays.toString(shape);
  }

  public static String describe(Tensor t) {
    return describe(shape(t));
  }

  /** The largest absolute element-wise difference, computed in float64. */
  public static double maxAbsDiff(Tensor a, Tensor b) {
    if (!Arrays.equals(shape(a), shape(b))) {
      throw new IllegalArgumentException("shapes differ: " + describe(a) + " vs " + describe(b));
    }
    try (Scope s = Scope.open()) {
      Tensor d = a.to(DType.FLOAT64.scalarType()).sub(b.to(DType.FLOAT64.scalarType())).abs();
      return d.numel() == 0 ? 0 : d.max().item_double();
    }
  }

  public static double maxAbs(Tensor a) {
    try (Scope s = Scope.open()) {
      return a.numel() == 0 ? 0 : a.to(DType.FLOAT64.scalarType()).abs().max().item_double();
    }
  }

  private static void checkCount(int count, long[] shape) {
    if (numel(shape) != count) {
      throw new IllegalArgumentException(count + " values do not fill shape " + Arrays.toString(shape));
    }
  }

}
