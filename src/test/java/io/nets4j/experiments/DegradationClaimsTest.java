package io.nets4j.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The degradation claims computed from a table of final training errors. */
class DegradationClaimsTest {
  private static Map<String, SeedStats> table(double p20, double p56, double r20, double r56) {
    Map<String, SeedStats> t = new LinkedHashMap<>();
    t.put("plain20_cifar", SeedStats.of(p20 - 0.01, p20, p20 + 0.01));
    t.put("plain32_cifar", SeedStats.of(0.5, 0.5, 0.5));
    t.put("plain56_cifar", SeedStats.of(p56 - 0.01, p56, p56 + 0.01));
    t.put("resnet20_cifar", SeedStats.of(r20 - 0.01, r20, r20 + 0.01));
    t.put("resnet56_cifar", SeedStats.of(r56 - 0.01, r56, r56 + 0.01));
    return t;
  }

  @Test
  void holdsWhenPlainDegradesAndResidualImproves() {
    List<Claim> claims = Degradation.claims(table(0.10, 0.15, 0.09, 0.06));
    assertEquals(2, claims.size());
    assertTrue(claims.get(0).holds(), claims.get(0).evidence());
    assertTrue(claims.get(1).holds(), claims.get(1).evidence());
    assertTrue(claims.get(0).evidence().contains("plain-56 15.0"), claims.get(0).evidence());
  }

  @Test
  void eachClaimFailsOnItsOwn() {
    List<Claim> plainImproves = Degradation.claims(table(0.15, 0.10, 0.09, 0.06));
    assertFalse(plainImproves.get(0).holds());
    assertTrue(plainImproves.get(1).holds());
    List<Claim> residualDegrades = Degradation.claims(table(0.10, 0.15, 0.06, 0.09));
    assertTrue(residualDegrades.get(0).holds());
    assertFalse(residualDegrades.get(1).holds());
    // equal means are no degradation and no improvement
    List<Claim> equal = Degradation.claims(table(0.10, 0.10, 0.08, 0.08));
    assertFalse(equal.get(0).holds());
    assertFalse(equal.get(1).holds());
  }

  @Test
  void overlappingSeedRangesAreSaid() {
    Map<String, SeedStats> t = table(0.10, 0.15, 0.09, 0.06);
    t.put("plain56_cifar", SeedStats.of(0.05, 0.12, 0.16));
    assertTrue(Degradation.claims(t).get(0).evidence().contains("overlap"));
    assertFalse(Degradation.claims(table(0.10, 0.15, 0.09, 0.06)).get(0).evidence().contains("overlap"));
  }

  @Test
  void aMissingRowIsNamed() {
    Map<String, SeedStats> t = table(0.10, 0.15, 0.09, 0.06);
    t.remove("resnet56_cifar");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Degradation.claims(t));
    assertTrue(e.getMessage().contains("resnet56_cifar"), e.getMessage());
  }

  @Test
  void seedStatsMeanSpreadAndRange() {
    SeedStats s = SeedStats.of(1, 2, 6);
    assertEquals(3, s.mean(), 1e-12);
    assertEquals(Math.sqrt(7), s.std(), 1e-12);
    assertEquals(1, s.min());
    assertEquals(6, s.max());
    assertEquals(0, SeedStats.of(4).std());
    assertThrows(IllegalArgumentException.class, SeedStats::of);
    assertThrows(IllegalArgumentException.class, () -> SeedStats.of(1, Double.NaN));
    assertEquals("300.0 ± 264.6 (100.0-600.0)", s.format(100));
  }
}
