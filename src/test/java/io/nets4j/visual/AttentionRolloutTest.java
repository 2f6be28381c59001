package io.nets4j.visual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class AttentionRolloutTest {
  /** Token 0 is the class token, tokens 1 and 2 two patches. */
  private static final double[][] A1 = {{0.4, 0.4, 0.2}, {0, 1, 0}, {0.5, 0, 0.5}};
  private static final double[][] A2 = {{0, 0.5, 0.5}, {0, 1, 0}, {0, 0, 1}};

  @Test
  void twoLayerRolloutMatchesHandComputation() {
    // Â1 = (A1 + I) / 2 = [[.7 .2 .1] [0 1 0] [.25 0 .75]], Â2 = [[.5 .25 .25] [0 1 0] [0 0 1]]
    // R = Â2 Â1, row 0 = .5 [.7 .2 .1] + .25 [0 1 0] + .25 [.25 0 .75] = [.4125 .35 .2375]
    double[][] r = AttentionRollout.rollout(List.of(A1, A2));
    assertArrayEquals(new double[] {0.4125, 0.35, 0.2375}, r[0], 1e-12);
    assertArrayEquals(new double[] {0, 1, 0}, r[1], 1e-12);
    // row 2 = Â1 row 2
    assertArrayEquals(new double[] {0.25, 0, 0.75}, r[2], 1e-12);
    assertArrayEquals(new double[] {0.35, 0.2375}, AttentionRollout.classTokenToPatches(r), 1e-12);
  }

  @Test
  void identityIsAddedThenRowsRenormalised() {
    double[][] a = {{0.25, 0.75}, {1, 0}};
    double[][] r = AttentionRollout.rollout(List.<double[][]>of(a));
    assertArrayEquals(new double[] {0.625, 0.375}, r[0], 1e-12);
    assertArrayEquals(new double[] {0.5, 0.5}, r[1], 1e-12); // [1 0] + [0 1], halved
  }

  @Test
  void classTokenEntersWhenALayerHasOneTokenMore() {
    // patches only: Â = [[.75 .25] [.25 .75]]; then with the class token, Â2 row 0 = [.5 .5 0]:
    // the flow is extended to [[1 0 0] [0 .75 .25] [0 .25 .75]], row 0 = .5 [1 0 0] + .5 [0 .75 .25]
    double[][] patches = {{0.5, 0.5}, {0.5, 0.5}};
    double[][] withClass = {{0, 1, 0}, {0, 1, 0}, {0, 0, 1}};
    double[][] r = AttentionRollout.rollout(List.of(patches, withClass));
    assertArrayEquals(new double[] {0.5, 0.375, 0.125}, r[0], 1e-12);
  }

  @Test
  void headsAreAveragedFromRecordedMapsAndTheLastLayerGivesItsClassRow() {
    double[] data = new double[2 * 2 * 9];
    double[][][] layers = {A1, A2};
    for (int l = 0; l < 2; l++) {
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          double d = 0.1 * (i - j);
          data[l * 18 + i * 3 + j] = layers[l][i][j] + d; // head 0
          data[l * 18 + 9 + i * 3 + j] = layers[l][i][j] - d; // head 1
        }
      }
    }
    double[][] mean0 = AttentionRollout.headMean(Tensors.fromDoubles(Arrays.copyOfRange(data, 0, 18), 1, 2, 3, 3));
    double[][] mean1 = AttentionRollout.headMean(Tensors.fromDoubles(Arrays.copyOfRange(data, 18, 36), 1, 2, 3, 3));
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(A1[i], mean0[i], 1e-12);
      assertArrayEquals(A2[i], mean1[i], 1e-12);
    }
    assertArrayEquals(new double[] {0.4125, 0.35, 0.2375}, AttentionRollout.rollout(List.of(mean0, mean1))[0], 1e-12);
    // the last layer alone: row 0 of the head mean, without the class token, over a 2 x 2 grid
    Map<String, Tensor> last = new LinkedHashMap<>();
    last.put("only", Tensors.fromDoubles(new double[] {0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0, 0, 0}, 1, 1, 2, 5));
    assertArrayEquals(new double[] {0.2, 0.3, 0.4, 0}, AttentionImages.classTokenAttention(last,
        AttentionImages.Method.LAST), 1e-7);
  }

  @Test
  void nonSquareMapsCannotBeRolledOut() {
    double[][] rect = {{0.5, 0.5}, {0.5, 0.5}, {1, 0}};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AttentionRollout.rollout(List.<double[][]>of(rect)));
    assertTrue(e.getMessage().contains("square"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> AttentionRollout.rollout(List.of()));
    double[][] five = new double[5][5];
    IllegalArgumentException jump = assertThrows(IllegalArgumentException.class,
        () -> AttentionRollout.rollout(List.of(A1, five)));
    assertTrue(jump.getMessage().contains("layer 1 has 5 tokens after a layer with 3"), jump.getMessage());
  }
}
