package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The plain and SE variants of the CIFAR ResNets: the same layers, shortcuts dropped or SE added. */
class CifarBlocksTest {
  private static final ModelOptions TEN = ModelOptions.defaults().withNumClasses(10);

  @Test
  void plainNetsHaveTheResidualNetsParametersButNoShortcut() {
    try (Scope scope = Scope.open()) {
      for (int depth : new int[] {20, 32, 56}) {
        ImageClassifier plain = Models.create("plain" + depth + "_cifar", TEN);
        ImageClassifier residual = Models.create("resnet" + depth + "_cifar", TEN);
        assertEquals(residual.stateDict().keySet(), plain.stateDict().keySet(), "depth " + depth);
        if (depth == 20) {
          // the same weights: only the shortcuts can make the outputs differ
          StateDicts.load(plain, residual.stateDict(), LoadMode.STRICT);
          plain.eval();
          residual.eval();
          Tensor x = torch.randn(new long[] {2, 3, 16, 16}, Tensors.options(DType.FLOAT32));
          assertTrue(Tensors.maxAbsDiff(plain.forward(x), residual.forward(x)) > 1e-3);
          plain.train();
        }
      }
    }
  }

  @Test
  void seNetsAddAnSeModulePerBlockAndKeepTheRest() {
    try (Scope scope = Scope.open()) {
      Set<String> base = Models.create("resnet20_cifar", TEN).stateDict().keySet();
      Set<String> se = Models.create("se_resnet20_cifar_r16", TEN).stateDict().keySet();
      assertTrue(se.containsAll(base));
      List<String> extra = se.stream().filter(k -> !base.contains(k)).sorted().toList();
      assertEquals(9 * 4, extra.size(), extra.toString());
      assertTrue(extra.contains("layer3.2.se.fc2.weight"), extra.toString());
      // fc2 of the last block: C/r = 64/16 = 4 squeeze channels back to 64
      assertArrayEquals(new long[] {64, 4, 1, 1}, Tensors.shape(Models.create("se_resnet20_cifar_r16", TEN).stateDict()
          .get("layer3.2.se.fc2.weight")));
    }
  }

  @Test
  void aRatioThatDoesNotDivideAStageIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new CifarResNet(20, TEN, CifarBlocks.squeezeExcitation(32)));
    assertTrue(e.getMessage().contains("ratio 32 does not divide the 16 channels"), e.getMessage());
  }
}
