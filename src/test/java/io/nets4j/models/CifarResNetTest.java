package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class CifarResNetTest {
  /**
   * ResNet-20 for 10 classes, counted by hand from the paper's design: stem 3*16*9 + BN 2*16;
   * stage 1: 3 blocks of two 16->16 3x3 convolutions and two BNs; stage 2: 16->32 and 32->32, then
   * 2 blocks of 32->32 twice; stage 3 likewise with 64; the option A shortcuts have no parameters;
   * fc 64*10 + 10. The paper's table 6 rounds it to 0.27M.
   */
  @Test
  void resnet20HasThePapersParameterCount() {
    long stem = 3 * 16 * 9 + 32;
    long stage1 = 3 * (2 * 16 * 16 * 9 + 2 * 32);
    long stage2 = 16 * 32 * 9 + 32 * 32 * 9 + 2 * 64 + 2 * (2 * 32 * 32 * 9 + 2 * 64);
    long stage3 = 32 * 64 * 9 + 64 * 64 * 9 + 2 * 128 + 2 * (2 * 64 * 64 * 9 + 2 * 128);
    long fc = 64 * 10 + 10;
    assertEquals(stem + stage1 + stage2 + stage3 + fc, Models.parameterCount("resnet20_cifar",
        ModelOptions.defaults().withNumClasses(10)));
    assertEquals(269_722, stem + stage1 + stage2 + stage3 + fc);
    // table 6: ResNet-32 0.46M, 44 0.66M, 56 0.85M, 110 1.7M
    long[][] table = {{32, 460_000}, {44, 660_000}, {56, 850_000}, {110, 1_700_000}};
    for (long[] row : table) {
      long n = Models.parameterCount("resnet" + row[0] + "_cifar", ModelOptions.defaults().withNumClasses(10));
      assertTrue(Math.abs(n - row[1]) < 0.02 * row[1], "resnet" + row[0] + "_cifar has " + n + " parameters");
    }
  }

  @Test
  void keepsTheFullResolutionInTheFirstStage() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("resnet20_cifar", ModelOptions.defaults().withNumClasses(10).withInChannels(1));
      m.eval();
      Tensor f = m.forwardFeatures(Tensors.zeros(DType.FLOAT32, 2, 1, 28, 28));
      assertArrayEquals(new long[] {2, 64, 7, 7}, Tensors.shape(f));
      assertArrayEquals(new long[] {2, 10}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 2, 1, 28, 28))));
      m.resetClassifier(3);
      assertArrayEquals(new long[] {1, 3}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32))));
    }
  }

  @Test
  void optionAShortcutSubsamplesAndZeroPadsTheChannels() {
    try (Scope s = Scope.open()) {
      Tensor x = torch.randn(2, 16, 8, 8);
      Tensor y = new CifarResNet.ZeroPadShortcut(16, 32, 2).forward(x);
      assertArrayEquals(new long[] {2, 32, 4, 4}, Tensors.shape(y));
      Tensor expected = x.slice(2, new LongOptional(0), new LongOptional(), 2).slice(3, new LongOptional(0), new LongOptional(), 2);
      assertEquals(0.0, Tensors.maxAbsDiff(y.narrow(1, 8, 16), expected));
      assertEquals(0.0, y.narrow(1, 0, 8).abs().max().item_double());
      assertEquals(0.0, y.narrow(1, 24, 8).abs().max().item_double());
    }
  }

  @Test
  void rejectsADepthThatIsNotSixNPlusTwo() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new CifarResNet(21, ModelOptions.defaults()));
    assertTrue(e.getMessage().contains("6n + 2"), e.getMessage());
  }
}
