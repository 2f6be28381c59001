package io.nets4j.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The check values of shared/fixtures/README.md. */
class FillRuleTest {
  @Test
  void fnvHashOfConv1Weight() {
    assertEquals(7611815837976482388L, FillRule.fnv1a64("conv1.weight"));
  }

  @Test
  void firstUniformsOfConv1Weight() {
    double[] u = FillRule.uniforms("conv1.weight", 3);
    assertEquals(0.54507498, u[0], 1e-8);
    assertEquals(0.74516175, u[1], 1e-8);
    assertEquals(0.02292174, u[2], 1e-8);
  }

  @Test
  void conv1WeightFill() {
    float[] v = FillRule.values("conv1.weight", new long[] {2, 1, 1, 2});
    assertArrayEquals(new float[] {0.1561443f, 0.8492652f, -1.6526476f, 0.8182133f}, v, 5e-7f);
  }

  @Test
  void suffixRules() {
    double u = FillRule.uniforms("bn.running_var", 1)[0];
    assertEquals((float) (0.5 + u), FillRule.values("bn.running_var", new long[] {1})[0]);
    u = FillRule.uniforms("bn.weight", 1)[0];
    assertEquals((float) (1 + (2 * u - 1) * 0.1), FillRule.values("bn.weight", new long[] {1})[0]);
    u = FillRule.uniforms("fc.bias", 1)[0];
    assertEquals((float) ((2 * u - 1) * 0.1), FillRule.values("fc.bias", new long[] {1})[0]);
  }
}
