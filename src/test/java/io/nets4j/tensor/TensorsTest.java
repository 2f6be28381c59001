package io.nets4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class TensorsTest {
  /**
   * JavaCPP hands out tuple and vector elements by reference into the container; the container
   * dies with the scope that created it, the owned handles must not.
   */
  @Test
  void ownedElementsOutliveTheirContainers() {
    try (Scope outer = Scope.open()) {
      Tensor[] top;
      Tensor[] halves;
      Tensor[] triple;
      try (Scope inner = Scope.open()) {
        Tensor x = Tensors.fromFloats(new float[] {3, 9, 1, 7}, 4);
        top = Tensors.owned(x.topk(2, 0, true, true));
        halves = Tensors.owned(x.chunk(2, 0));
        triple = Tensors.owned(torch.unique_consecutive(Tensors.fromLongs(new long[] {4, 4, 2}), true, true,
            new org.bytedeco.pytorch.LongOptional()));
        for (Tensor[] group : new Tensor[][] {top, halves, triple}) {
          for (Tensor t : group) {
            inner.keep(t);
          }
        }
      }
      // new tensors reuse whatever the closed scope freed
      for (int i = 0; i < 100; i++) {
        Tensors.full(DType.FLOAT32, -1, 4);
      }
      assertArrayEquals(new float[] {9, 7}, Tensors.toFloatArray(top[0]));
      assertArrayEquals(new long[] {1, 3}, Tensors.toLongArray(top[1]));
      assertArrayEquals(new float[] {3, 9}, Tensors.toFloatArray(halves[0]));
      assertArrayEquals(new float[] {1, 7}, Tensors.toFloatArray(halves[1]));
      assertArrayEquals(new long[] {4, 2}, Tensors.toLongArray(triple[0]));
      assertArrayEquals(new long[] {0, 0, 1}, Tensors.toLongArray(triple[1]));
      assertArrayEquals(new long[] {2, 1}, Tensors.toLongArray(triple[2]));
    }
  }

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
