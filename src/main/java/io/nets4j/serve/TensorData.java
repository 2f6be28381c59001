package io.nets4j.serve;

import io.nets4j.tensor.Tensors;
import java.util.Arrays;

/**
 * A named tensor as the Open Inference Protocol (KServe v2) carries it: a datatype, a shape and
 * the values flattened in row-major order. Only the two datatypes the served models produce are
 * held: {@code FP32} in {@code fp32}, {@code INT64} in {@code int64} (the other one is null).
 */
public record TensorData(String name, String datatype, long[] shape, float[] fp32, long[] int64) {
  public static final String FP32 = "FP32";
  public static final String INT64 = "INT64";

  public TensorData {
    shape = shape.clone();
    long n = Tensors.numel(shape);
    long held = FP32.equals(datatype) ? fp32.length : int64.length;
    if (held != n) {
      throw new IllegalArgumentException(name + ": " + held + " values for shape " + Tensors.describe(shape));
    }
  }

  /** An FP32 tensor of {@code values} in row-major order. */
  public static TensorData fp32(String name, long[] shape, float[] values) {
    return new TensorData(name, FP32, shape, values, null);
  }

  /** An INT64 tensor of {@code values} in row-major order. */
  public static TensorData int64(String name, long[] shape, long[] values) {
    return new TensorData(name, INT64, shape, null, values);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorData t && name.equals(t.name) && datatype.equals(t.datatype)
        && Arrays.equals(shape, t.shape) && Arrays.equals(fp32, t.fp32) && Arrays.equals(int64, t.int64);
  }

  @Override
  public int hashCode() {
    return 31 * name.hashCode() + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + " " + datatype + Tensors.describe(shape);
  }
}
