package io.nets4j.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** 2C²/r against counted SE blocks and the registered SE-ResNet-20s, and the claims computed from the counts. */
class SqueezeExcitationCostTest {
  @Test
  void countedBlockWeightsAreTheFormula() {
    for (int c : new int[] {16, 32, 64, 96, 256}) {
      for (int r : new int[] {4, 8, 16, 32}) {
        if (c % r != 0) {
          continue;
        }
        SqueezeExcitationCost cost = SqueezeExcitationCost.measure(c, r);
        // fc1: [C/r, C, 1, 1], fc2: [C, C/r, 1, 1]
        assertEquals(2L * c * (c / r), cost.weights(), "C=" + c + " r=" + r);
        assertEquals(2L * c * c / r, SqueezeExcitationCost.formulaWeights(c, r));
        assertEquals(c / r + c, cost.biases(), "C=" + c + " r=" + r);
        assertTrue(cost.matches());
      }
    }
    assertEquals(2 * 64 * 64 / 16, SqueezeExcitationCost.measure(64, 16).weights());
  }

  @Test
  void aRatioThatDoesNotDivideTheChannelsIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SqueezeExcitationCost.measure(16, 32));
    assertTrue(e.getMessage().contains("32") && e.getMessage().contains("16"), e.getMessage());
  }

  @Test
  void registeredNetworksAddTheFormulaSummedOverTheirBlocks() {
    for (int r : SqueezeExcitationExperiment.MODEL_RATIOS) {
      long added = SqueezeExcitationCost.addedParameters(SqueezeExcitationExperiment.seModel(r), "resnet20_cifar");
      // three blocks at each of 16, 32, 64 channels
      long expected = 0;
      for (int c : new int[] {16, 32, 64}) {
        expected += 3 * (2L * c * c / r + c / r + c);
      }
      assertEquals(expected, added, "r=" + r);
      assertEquals(expected, SqueezeExcitationExperiment.networkFormula(r));
    }
  }

  @Test
  void claimsFromCountsAndAccuracies() {
    List<SqueezeExcitationCost> blocks = SqueezeExcitationExperiment.blockCosts();
    assertEquals(5 + 5 + 5 + 4, blocks.size(), "every C of 16-256 with r in 4-32 dividing it (r = 32: not C = 16)");
    Map<Integer, Long> added = Map.of(16, SqueezeExcitationExperiment.networkFormula(16));
    SeedStats base = SeedStats.of(0.80, 0.81, 0.82);
    List<Claim> ok = SqueezeExcitationExperiment.claims(blocks, added, base, SeedStats.of(0.82, 0.83, 0.84));
    assertTrue(ok.get(0).holds(), ok.get(0).evidence());
    assertTrue(ok.get(1).holds());
    assertFalse(SqueezeExcitationExperiment.claims(blocks, added, base, SeedStats.of(0.78, 0.79, 0.80)).get(1).holds());
    // a count off by one breaks the first claim, and the evidence names it
    List<SqueezeExcitationCost> wrong = List.of(new SqueezeExcitationCost(64, 16, 513, 68));
    Claim count = SqueezeExcitationExperiment.claims(wrong, added, base, base).get(0);
    assertFalse(count.holds());
    assertTrue(count.evidence().contains("C=64 r=16: 513 weights, 512 expected"), count.evidence());
    Claim network = SqueezeExcitationExperiment.claims(blocks, Map.of(8, 1L), base, base).get(0);
    assertFalse(network.holds());
    assertTrue(network.evidence().contains("se_resnet20_cifar_r8"), network.evidence());
  }
}
