package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.inference.InferenceOptimizer;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * ATen's fused AdamW kernel, called through the dispatcher, gives libtorch's AdamW update (with
 * decoupled weight decay, a no-decay group, parameters without gradient and channels-last
 * weights), and its saved state resumes bit for bit.
 */
class FusedAdamWTest {
  private static final OptimizerSpec SPEC = OptimizerSpec.adamw(0.01).withWeightDecay(0.05).withBetas(0.85, 0.99);

  /** Two TinyNets with the same weights, in eval mode (no dropout, fixed batch-norm statistics). */
  private static TinyNet[] twins(boolean channelsLast) {
    torch.manual_seed(3);
    TinyNet a = new TinyNet(5);
    TinyNet b = new TinyNet(5);
    try (NoGradGuard g = new NoGradGuard()) {
      Map<String, Tensor> pb = b.namedParameters();
      a.namedParameters().forEach((k, v) -> pb.get(k).copy_(v));
    }
    for (TinyNet n : new TinyNet[] {a, b}) {
      n.eval();
      if (channelsLast) {
        InferenceOptimizer.toChannelsLast(n);
      }
    }
    return new TinyNet[] {a, b};
  }

  /** One step on a fixed batch; the classifier's bias gets no gradient on odd steps. */
  private static void step(TinyNet net, TorchOptimizer opt, Tensor x, Tensor y, int i) {
    try (Scope s = Scope.open()) {
      opt.zeroGrad();
      torch.cross_entropy(net.forward(x), y).backward();
      if (i % 2 == 1) {
        net.namedParameters().get("fc.bias").mutable_grad().reset();
      }
      opt.step();
    }
  }

  private static Tensor[] batch() {
    torch.manual_seed(11);
    return new Tensor[] {torch.randn(6, 3, 12, 12), torch.randint(5, new long[] {6})};
  }

  private static void assertSameUpdates(boolean channelsLast) {
    TinyNet[] n = twins(channelsLast);
    TorchOptimizer fused = SPEC.build(n[0]);
    TorchOptimizer reference = SPEC.withFused(false).build(n[1]);
    assertTrue(fused.fused());
    assertFalse(reference.fused());
    assertEquals(2, fused.groupNames().size());
    assertEquals(reference.layout(), fused.layout());
    Tensor[] xy = batch();
    for (int i = 0; i < 12; i++) {
      step(n[0], fused, xy[0], xy[1], i);
      step(n[1], reference, xy[0], xy[1], i);
    }
    Map<String, Tensor> expected = n[1].namedParameters();
    n[0].namedParameters().forEach((k, v) -> {
      double scale = Tensors.maxAbs(expected.get(k));
      double diff = Tensors.maxAbsDiff(v, expected.get(k));
      assertTrue(diff <= 1e-6 * scale, k + ": fused differs from libtorch's AdamW by " + diff + " (max " + scale + ")");
    });
    // the weights moved: the comparison is not of untouched tensors
    assertTrue(Tensors.maxAbsDiff(n[0].namedParameters().get("fc.weight"), twins(channelsLast)[0].namedParameters()
        .get("fc.weight")) > 1e-3);
  }

  @Test
  void twelveStepsEqualLibtorchsAdamW() {
    assertSameUpdates(false);
  }

  @Test
  void channelsLastWeightsEqualLibtorchsAdamW() {
    assertSameUpdates(true);
  }

  @Test
  void savedStateResumesBitForBit() {
    TinyNet[] n = twins(false);
    Tensor[] xy = batch();
    TorchOptimizer a = SPEC.build(n[0]);
    for (int i = 0; i < 3; i++) {
      step(n[0], a, xy[0], xy[1], i);
    }
    a.setLr(0.004);
    List<byte[]> state = a.saveState(1000);
    assertTrue(state.size() > 1, "several chunks");
    try (NoGradGuard g = new NoGradGuard()) {
      Map<String, Tensor> pb = n[1].namedParameters();
      n[0].namedParameters().forEach((k, v) -> pb.get(k).copy_(v));
    }
    TorchOptimizer b = SPEC.build(n[1]);
    b.loadState(state, a.layout());
    assertEquals(0.004, b.lr());
    for (int i = 3; i < 6; i++) {
      step(n[0], a, xy[0], xy[1], i);
      step(n[1], b, xy[0], xy[1], i);
    }
    Map<String, Tensor> pb = n[1].namedParameters();
    n[0].namedParameters().forEach((k, v) -> assertEquals(0, Tensors.maxAbsDiff(v, pb.get(k)), k));
  }

  @Test
  void theOtherImplementationsStateIsRefused() {
    TinyNet[] n = twins(false);
    Tensor[] xy = batch();
    TorchOptimizer fused = SPEC.build(n[0]);
    TorchOptimizer libtorch = SPEC.withFused(false).build(n[1]);
    step(n[0], fused, xy[0], xy[1], 0);
    step(n[1], libtorch, xy[0], xy[1], 0);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> libtorch.loadState(fused.saveState(), fused.layout()));
    assertTrue(e.getMessage().contains("fused AdamW state"), e.getMessage());
    e = assertThrows(IllegalStateException.class, () -> fused.loadState(libtorch.saveState(), libtorch.layout()));
    assertTrue(e.getMessage().contains("not a fused AdamW state"), e.getMessage());
  }

  @Test
  void onlyAdamWIsFused() {
    assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.sgd(0.1).withFused(true));
    assertTrue(SPEC.describe().startsWith("fused AdamW"), SPEC.describe());
    Module empty = new Module() { };
    assertThrows(IllegalArgumentException.class, () -> SPEC.build(empty));
  }
}
