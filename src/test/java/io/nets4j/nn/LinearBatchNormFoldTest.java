package io.nets4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * {@link Linear#fuseBatchNorm}: a linear layer followed by a batch norm over its output features
 * (BatchNorm1d on {@code [N, C]}) computes, once folded, what the pair computed, with and without
 * a bias; the batch norm then is an identity that refuses to train.
 */
class LinearBatchNormFoldTest {
  /** A batch norm with non-trivial statistics and affine parameters, in evaluation mode. */
  private static BatchNorm2d trainedNorm(int features) {
    BatchNorm2d bn = new BatchNorm2d(features, 1e-3, 0.1);
    try (NoGradGuard g = new NoGradGuard()) {
      bn.weight().copy_(torch.rand(features).add(new org.bytedeco.pytorch.Scalar(0.5)));
      bn.bias().copy_(torch.randn(features));
      bn.runningMean().copy_(torch.randn(features));
      bn.runningVar().copy_(torch.rand(features).add(new org.bytedeco.pytorch.Scalar(0.2)));
    }
    bn.eval();
    return bn;
  }

  private static void assertFoldKeepsTheOutput(boolean withBias) {
    torch.manual_seed(5);
    Sequential pair = new Sequential(new Linear(12, 7, withBias), trainedNorm(7));
    pair.eval();
    Linear linear = (Linear) pair.children().get("0");
    BatchNorm2d bn = (BatchNorm2d) pair.children().get("1");
    Tensor x = torch.randn(5, 12);
    Tensor expected = pair.forward(x).clone();
    linear.fuseBatchNorm(bn);
    assertTrue(bn.isFolded());
    assertNotNull(linear.bias());
    assertTrue(linear.namedParameters().containsKey("bias"));
    Tensor folded = pair.forward(x);
    double diff = Tensors.maxAbsDiff(expected, folded);
    assertTrue(diff < 1e-5 * Math.max(1, Tensors.maxAbs(expected)), "folded output differs by " + diff);
    // the folded layer alone gives the pair's output
    assertEquals(0, Tensors.maxAbsDiff(folded, linear.forward(x)));
  }

  @Test
  void foldingIntoALinearLayerWithBiasKeepsTheOutput() {
    assertFoldKeepsTheOutput(true);
  }

  @Test
  void aLinearLayerWithoutBiasGainsOne() {
    assertNull(new Linear(3, 2, false).bias());
    assertFoldKeepsTheOutput(false);
  }

  @Test
  void mismatchesTrainingModeAndSecondFoldsAreRefused() {
    Linear linear = new Linear(4, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> linear.fuseBatchNorm(trainedNorm(5)));
    assertTrue(e.getMessage().contains("5 features") && e.getMessage().contains("3 output features"), e.getMessage());
    BatchNorm2d training = trainedNorm(3);
    training.train();
    e = assertThrows(IllegalArgumentException.class, () -> linear.fuseBatchNorm(training));
    assertTrue(e.getMessage().contains("training mode"), e.getMessage());
    BatchNorm2d bn = trainedNorm(3);
    linear.fuseBatchNorm(bn);
    e = assertThrows(IllegalArgumentException.class, () -> new Linear(4, 3).fuseBatchNorm(bn));
    assertTrue(e.getMessage().contains("already folded"), e.getMessage());
    bn.train();
    LayerException refused = assertThrows(LayerException.class, () -> bn.forward(torch.randn(2, 3)));
    assertTrue(refused.getMessage().contains("cannot train"), refused.getMessage());
  }
}
