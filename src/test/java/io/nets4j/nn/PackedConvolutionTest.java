package io.nets4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PackedConvolutionTest {
  /** Each geometry a model of the zoo uses: strides, padding, groups (depthwise), dilation, bias. */
  /** The operators are found whenever libtorch has oneDNN, so the tests below never skip silently. */
  @Test
  void availableWheneverLibtorchHasOneDnn() {
    assertEquals(torch.hasMKLDNN(), PackedConvolution.isAvailable());
  }

  @ParameterizedTest
  @CsvSource({
      "3, 16, 3, 1, 1, 1, 1, false",
      "16, 32, 3, 2, 1, 1, 1, true",
      "32, 32, 3, 1, 1, 32, 1, false",
      "32, 64, 1, 1, 0, 1, 1, true",
      "64, 64, 3, 1, 2, 1, 2, false",
      "64, 128, 3, 2, 1, 32, 1, false",
      "3, 8, 7, 2, 3, 1, 1, true"})
  void packedEqualsEagerConvolution(int in, int out, int k, int stride, int pad, int groups, int dilation,
      boolean bias) {
    assumeTrue(PackedConvolution.isAvailable(), "libtorch without oneDNN");
    try (Scope s = Scope.open()) {
      torch.manual_seed(3);
      Conv2d conv = new Conv2d(in, out, ConvSpec.kernel(k).stride(stride).padding(pad).groups(groups)
          .dilation(dilation).bias(bias));
      conv.eval();
      Tensor x = torch.randn(2, in, 17, 19);
      Tensor expected;
      try (InferenceMode g = new InferenceMode()) {
        expected = conv.forward(x);
      }
      assertTrue(conv.packForInference(new long[] {2, in, 17, 19}));
      assertTrue(conv.isPacked());
      try (InferenceMode g = new InferenceMode()) {
        double scale = Math.max(1, Tensors.maxAbs(expected));
        assertEquals(0, Tensors.maxAbsDiff(expected, conv.forward(x)) / scale, 1e-5);
        Tensor channelsLast = conv.forward(x.contiguous(MemoryFormat.ChannelsLast));
        assertEquals(0, Tensors.maxAbsDiff(expected, channelsLast) / scale, 1e-5);
        // another input size than the one it was packed for still computes the convolution
        Tensor small = torch.randn(1, in, 9, 8);
        conv.eval();
        Tensor packedSmall = conv.forward(small);
        Tensor eagerSmall = F.conv2d(small, conv.weight(), conv.bias(), conv.spec());
        assertEquals(0, Tensors.maxAbsDiff(eagerSmall, packedSmall) / Math.max(1, Tensors.maxAbs(eagerSmall)), 1e-5);
      }
    }
  }

  /** Where the CPU can pack bfloat16 weights they are packed; elsewhere the convolution stays eager. */
  @Test
  void bfloat16WeightsPackWhereTheCpuCan() {
    assumeTrue(PackedConvolution.isAvailable(), "libtorch without oneDNN");
    checkBfloat16Packing(CpuCapabilities.current().bf16WeightPacking().supported());
  }

  /** The answer of an AVX2-only CPU, forced on this one: not packed, and the bfloat16 convolution still runs. */
  @Test
  void withoutBfloat16PackingTheConvolutionStaysEager() {
    assumeTrue(PackedConvolution.isAvailable(), "libtorch without oneDNN");
    try (CpuCapabilities.Restorer r = CpuCapabilities.override(
        CpuCapabilities.assuming(EnumSet.of(CpuCapabilities.Feature.AVX2)))) {
      checkBfloat16Packing(false);
    }
  }

  private static void checkBfloat16Packing(boolean packs) {
    try (Scope s = Scope.open()) {
      Conv2d conv = new Conv2d(8, 16, ConvSpec.kernel(3).padding(1));
      conv.eval();
      conv.to(DType.BFLOAT16);
      Tensor x = torch.randn(1, 8, 12, 12).to(DType.BFLOAT16.scalarType());
      try (InferenceMode g = new InferenceMode()) {
        Tensor expected = conv.forward(x).to(DType.FLOAT32.scalarType());
        assertEquals(packs, conv.packForInference(new long[] {1, 8, 12, 12}));
        assertEquals(packs, conv.isPacked());
        Tensor y = conv.forward(x);
        assertEquals(DType.BFLOAT16, Tensors.dtype(y));
        assertEquals(0, Tensors.maxAbsDiff(expected, y.to(DType.FLOAT32.scalarType())) / Math.max(1, Tensors.maxAbs(expected)), 1e-2);
      }
    }
  }

  @Test
  void aPackedConvolutionRefusesToTrainAndFloat64IsNotPacked() {
    assumeTrue(PackedConvolution.isAvailable(), "libtorch without oneDNN");
    try (Scope s = Scope.open()) {
      Conv2d conv = new Conv2d(4, 4, ConvSpec.kernel(3).padding(1));
      conv.eval();
      assertTrue(conv.packForInference(new long[] {1, 4, 8, 8}));
      conv.train();
      LayerException e = assertThrows(LayerException.class, () -> conv.forward(torch.randn(1, 4, 8, 8)));
      assertTrue(e.getMessage().contains("packed for inference"), e.getMessage());
      conv.eval();
      // evaluation mode but gradients requested: the packed kernel has no backward
      e = assertThrows(LayerException.class, () -> conv.forward(torch.randn(1, 4, 8, 8)));
      assertTrue(e.getMessage().contains("cannot train or take gradients"), e.getMessage());

      Conv2d conv64 = new Conv2d(4, 4, ConvSpec.kernel(3).padding(1));
      conv64.to(DType.FLOAT64);
      assertFalse(conv64.packForInference(new long[] {1, 4, 8, 8}));
      assertFalse(conv64.isPacked());
    }
  }
}
