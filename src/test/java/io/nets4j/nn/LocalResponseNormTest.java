package io.nets4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class LocalResponseNormTest {
  private static final Path FIXTURE = Path.of("..", "shared", "fixtures", "ops", "local_response_norm.safetensors");

  /** nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0) of PyTorch, in float64. */
  @Test
  void matchesPyTorchFixture() {
    try (Scope s = Scope.open()) {
      SafeTensorsFile file = SafeTensors.read(FIXTURE);
      Tensor input = file.tensor("input");
      Tensor expected = file.tensor("output");
      Tensor y = new LocalResponseNorm(5, 1e-4, 0.75, 2.0).forward(input);
      assertEquals(DType.FLOAT64, Tensors.dtype(y));
      double err = Tensors.maxAbsDiff(y, expected) / Tensors.maxAbs(expected);
      assertTrue(err <= 1e-9, "relative error " + err);
    }
  }

  /** The window averages the squares: a lone channel of value a gives a / (k + alpha / n * a^2)^beta. */
  @Test
  void dividesAlphaByTheWindowSize() {
    try (Scope s = Scope.open()) {
      double a = 3;
      double[] x = new double[7];
      x[3] = a;
      Tensor y = new LocalResponseNorm(5, 0.5, 0.75, 2.0).forward(Tensors.fromDoubles(x, 1, 7, 1, 1));
      double[] out = Tensors.toDoubleArray(y);
      assertEquals(a / Math.pow(2 + 0.5 / 5 * a * a, 0.75), out[3], 1e-12);
      assertEquals(0, out[1], 0);
    }
  }

  @Test
  void rejectsInputWithoutChannels() {
    try (Scope s = Scope.open()) {
      LocalResponseNorm lrn = new LocalResponseNorm(5, 1e-4, 0.75, 2.0);
      LayerException e = assertThrows(LayerException.class, () -> lrn.forward(Tensors.zeros(DType.FLOAT32, 4, 5)));
      assertTrue(e.getMessage().contains("[N, C, ...]") && e.getMessage().contains("[4, 5]"), e.getMessage());
    }
  }
}
