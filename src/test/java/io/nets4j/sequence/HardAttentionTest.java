package io.nets4j.sequence;

import static io.nets4j.sequence.RecurrentTest.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Random;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class HardAttentionTest {
  /** Evaluation mode takes the most likely location; the outputs are consistent with the distribution. */
  @Test
  void evalChoosesTheArgmax() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(1);
      HardAttention hard = new HardAttention(3, 4, 8);
      hard.to(DType.FLOAT64);
      hard.eval();
      Tensor query = randn(6, 3);
      Tensor keys = randn(6, 5, 4);
      Tensor values = randn(6, 5, 2);
      HardAttention.Choice c = hard.forward(query, keys, values, null);
      AdditiveAttention soft = new AdditiveAttention(3, 4, 8);
      soft.to(DType.FLOAT64);
      soft.stateDict().forEach((k, v) -> v.copy_(hard.stateDict().get(k)));
      Tensor scores = soft.scores(query, keys, null);
      assertArrayEquals(Tensors.toLongArray(scores.argmax(new LongOptional(1), false)), Tensors.toLongArray(c.index()));
      Tensor probs = torch.softmax(scores, 1);
      assertTrue(Tensors.maxAbsDiff(c.probs(), probs) < 1e-12);
      long[] idx = Tensors.toLongArray(c.index());
      for (int b = 0; b < 6; b++) {
        assertTrue(Tensors.maxAbsDiff(c.context().select(0, b), values.select(0, b).select(0, idx[b])) == 0);
        assertEquals(Math.log(probs.select(0, b).select(0, idx[b]).item_double()), c.logProb().select(0, b).item_double(), 1e-12);
      }
      Tensor entropy = probs.mul(probs.log()).sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).neg();
      assertTrue(Tensors.maxAbsDiff(c.entropy(), entropy) < 1e-12);
    }
  }

  /** Training mode samples from the distribution and never picks a padded location. */
  @Test
  void trainingSamplesFromTheDistribution() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(2);
      int n = 40_000;
      Tensor logits = Tensors.fromDoubles(new double[] {0.5, -0.2, 1.0, 3.0}, 1, 4).expand(n, 4).contiguous();
      logits.select(1, 3).fill_(new org.bytedeco.pytorch.Scalar(Double.NEGATIVE_INFINITY));
      HardAttention.Choice c = HardAttention.select(logits, Tensors.zeros(DType.FLOAT64, n, 4, 1), true);
      long[] counts = new long[4];
      for (long i : Tensors.toLongArray(c.index())) {
        counts[(int) i]++;
      }
      assertEquals(0, counts[3], "a padded location was chosen");
      double[] p = Tensors.toDoubleArray(c.probs().select(0, 0));
      for (int i = 0; i < 3; i++) {
        double se = Math.sqrt(p[i] * (1 - p[i]) / n);
        assertEquals(p[i], counts[i] / (double) n, 5 * se, "frequency of location " + i);
      }
      assertTrue(Double.isFinite(c.entropy().sum().item_double()));
    }
  }

  /**
   * The REINFORCE estimate from sampled choices is unbiased: with N samples it lies within five
   * standard errors of the exact gradient {@code dE[f]/dtheta_j = p_j (f_j - E[f])}, with or
   * without a baseline (a constant baseline changes the variance, not the mean).
   */
  @Test
  void scoreFunctionGradientIsUnbiased() {
    try (Scope s = Scope.open()) {
      torch.manual_seed(3);
      double[] theta = {0.5, -0.3, 1.0, 0.0};
      double[] f = {1.0, 3.0, 0.0, 2.0};
      double[] p = softmax(theta);
      double mean = 0;
      for (int i = 0; i < 4; i++) {
        mean += p[i] * f[i];
      }
      int n = 50_000;
      for (double baseline : new double[] {0, mean, 10}) {
        Tensor t = Tensors.fromDoubles(theta, 4).requires_grad_(true);
        HardAttention.Choice c = HardAttention.select(t.unsqueeze(0).expand(n, 4), Tensors.zeros(DType.FLOAT64, n, 4, 1), true);
        Tensor reward = Tensors.fromDoubles(f, 4).index_select(0, c.index());
        Reinforce.loss(c.logProb(), reward, baseline).backward();
        double[] estimate = Tensors.toDoubleArray(t.grad().neg());
        for (int j = 0; j < 4; j++) {
          double exact = p[j] * (f[j] - mean);
          double second = 0;
          for (int i = 0; i < 4; i++) {
            double g = (f[i] - baseline) * ((i == j ? 1 : 0) - p[j]);
            second += p[i] * g * g;
          }
          double se = Math.sqrt((second - exact * exact) / n);
          assertEquals(exact, estimate[j], 5 * se, "component " + j + " with baseline " + baseline);
        }
      }
    }
  }

  /**
   * A toy "find the matching colour" task learns through REINFORCE alone: keys are one-hot colours
   * of 5 locations, the query is a colour present at exactly one of them, the reward is 1 for
   * choosing it. Chance is 20%; after training the argmax choice is right almost always.
   */
  @Test
  void toyTaskLearnsWithReinforce() {
    torch.manual_seed(4);
    Random rnd = new Random(4);
    int colours = 4;
    int locations = 5;
    HardAttention hard = new HardAttention(colours, colours, 16);
    train(hard, rnd, colours, locations);
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Batch test = Batch.random(rnd, 500, colours, locations);
      hard.eval();
      HardAttention.Choice c = hard.forward(test.query, test.keys, test.keys, null);
      double accuracy = c.index().eq(test.target).to(DType.FLOAT32.scalarType()).mean().item_double();
      System.out.printf("hard attention toy task: accuracy %.3f (chance 0.2)%n", accuracy);
      assertTrue(accuracy > 0.95, "accuracy " + accuracy);
    }
  }

  private static void train(HardAttention hard, Random rnd, int colours, int locations) {
    Adam adam = new Adam(new TensorVector(hard.parameters().toArray(new Tensor[0])), new AdamOptions(0.03));
    Reinforce.MovingAverageBaseline baseline = new Reinforce.MovingAverageBaseline(0.9);
    for (int step = 0; step < 150; step++) {
      try (Scope s = Scope.open()) {
        Batch batch = Batch.random(rnd, 64, colours, locations);
        hard.train();
        HardAttention.Choice c = hard.forward(batch.query, batch.keys, batch.keys, null);
        Tensor reward = c.index().eq(batch.target).to(DType.FLOAT32.scalarType());
        Tensor loss = baseline.loss(c.logProb(), reward).sub(c.entropy().mean().mul(new org.bytedeco.pytorch.Scalar(0.01)));
        adam.zero_grad();
        loss.backward();
        adam.step();
      }
    }
  }

  private record Batch(Tensor query, Tensor keys, Tensor target) {
    static Batch random(Random rnd, int n, int colours, int locations) {
      float[] q = new float[n * colours];
      float[] k = new float[n * locations * colours];
      long[] target = new long[n];
      for (int b = 0; b < n; b++) {
        int colour = rnd.nextInt(colours);
        int where = rnd.nextInt(locations);
        q[b * colours + colour] = 1;
        target[b] = where;
        for (int l = 0; l < locations; l++) {
          int c = l == where ? colour : (colour + 1 + rnd.nextInt(colours - 1)) % colours;
          k[(b * locations + l) * colours + c] = 1;
        }
      }
      return new Batch(Tensors.fromFloats(q, n, colours), Tensors.fromFloats(k, n, locations, colours),
          Tensors.fromLongs(target, n));
    }
  }

  private static double[] softmax(double[] x) {
    double z = 0;
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = Math.exp(x[i]);
      z += out[i];
    }
    for (int i = 0; i < x.length; i++) {
      out[i] /= z;
    }
    return out;
  }
}
