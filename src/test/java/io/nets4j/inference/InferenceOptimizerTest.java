package io.nets4j.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Module;
import io.nets4j.parity.FixtureChecker;
import io.nets4j.parity.PrecisionReport;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class InferenceOptimizerTest {
  private static final InferenceOptions FOLD_ONLY = InferenceOptions.none().withFoldBatchNorm(true);

  @Test
  void resnet18FoldsEveryBatchNormAndLeavesTheOriginalUntouched() {
    FoldingCheck c = FoldingCheck.of("resnet18");
    OptimizedModel opt = InferenceOptimizer.optimize("resnet18", c.model(), c.inputShape(), FOLD_ONLY);
    assertEquals(20, opt.folded().size(), opt.folded().toString());
    assertTrue(opt.folded().stream().anyMatch(p -> p.toString().equals("layer2.0.downsample.0 <- layer2.0.downsample.1")),
        opt.folded().toString());
    for (Module m : opt.model().namedModules().values()) {
      if (m instanceof BatchNorm2d bn) {
        assertTrue(bn.isFolded(), bn.toString());
      }
    }
    assertTrue(opt.model().stateDict().containsKey("conv1.bias"));
    assertFalse(c.model().stateDict().containsKey("conv1.bias"), "the original model must stay as it was");
    double err = c.relativeError(opt.forward(c.input()));
    assertTrue(err <= FoldingCheck.TOLERANCE, "folded vs unfolded: " + err);
    try (NoGradGuard g = new NoGradGuard()) {
      assertEquals(0, Tensors.maxAbsDiff(c.output(), c.model().forward(c.input())));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mobilenet_v3_small", "densenet121", "efficientnet_b0", "shufflenet_v2_x0_5", "googlenet"})
  void foldedOutputEqualsUnfolded(String name) {
    FoldingCheck c = FoldingCheck.of(name);
    OptimizedModel opt = InferenceOptimizer.optimize(name, c.model(), c.inputShape(), FOLD_ONLY);
    assertFalse(opt.folded().isEmpty(), name);
    double err = c.relativeError(opt.forward(c.input()));
    assertTrue(err <= FoldingCheck.TOLERANCE, name + ": folded vs unfolded " + err);
  }

  @Test
  void onlyBatchNormsThatReadAConvolutionOutputAreFolded() {
    // DenseNet-121: norm0 after conv0 and norm2 after conv1 of each of the 58 dense layers fold; norm1
    // (reads the concatenated features) and the transitions' norms (read a concatenation) do not
    FoldingCheck c = FoldingCheck.of("densenet121");
    List<String> pairs = BatchNormFolding.find(c.model(), c.input()).stream().map(Object::toString).toList();
    assertEquals(1 + 6 + 12 + 24 + 16, pairs.size(), pairs.toString());
    assertEquals("features.conv0 <- features.norm0", pairs.get(0));
    assertTrue(pairs.stream().skip(1).allMatch(p -> p.matches("features\\.denseblock\\d\\.denselayer\\d+\\.conv1 <- "
        + "features\\.denseblock\\d\\.denselayer\\d+\\.norm2")), pairs.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet18", "mobilenet_v2", "convnext_tiny"})
  void channelsLastGivesTheSameOutput(String name) {
    FoldingCheck c = FoldingCheck.of(name);
    OptimizedModel opt = InferenceOptimizer.optimize(name, c.model(), c.inputShape(),
        InferenceOptions.none().withChannelsLast(true));
    Conv2d first = (Conv2d) opt.model().namedModules().values().stream().filter(m -> m instanceof Conv2d)
        .findFirst().orElseThrow();
    assertTrue(first.weight().is_contiguous(MemoryFormat.ChannelsLast));
    double err = c.relativeError(opt.forward(c.input()));
    assertTrue(err <= FoldingCheck.TOLERANCE, name + ": channels-last vs default " + err);
  }

  /**
   * Packed convolutions and linear layers with their activations inside oneDNN's kernels compute
   * the float32 model: ReLU (ResNet, 1 stem + 8 blocks; the activation after each residual add reads
   * an addition, not a layer, and stays), ReLU6 (MobileNetV2: stem, 17 depthwise, 16 expansions, last
   * 1x1), Hardswish and ReLU (MobileNetV3), SiLU (EfficientNet), GELU after linear layers (ViT: its 12
   * MLPs; the attention's input projection uses the weight directly and stays eager).
   */
  @ParameterizedTest
  @ValueSource(strings = {"resnet18:21:9", "mobilenet_v2:53:35", "mobilenet_v3_small:54:33",
      "efficientnet_b0:82:49", "vit_b_16:38:12"})
  void fusedActivationsComputeTheFloat32Model(String spec) {
    String[] p = spec.split(":");
    String name = p[0];
    FoldingCheck c = FoldingCheck.of(name);
    OptimizedModel opt = InferenceOptimizer.optimize(name, c.model(), c.inputShape(), InferenceOptions.defaults());
    System.out.printf("%s: %d layers packed, %d activations fused%n", name, opt.packedLayers(), opt.fusedActivations());
    assertEquals(Integer.parseInt(p[1]), opt.packedLayers(), name);
    assertEquals(Integer.parseInt(p[2]), opt.fusedActivations(), name);
    double err = c.relativeError(opt.forward(c.input()));
    assertTrue(err <= FoldingCheck.TOLERANCE, name + ": fused vs float32 " + err);
    // a second forward: the per-thread marks of the first must not leak into it
    assertTrue(c.relativeError(opt.forward(c.input())) <= FoldingCheck.TOLERANCE, name);
  }

  /** On this CPU: packed bfloat16 where it can pack them, else unpacked with the reason reported. */
  @Test
  void everyOptimisationTogetherInBfloat16StaysClose() {
    checkBfloat16Optimisation(CpuCapabilities.current().bf16WeightPacking().supported());
  }

  /** The answers of an AVX2-only CPU, forced: the bfloat16 model runs unpacked and says why. */
  @Test
  void withoutBfloat16PackingTheOptimiserFallsBackAndSaysWhy() {
    try (CpuCapabilities.Restorer r = CpuCapabilities.override(
        CpuCapabilities.assuming(EnumSet.of(CpuCapabilities.Feature.AVX2)))) {
      OptimizedModel opt = checkBfloat16Optimisation(false);
      String why = opt.fallbacks().get(0);
      assertTrue(why.contains("AVX-512 BW, VL and DQ") && why.contains("AVX-NE-CONVERT") && why.contains("unpacked"),
          why);
    }
  }

  private static OptimizedModel checkBfloat16Optimisation(boolean packs) {
    FoldingCheck c = FoldingCheck.of("resnet18");
    OptimizedModel opt = InferenceOptimizer.optimize("resnet18", c.model(), c.inputShape(),
        InferenceOptions.defaults().withDtype(DType.BFLOAT16));
    assertEquals(DType.BFLOAT16, opt.model().dtype());
    assertEquals(packs, opt.packedLayers() == 21, "packed " + opt.packedLayers());
    assertEquals(packs, opt.fallbacks().isEmpty(), opt.fallbacks().toString());
    Tensor y = opt.forward(c.input());
    assertEquals(DType.FLOAT32, Tensors.dtype(y));
    // bfloat16 keeps 8 significant bits: errors of a few percent of the largest logit, not more
    assertTrue(c.relativeError(y) < 0.1, "bfloat16 vs float32 " + c.relativeError(y));
    return opt;
  }

  @Test
  void bfloat16AccuracyOnTheResnet50Fixture() {
    PrecisionReport r = PrecisionReport.onFixture(Path.of("../shared/fixtures/torchvision/resnet50.json"),
        InferenceOptions.defaults().withDtype(DType.BFLOAT16));
    System.out.println("resnet50 fixture, bfloat16 + folding + channels-last vs float32: " + r);
    assertEquals(2, r.rows());
    // measured 0.111 of the largest logit (ResNet-50, random fill-rule weights) with the same top-1;
    // the bound catches a broken conversion (errors of order 1), not bfloat16's rounding
    assertTrue(r.maxRelError() > 0 && r.maxRelError() < 0.25 && r.top1Agreement() == 1, r.toString());
    PrecisionReport f32 = PrecisionReport.onFixture(Path.of("../shared/fixtures/torchvision/resnet50.json"),
        InferenceOptions.defaults());
    System.out.println("resnet50 fixture, float32 folding + channels-last vs float32: " + f32);
    // folding and channels-last change float32 rounding only: within the fixtures' float32 parity bound
    assertTrue(f32.maxRelError() < FixtureChecker.TOLERANCE_F32 && f32.top1Agreement() == 1, f32.toString());
  }

  @Test
  void aFoldedModelRefusesToTrainAndCannotBeFoldedTwice() {
    FoldingCheck c = FoldingCheck.of("resnet18");
    OptimizedModel opt = InferenceOptimizer.optimize("resnet18", c.model(), c.inputShape(), FOLD_ONLY);
    opt.model().train();
    LayerException e = assertThrows(LayerException.class, () -> opt.model().forward(c.input()));
    assertTrue(e.getMessage().contains("bn1") && e.getMessage().contains("folded into 'conv1'"), e.getMessage());
    opt.model().eval();
    BatchNorm2d bn = (BatchNorm2d) opt.model().namedModules().get("bn1");
    Conv2d conv = (Conv2d) opt.model().namedModules().get("conv1");
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> conv.fuseBatchNorm(bn));
    assertTrue(twice.getMessage().contains("already folded"), twice.getMessage());
  }

  @Test
  void foldingNeedsEvaluationMode() {
    ImageClassifier m = Models.create("resnet18");
    Tensor x = torch.randn(new long[] {2, 3, 32, 32}, Tensors.options(DType.FLOAT32));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchNormFolding.fold(m, x));
    assertTrue(e.getMessage().contains("evaluation mode"), e.getMessage());
  }
}
