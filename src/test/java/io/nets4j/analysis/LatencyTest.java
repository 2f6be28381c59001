package io.nets4j.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Layer;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** {@link Latency}: what is timed and how the statistics are taken (not how fast anything is). */
class LatencyTest {
  /** A convolution that records how it was called. */
  private static final class Probe extends Layer {
    private final Conv2d conv = register("conv", new Conv2d(3, 4, ConvSpec.kernel(3).padding(1)));
    int calls;
    boolean allEval = true;
    boolean allInference = true;
    long[] lastShape;

    @Override
    protected Tensor compute(Tensor x) {
      calls++;
      allEval &= !isTraining();
      allInference &= InferenceMode.is_enabled();
      lastShape = Tensors.shape(x);
      return conv.forward(x);
    }
  }

  @Test
  void warmsUpThenTimesEvalPassesWithoutAutograd() {
    Probe probe = new Probe();
    assertTrue(probe.isTraining());
    Latency.Stats s = Latency.measure(probe, new long[] {1, 3, 8, 8}, 2, 5);
    assertEquals(7, probe.calls);
    assertTrue(probe.allEval && probe.allInference);
    assertFalse(InferenceMode.is_enabled(), "the guard ends with the measurement");
    assertEquals(2, s.warmupRuns());
    assertEquals(5, s.runs());
    assertTrue(s.minMs() > 0 && s.minMs() <= s.p25Ms() && s.p25Ms() <= s.medianMs() && s.medianMs() <= s.p75Ms(),
        s.toString());
    assertArrayEquals(new long[] {1, 3, 8, 8}, probe.lastShape);
  }

  @Test
  void rejectsBadArguments() {
    Probe probe = new Probe();
    assertThrows(IllegalArgumentException.class, () -> Latency.measure(probe, new long[] {1, 3, 8, 8}, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> Latency.measure(probe, new long[] {1, 3, 8, 8}, -1, 3));
    assertThrows(IllegalArgumentException.class, () -> Latency.measure(probe, new long[] {1, 0, 8, 8}, 1, 3));
    assertThrows(IllegalArgumentException.class, () -> Latency.measure(probe, new long[0], 1, 3));
    assertEquals(0, probe.calls);
  }

  @Test
  void quantilesInterpolateLinearly() {
    double[] v = {1, 2, 3, 4};
    assertEquals(2.5, Latency.quantile(v, 0.5));
    assertEquals(1.75, Latency.quantile(v, 0.25));
    assertEquals(3.25, Latency.quantile(v, 0.75));
    assertEquals(7, Latency.quantile(new double[] {7}, 0.5));
  }
}
