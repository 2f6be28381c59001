package io.nets4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class EmbeddingTest {
  @Test
  void looksUpRowsAndKeepsThePaddingRowAtZero() {
    try (Scope s = Scope.open()) {
      Embedding e = new Embedding(5, 3, 0);
      assertEquals(List.of("weight"), List.copyOf(e.stateDict().keySet()));
      assertEquals(0.0, Tensors.maxAbs(e.weight().select(0, 0)));
      Tensor idx = Tensors.fromLongs(new long[] {4, 0, 2, 2}, 2, 2);
      Tensor y = e.forward(idx);
      assertArrayEquals(new long[] {2, 2, 3}, Tensors.shape(y));
      assertEquals(0.0, Tensors.maxAbsDiff(y.select(0, 1).select(0, 0), e.weight().select(0, 2)));
      y.sum().backward();
      assertEquals(0.0, Tensors.maxAbs(e.weight().grad().select(0, 0)), "the padding row gets no gradient");
      assertTrue(Tensors.maxAbs(e.weight().grad().select(0, 2)) > 0);
    }
  }

  @Test
  void outOfRangeIndexIsAClearError() {
    try (Scope s = Scope.open()) {
      Embedding e = new Embedding(5, 3);
      LayerException x = assertThrows(LayerException.class, () -> e.forward(Tensors.fromLongs(new long[] {1, 5})));
      assertTrue(x.getMessage().contains("index 5 is outside the table of 5 rows"), x.getMessage());
      x = assertThrows(LayerException.class, () -> e.forward(Tensors.zeros(DType.FLOAT32, 2)));
      assertTrue(x.getMessage().contains("expected int64 or int32 indices"), x.getMessage());
    }
  }
}
