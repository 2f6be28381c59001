package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * libtorch's SGD and AdamW get the settings we give them: updates equal the algorithms computed
 * by hand, one-dimensional parameters go to a group without weight decay, and the state saved
 * with libtorch's serialisation restores bit for bit.
 */
class OptimizerTest {
  /** A module with a matrix and a vector parameter, in float64. */
  private static final class Params extends Module {
    final Tensor w = registerParameter("w", Tensors.fromDoubles(new double[] {1, -2, 3, -4}, 2, 2));
    final Tensor b = registerParameter("b", Tensors.fromDoubles(new double[] {0.5, -1.5}, 2));
  }

  /** loss = sum(w^2) + sum(b^2): gradients 2w and 2b. */
  private static void backward(Params p) {
    p.w.mul(p.w).sum().add(p.b.mul(p.b).sum()).backward();
  }

  private static double[] values(Tensor t) {
    return Tensors.toDoubleArray(t);
  }

  @Test
  void sgdWithNesterovMomentumAndWeightDecayMatchesTheAlgorithm() {
    Params p = new Params();
    double lr = 0.1;
    double mu = 0.9;
    double wd = 0.01;
    TorchOptimizer opt = OptimizerSpec.sgd(lr).withMomentum(mu).withNesterov(true).withWeightDecay(wd).build(p);
    assertEquals(List.of(List.of("w"), List.of("b")), opt.groupNames());
    double[] w = values(p.w);
    double[] b = values(p.b);
    double[] bufW = new double[4];
    double[] bufB = new double[2];
    for (int step = 0; step < 3; step++) {
      opt.zeroGrad();
      backward(p);
      opt.step();
      sgd(w, bufW, lr, mu, wd, step);
      sgd(b, bufB, lr, mu, 0, step); // no decay on the vector
      assertClose(w, values(p.w));
      assertClose(b, values(p.b));
    }
  }

  private static void sgd(double[] x, double[] buf, double lr, double mu, double wd, int step) {
    for (int i = 0; i < x.length; i++) {
      double g = 2 * x[i] + wd * x[i];
      buf[i] = step == 0 ? g : mu * buf[i] + g;
      x[i] -= lr * (g + mu * buf[i]);
    }
  }

  @Test
  void adamwWithDecoupledWeightDecayMatchesTheAlgorithm() {
    Params p = new Params();
    double lr = 0.01;
    double b1 = 0.8;
    double b2 = 0.95;
    double wd = 0.1;
    TorchOptimizer opt = OptimizerSpec.adamw(lr).withBetas(b1, b2).withWeightDecay(wd).withDecayNormAndBias(true)
        .build(p);
    assertEquals(1, opt.groupNames().size());
    double[] w = values(p.w);
    double[] m = new double[4];
    double[] v = new double[4];
    for (int step = 1; step <= 4; step++) {
      opt.zeroGrad();
      backward(p);
      opt.step();
      for (int i = 0; i < 4; i++) {
        double g = 2 * w[i];
        w[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, step)) + 1e-8;
        w[i] -= lr / (1 - Math.pow(b1, step)) * m[i] / denom;
      }
      assertClose(w, values(p.w));
    }
  }

  @Test
  void learningRateIsSetOnEveryGroup() {
    Params p = new Params();
    TorchOptimizer opt = OptimizerSpec.sgd(0.1).withWeightDecay(1e-4).build(p);
    opt.setLr(0.0125);
    assertEquals(0.0125, opt.lr());
    double[] before = values(p.b);
    opt.zeroGrad();
    backward(p);
    opt.step();
    // the second (no-decay) group moved with the new rate: b - 0.0125 * 2b
    assertEquals(before[0] * (1 - 0.025), values(p.b)[0], 1e-12);
  }

  @Test
  void savedStateRestoresBitForBit() {
    for (OptimizerSpec spec : List.of(OptimizerSpec.sgd(0.1).withWeightDecay(0.01), OptimizerSpec.adamw(0.01))) {
      Params a = new Params();
      TorchOptimizer optA = spec.build(a);
      for (int i = 0; i < 3; i++) {
        optA.zeroGrad();
        backward(a);
        optA.step();
      }
      // small chunks, so that the state spans several (as a large model's does with the real size)
      List<byte[]> state = optA.saveState(1000);
      assertTrue(state.size() > 2, state.size() + " chunks");
      assertTrue(state.stream().allMatch(c -> c.length <= 1000));
      Params b = new Params();
      b.w.detach().copy_(a.w);
      b.b.detach().copy_(a.b);
      TorchOptimizer optB = spec.build(b);
      optB.loadState(state, optA.layout());
      for (int i = 0; i < 2; i++) {
        for (var pair : List.of(List.of(a, optA), List.of(b, optB))) {
          ((TorchOptimizer) pair.get(1)).zeroGrad();
          backward((Params) pair.get(0));
          ((TorchOptimizer) pair.get(1)).step();
        }
      }
      assertEquals(0, Tensors.maxAbsDiff(a.w, b.w), spec.kind() + " weights after resuming the optimizer");
      assertEquals(0, Tensors.maxAbsDiff(a.b, b.b), spec.kind() + " biases after resuming the optimizer");
    }
  }

  @Test
  void stateOfOtherParametersIsRefused() {
    Params a = new Params();
    TorchOptimizer opt = OptimizerSpec.sgd(0.1).build(a);
    List<byte[]> state = opt.saveState();
    Module other = new Module() {
      final Tensor w = registerParameter("w", Tensors.zeros(DType.FLOAT64, 3, 3));
      final Tensor b = registerParameter("b", Tensors.zeros(DType.FLOAT64, 2));
    };
    TorchOptimizer otherOpt = OptimizerSpec.sgd(0.1).build(other);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> otherOpt.loadState(state, opt.layout()));
    assertTrue(e.getMessage().contains("saved 0 w [2, 2], now 0 w [3, 3]"), e.getMessage());
  }

  @Test
  void invalidSettingsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.adamw(0.1).withNesterov(true));
    assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.sgd(0.1).withMomentum(0).withNesterov(true));
    assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.sgd(-1));
    Params frozen = new Params();
    frozen.requiresGrad(false);
    assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.sgd(0.1).build(frozen));
  }

  private static void assertClose(double[] expected, double[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-12 * Math.max(1, Math.abs(expected[i])), "element " + i);
    }
  }
}
