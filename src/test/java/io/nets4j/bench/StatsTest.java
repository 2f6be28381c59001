package io.nets4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void percentilesInterpolateLikeNumpy() {
    // numpy.percentile([5, 1, 4, 2, 3, 10, 7, 6, 9, 8], [10, 50, 90]) = [1.9, 5.5, 9.1]
    Stats s = Stats.of(new double[] {5, 1, 4, 2, 3, 10, 7, 6, 9, 8});
    assertEquals(10, s.n());
    assertEquals(5.5, s.median(), 1e-12);
    assertEquals(1.9, s.p10(), 1e-12);
    assertEquals(9.1, s.p90(), 1e-12);
    assertEquals(1, s.min());
    assertEquals(10, s.max());
  }

  @Test
  void reciprocalSwapsTheEnds() {
    Stats ms = Stats.of(new double[] {10, 20, 40, 50, 100, 10, 20, 40, 50, 100});
    Stats perSecond = ms.reciprocal(1000.0 * 4);
    assertEquals(4000.0 / ms.median(), perSecond.median(), 1e-9);
    assertEquals(40, perSecond.min(), 1e-9);
    assertEquals(400, perSecond.max(), 1e-9);
    assertEquals(4000.0 / ms.p90(), perSecond.p10(), 1e-9);
  }

  @Test
  void noSamplesIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[0]));
  }
}
