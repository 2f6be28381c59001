package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.F;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class MixingTest {
  private static final int N = 4;
  private static final int C = 2;
  private static final int H = 8;
  private static final int W = 10;

  /** Sample n is filled with n + 1, so every mixed pixel tells where it came from. */
  private static Tensor images() {
    float[] d = new float[N * C * H * W];
    for (int i = 0; i < d.length; i++) {
      d[i] = i / (C * H * W) + 1;
    }
    return Tensors.fromFloats(d, N, C, H, W);
  }

  @Test
  void mixupBlendsEachSampleWithItsMirror() {
    try (Scope s = Scope.open()) {
      Tensor labels = Tensors.fromLongs(new long[] {0, 1, 2, 3});
      Mixing.Mixed m = Mixing.mixup(images(), labels, 0.4, new SplittableRandom(3));
      double lam = m.lambda();
      assertTrue(lam >= 0 && lam <= 1);
      float[] out = Tensors.toFloatArray(m.images());
      for (int n = 0; n < N; n++) {
        double expected = lam * (n + 1) + (1 - lam) * (N - n);
        assertEquals(expected, out[n * C * H * W + 7], 1e-5);
      }
      assertArrayEquals(new long[] {0, 1, 2, 3}, Tensors.toLongArray(m.labelsA()));
      assertArrayEquals(new long[] {3, 2, 1, 0}, Tensors.toLongArray(m.labelsB()));
    }
  }

  @Test
  void cutmixLambdaIsTheFractionOfPixelsKept() {
    try (Scope s = Scope.open()) {
      Tensor labels = Tensors.fromLongs(new long[] {5, 6, 7, 8});
      SplittableRandom r = new SplittableRandom(1);
      boolean sawCut = false;
      for (int trial = 0; trial < 20; trial++) {
        Mixing.Mixed m = Mixing.cutmix(images(), labels, 1.0, r);
        float[] out = Tensors.toFloatArray(m.images());
        for (int n = 0; n < N; n++) {
          int kept = 0;
          for (int i = 0; i < C * H * W; i++) {
            float v = out[n * C * H * W + i];
            assertTrue(v == n + 1 || v == N - n, "pixel from neither sample: " + v);
            kept += v == n + 1 ? 1 : 0;
          }
          if (n != N - 1 - n) {
            assertEquals(m.lambda(), kept / (double) (C * H * W), 1e-9);
          }
        }
        sawCut |= m.lambda() < 1;
      }
      assertTrue(sawCut);
    }
  }

  @Test
  void softTargetsAndLossAgree() {
    try (Scope s = Scope.open()) {
      Tensor labels = Tensors.fromLongs(new long[] {0, 2, 1, 2});
      Mixing.Mixed m = Mixing.mixup(images(), labels, 1.0, new SplittableRandom(5));
      Tensor targets = m.softTargets(3, 0.1);
      float[] t = Tensors.toFloatArray(targets);
      assertArrayEquals(new long[] {4, 3}, Tensors.shape(targets));
      for (int n = 0; n < 4; n++) {
        assertEquals(1.0, t[3 * n] + t[3 * n + 1] + t[3 * n + 2], 1e-6);
      }
      // Sample 0 mixes class 0 (weight lambda) with sample 3's class 2.
      double lam = m.lambda();
      double off = 0.1 / 3;
      assertEquals(lam * (0.9 + off) + (1 - lam) * off, t[0], 1e-6);
      assertEquals(off, t[1], 1e-6);
      Tensor logits = Tensors.fromFloats(new float[] {1, 2, 3, -1, 0, 1, 0.5f, 0.5f, 2, 3, 1, 0}, 4, 3);
      double viaLabels = m.loss(logits, 0.1).item_double();
      double viaTargets = F.crossEntropy(logits, targets).item_double();
      assertEquals(viaTargets, viaLabels, 1e-5);
    }
  }

  @Test
  void betaDrawsHaveTheRightMean() {
    SplittableRandom r = new SplittableRandom(2);
    for (double alpha : new double[] {0.2, 1.0, 3.0}) {
      double sum = 0;
      double sumSq = 0;
      int n = 20000;
      for (int i = 0; i < n; i++) {
        double b = Mixing.beta(alpha, r);
        assertTrue(b >= 0 && b <= 1);
        sum += b;
        sumSq += b * b;
      }
      double mean = sum / n;
      double var = sumSq / n - mean * mean;
      assertEquals(0.5, mean, 0.02, "alpha " + alpha);
      assertEquals(1 / (4 * (2 * alpha + 1)), var, 0.01, "alpha " + alpha); // Var of Beta(a, a)
    }
  }

  @Test
  void wrongShapesAreRejected() {
    try (Scope s = Scope.open()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Mixing.mixup(images(), Tensors.fromLongs(new long[] {1, 2}), 1, new SplittableRandom(0)));
      assertTrue(e.getMessage().contains("[4, 2, 8, 10]") && e.getMessage().contains("[2]"), e.getMessage());
    }
  }
}
