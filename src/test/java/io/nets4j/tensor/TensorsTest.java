package io.nets4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class TensorsTest {
  @Test
  void longsWithoutShapeAreOneDimensionalEvenForOneValue() {
    try (Scope s = Scope.open()) {
      assertArrayEquals(new long[] {1}, Tensors.shape(Tensors.fromLongs(new long[] {7})));
      assertArrayEquals(new long[] {3}, Tensors.shape(Tensors.fromLongs(new long[] {1, 2, 3})));
      Tensor scalar = Tensors.scalarLong(5);
      assertEquals(0, scalar.dim());
      assertEquals(5, scalar.item_long());
    }
  }

  @Test
  void roundTripsAndDtypes() {
    try (Scope s = Scope.open()) {
      Tensor f = Tensors.fromFloats(new float[] {1.5f, -2f, 3f, 4f}, 2, 2);
      assertEquals(DType.FLOAT32, Tensors.dtype(f));
      assertArrayEquals(new float[] {1.5f, -2f, 3f, 4f}, Tensors.toFloatArray(f));
      Tensor d = Tensors.fromDoubles(new double[] {0.1, 0.2}, 2);
      assertEquals(DType.FLOAT64, Tensors.dtype(d));
      assertArrayEquals(new double[] {0.1, 0.2}, Tensors.toDoubleArray(d));
      assertEquals(0.5, Tensors.maxAbsDiff(f, f.add(new org.bytedeco.pytorch.Scalar(0.5))), 1e-7);
    }
  }

  @Test
  void wrongCountIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tensors.fromFloats(new float[5], 2, 3));
    assertEquals("5 values do not fill shape [2, 3]", e.getMessage());
  }

  @Test
  void metaDeviceAllocatesNothing() {
    Tensor t = Tensors.onDevice("meta", () -> Tensors.empty(DType.FLOAT32, 1_000_000, 1_000_000));
    assertEquals(true, t.is_meta());
  }
}
