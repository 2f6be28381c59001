package io.nets4j.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.VGG;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.ConvTranspose2d;
import io.nets4j.nn.F;
import io.nets4j.nn.LayerException;
import io.nets4j.parity.FillRule;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class VGGFCNTest {
  private static final Path OPS = Path.of("..", "shared", "fixtures", "ops");
  private static final SegmentationOptions NARROW = SegmentationOptions.defaults().withNumClasses(4).withWidth(1.0 / 16);

  /**
   * The paper's Table 1 gives 134M parameters for FCN-VGG16 (convolutions, fc6, fc7, score_fr);
   * the variants add their pool scores and the bilinear upsampling filters (21 x 21 x k x k, no bias).
   */
  @Test
  void parameterCountsMatchTheArchitecture() {
    long vggConvs = 14_714_688L;
    long fc6 = 512L * 7 * 7 * 4096 + 4096;
    long fc7 = 4096L * 4096 + 4096;
    long scoreFr = 4096L * 21 + 21;
    long base = vggConvs + fc6 + fc7 + scoreFr;
    assertEquals(134, Math.round(base / 1e6));
    long scorePool4 = 512L * 21 + 21;
    long scorePool3 = 256L * 21 + 21;
    long up2 = 21L * 21 * 4 * 4;
    assertEquals(base + 21L * 21 * 64 * 64, SegmentationModels.parameterCount("fcn32s"));
    assertEquals(base + scorePool4 + up2 + 21L * 21 * 32 * 32, SegmentationModels.parameterCount("fcn16s"));
    assertEquals(base + scorePool3 + scorePool4 + 2 * up2 + 21L * 21 * 16 * 16,
        SegmentationModels.parameterCount("fcn8s"));
  }

  @Test
  void namesFollowTheOfficialModels() {
    List<String> keys = List.copyOf(Tensors.onDevice("meta", () -> SegmentationModels.create("fcn8s")).stateDict().keySet());
    assertEquals(List.of("conv1_1.weight", "conv1_1.bias", "conv1_2.weight"), keys.subList(0, 3));
    assertEquals(List.of("conv5_3.weight", "conv5_3.bias", "fc6.weight", "fc6.bias", "fc7.weight", "fc7.bias",
        "score_fr.weight", "score_fr.bias", "score_pool3.weight", "score_pool3.bias", "score_pool4.weight",
        "score_pool4.bias", "upscore2.weight", "upscore8.weight", "upscore_pool4.weight"),
        keys.subList(keys.size() - 15, keys.size()));
    assertTrue(Tensors.onDevice("meta", () -> SegmentationModels.create("fcn32s")).stateDict().containsKey("upscore.weight"));
  }

  /** With batchNorm, a BN follows every backbone convolution (VGG-16-BN's order); the rest is unchanged. */
  @Test
  void batchNormFollowsEveryBackboneConvolution() {
    SegmentationModel plain = Tensors.onDevice("meta", () -> SegmentationModels.create("fcn8s", NARROW));
    SegmentationModel bn = Tensors.onDevice("meta", () -> SegmentationModels.create("fcn8s", NARROW.withBatchNorm(true)));
    List<String> keys = List.copyOf(bn.stateDict().keySet());
    assertEquals(List.of("conv1_1.weight", "conv1_1.bias", "bn1_1.weight", "bn1_1.bias", "bn1_1.running_mean",
        "bn1_1.running_var", "bn1_1.num_batches_tracked", "conv1_2.weight"), keys.subList(0, 8));
    assertEquals(13, keys.stream().filter(k -> k.endsWith(".running_mean")).count());
    long bnParams = 2L * (2 * 4 + 2 * 8 + 3 * 16 + 3 * 32 + 3 * 32);
    assertEquals(plain.parameterCount() + bnParams, bn.parameterCount());
    try (Scope s = Scope.open()) {
      SegmentationModel net = SegmentationModels.create("fcn8s", NARROW.withBatchNorm(true));
      net.eval();
      assertArrayEquals(new long[] {1, 4, 37, 45}, Tensors.shape(net.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 37, 45))));
    }
    assertThrows(IllegalArgumentException.class, () -> ((VGGFCN) Tensors.onDevice("meta",
        () -> SegmentationModels.create("fcn8s", SegmentationOptions.defaults().withBatchNorm(true))))
        .loadVgg16(Tensors.onDevice("meta", () -> (VGG) io.nets4j.models.Models.create("vgg16"))));
    assertThrows(IllegalArgumentException.class,
        () -> SegmentationModels.create("fcn_resnet50", SegmentationOptions.defaults().withBatchNorm(true)));
  }

  /** Thanks to the 100-pixel padding and the official crops, every input size comes back unchanged. */
  @Test
  void outputHasTheInputSizeForAnySize() {
    int[][] sizes = {{1, 1}, {17, 23}, {32, 32}, {45, 64}, {70, 33}};
    try (NoGradGuard g = new NoGradGuard()) {
      for (String name : List.of("fcn32s", "fcn16s", "fcn8s")) {
        SegmentationModel m = SegmentationModels.create(name, NARROW);
        m.eval();
        for (int[] hw : sizes) {
          try (Scope s = Scope.open()) {
            Tensor y = m.forward(torch.randn(new long[] {2, 3, hw[0], hw[1]}));
            assertArrayEquals(new long[] {2, 4, hw[0], hw[1]}, Tensors.shape(y), name + " " + hw[0] + "x" + hw[1]);
          }
        }
      }
    }
  }

  /** The skip scores change the output: FCN-8s with non-zero pool3 scores differs from their absence. */
  @Test
  void skipConnectionsContribute() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(1);
      SegmentationModel m = SegmentationModels.create("fcn8s", NARROW);
      m.eval();
      Tensor x = torch.randn(new long[] {1, 3, 40, 40});
      Tensor before = m.forward(x);
      assertEquals(0, Tensors.maxAbs(before), 0, "score layers start at zero");
      Tensor w = m.stateDict().get("score_pool3.weight");
      w.copy_(torch.randn(w.sizes()));
      Tensor after = m.forward(x);
      assertTrue(Tensors.maxAbs(after) > 0);
    }
  }

  @Test
  void upsamplingIsFrozenUnlessLearnable() {
    SegmentationModel frozen = Tensors.onDevice("meta", () -> SegmentationModels.create("fcn8s"));
    SegmentationModel learnable = Tensors.onDevice("meta",
        () -> SegmentationModels.create("fcn8s", SegmentationOptions.defaults().withLearnableUpsampling(true)));
    assertFalse(frozen.stateDict().get("upscore8.weight").requires_grad());
    assertTrue(frozen.stateDict().get("fc6.weight").requires_grad());
    assertTrue(learnable.stateDict().get("upscore8.weight").requires_grad());
  }

  /**
   * A 2f x 2f transposed convolution of stride f with the bilinear filter is F.interpolate
   * (bilinear, align_corners=False) shifted by f/2, wherever the interpolation does not clamp.
   */
  @Test
  void bilinearFilterInterpolates() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      for (int f : new int[] {2, 8, 32}) {
        ConvTranspose2d up = new ConvTranspose2d(3, 3, ConvSpec.kernel(2 * f).stride(f).noBias());
        Upsampling.fillBilinear(up.weight());
        up.to(DType.FLOAT64);
        Tensor x = torch.randn(new long[] {1, 3, 5, 6}).to(DType.FLOAT64.scalarType());
        Tensor y = up.forward(x);
        Tensor ref = F.interpolate(x, 5 * f, 6 * f, "bilinear", false);
        Tensor yInner = y.narrow(2, f, 4 * f).narrow(3, f, 5 * f);
        Tensor refInner = ref.narrow(2, f / 2, 4 * f).narrow(3, f / 2, 5 * f);
        assertTrue(Tensors.maxAbsDiff(yInner, refInner) < 1e-12, "factor " + f);
      }
    }
  }

  /**
   * fc6 and fc7 converted from a VGG-16 classifier give, for a 224x224 image, the classifier's
   * hidden output; on a larger pool5 map, the centre position sees the same 7x7 window.
   */
  @Test
  void convolutionalizedClassifierMatchesVgg16() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(3);
      VGG vgg = new VGG(new VGG.Config(new int[] {64, 64, VGG.M, 128, 128, VGG.M, 256, 256, 256, VGG.M,
          512, 512, 512, VGG.M, 512, 512, 512, VGG.M}, false), ModelOptions.defaults().featuresOnly());
      vgg.eval();
      VGGFCN fcn = (VGGFCN) SegmentationModels.create("fcn8s");
      fcn.eval();
      fcn.loadVgg16(vgg);
      assertEquals(0, Tensors.maxAbsDiff(vgg.stateDict().get("features.28.weight"),
          fcn.stateDict().get("conv5_3.weight")), 0);
      Tensor pool5 = vgg.forwardFeatures(torch.rand(new long[] {1, 3, 224, 224}));
      assertArrayEquals(new long[] {1, 512, 7, 7}, Tensors.shape(pool5));
      Tensor hidden = vgg.forwardHead(pool5);
      Tensor map = fcn.fc7(pool5);
      assertArrayEquals(new long[] {1, 4096, 1, 1}, Tensors.shape(map));
      double tol = 1e-5 * Math.max(1, Tensors.maxAbs(hidden));
      assertTrue(Tensors.maxAbs(hidden) > 0);
      assertTrue(Tensors.maxAbsDiff(map.flatten(1, -1), hidden) < tol, "1x1 map");
      Tensor larger = torch.randn(new long[] {1, 512, 9, 9});
      larger.narrow(2, 1, 7).narrow(3, 1, 7).copy_(pool5);
      Tensor centre = fcn.fc7(larger).narrow(2, 1, 1).narrow(3, 1, 1);
      assertTrue(Tensors.maxAbsDiff(centre.flatten(1, -1), hidden) < tol, "centre of a 3x3 map");
    }
  }

  @Test
  void narrowNetworkCannotLoadVgg16() {
    VGGFCN narrow = (VGGFCN) Tensors.onDevice("meta", () -> SegmentationModels.create("fcn32s", NARROW));
    VGG vgg = Tensors.onDevice("meta", () -> new VGG(new VGG.Config(new int[] {64, 64, VGG.M, 128, 128, VGG.M,
        256, 256, 256, VGG.M, 512, 512, 512, VGG.M, 512, 512, 512, VGG.M}, false), ModelOptions.defaults()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> narrow.loadVgg16(vgg));
    assertTrue(e.getMessage().contains("conv1_1.weight") && e.getMessage().contains("full width"), e.getMessage());
  }

  @Test
  void wrongInputShapeIsReported() {
    try (Scope s = Scope.open()) {
      SegmentationModel m = SegmentationModels.create("fcn8s", NARROW);
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 3, 32, 32)));
      assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[3, 32, 32]"), e.getMessage());
    }
  }

  /** torch.nn.functional.interpolate, scale 2: bilinear with and without align_corners, nearest (1e-9). */
  @Test
  void interpolateMatchesPyTorchFixture() {
    try (Scope s = Scope.open()) {
      SafeTensorsFile file = SafeTensors.read(OPS.resolve("interpolate.safetensors"));
      Tensor x = file.tensor("input");
      assertClose(file.tensor("interpolate_bilinear_x2_align_corners0"), F.interpolate(x, 10, 14, "bilinear", false));
      assertClose(file.tensor("interpolate_bilinear_x2_align_corners1"), F.interpolate(x, 10, 14, "bilinear", true));
      assertClose(file.tensor("interpolate_nearest_x2"), F.interpolate(x, 10, 14, "nearest", false));
    }
  }

  /** nn.ConvTranspose2d(3, 4, 4, stride=2, padding=1) with fill-rule weights, in float64 (1e-9). */
  @Test
  void convTransposeMatchesPyTorchFixture() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      SafeTensorsFile file = SafeTensors.read(OPS.resolve("conv_transpose2d.safetensors"));
      ConvTranspose2d up = new ConvTranspose2d(3, 4, ConvSpec.kernel(4).stride(2).padding(1));
      Map<String, Tensor> state = up.stateDict();
      assertEquals(List.of("weight", "bias"), List.copyOf(state.keySet()));
      state.forEach((k, t) -> t.copy_(FillRule.tensor(k, Tensors.shape(t))));
      up.to(DType.FLOAT64);
      assertClose(file.tensor("output"), up.forward(file.tensor("input")));
    }
  }

  private static void assertClose(Tensor ref, Tensor actual) {
    assertEquals(Tensors.describe(ref), Tensors.describe(actual));
    assertEquals(DType.FLOAT64, Tensors.dtype(actual));
    double err = Tensors.maxAbsDiff(actual, ref);
    System.out.println("max |error| " + err + " (max |ref| " + Tensors.maxAbs(ref) + ")");
    assertTrue(err <= 1e-9 * Math.max(1, Tensors.maxAbs(ref)), "max |error| " + err);
  }
}
