package io.nets4j.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.models.ResNet;
import io.nets4j.nn.LayerException;
import io.nets4j.parity.FixtureChecker;
import io.nets4j.parity.FixtureResult;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class FCNTest {
  private static final Path FIXTURE = Path.of("..", "shared", "fixtures", "torchvision", "fcn_resnet50.json");
  private static final SegmentationOptions AUX = SegmentationOptions.defaults().withAuxLoss(true);

  @Test
  void fcnResnet50MatchesTorchvisionFixture() {
    FixtureResult r = FixtureChecker.check(FIXTURE);
    System.out.println(r.line());
    assertEquals(FixtureResult.Status.PASS, r.status(), r.line());
  }

  /** torchvision: 32,957,013 without the auxiliary head (the fixture); its docs give 35,322,218 and 54,314,346 with it. */
  @Test
  void parameterCountsMatchTorchvision() {
    assertEquals(32_957_013L, SegmentationModels.parameterCount("fcn_resnet50"));
    assertEquals(35_322_218L, SegmentationModels.parameterCount("fcn_resnet50", AUX));
    assertEquals(54_314_346L, SegmentationModels.parameterCount("fcn_resnet101", AUX));
    // the auxiliary FCNHead(1024, 21): 1024*256*9 + 2*256 + 256*21 + 21
    assertEquals(54_314_346L - 2_365_205L, SegmentationModels.parameterCount("fcn_resnet101"));
  }

  @Test
  void fcnResnet101HasTorchvisionNames() {
    Map<String, Tensor> state = Tensors.onDevice("meta", () -> SegmentationModels.create("fcn_resnet101", AUX).stateDict());
    List<String> keys = List.copyOf(state.keySet());
    assertEquals("backbone.conv1.weight", keys.get(0));
    assertTrue(keys.contains("backbone.layer3.22.conv2.weight"));
    assertTrue(keys.stream().noneMatch(k -> k.startsWith("backbone.fc")));
    List<String> heads = keys.stream().filter(k -> !k.startsWith("backbone.")).toList();
    assertEquals(List.of(
        "classifier.0.weight", "classifier.1.weight", "classifier.1.bias", "classifier.1.running_mean",
        "classifier.1.running_var", "classifier.1.num_batches_tracked", "classifier.4.weight", "classifier.4.bias",
        "aux_classifier.0.weight", "aux_classifier.1.weight", "aux_classifier.1.bias",
        "aux_classifier.1.running_mean", "aux_classifier.1.running_var", "aux_classifier.1.num_batches_tracked",
        "aux_classifier.4.weight", "aux_classifier.4.bias"), heads);
    assertArrayEquals(new long[] {256, 1024, 3, 3}, Tensors.shape(state.get("aux_classifier.0.weight")));
    assertArrayEquals(new long[] {512, 2048, 3, 3}, Tensors.shape(state.get("classifier.0.weight")));
  }

  /** Dilated layer3/layer4 keep stride 8; both maps come back at the input size, for odd sizes too. */
  @Test
  void dilatedBackboneHasStrideEightAndOutputsMatchInput() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      FCN fcn = (FCN) SegmentationModels.create("fcn_resnet50", AUX.withNumClasses(5));
      fcn.eval();
      Tensor x = Tensors.zeros(DType.FLOAT32, 1, 3, 37, 50);
      List<Tensor> stages = fcn.backbone().forwardFeatureMaps(x, 3, 4);
      assertArrayEquals(new long[] {1, 2048, 5, 7}, Tensors.shape(stages.get(1)));
      assertArrayEquals(new long[] {1, 1024, 5, 7}, Tensors.shape(stages.get(0)));
      Map<String, Tensor> out = fcn.forwardOutputs(x);
      assertEquals(List.of("out", "aux"), List.copyOf(out.keySet()));
      assertArrayEquals(new long[] {1, 5, 37, 50}, Tensors.shape(out.get("out")));
      assertArrayEquals(new long[] {1, 5, 37, 50}, Tensors.shape(out.get("aux")));
    }
  }

  /**
   * The heads on another backbone's feature maps: MobileNet V3 Large's last map (960 channels,
   * stride 32) and the one before it (112, stride 16); forward and backward reach the backbone.
   */
  @Test
  void fcnOnMobileNetV3RunsForwardAndBackward() {
    ImageClassifier backbone = Models.create("mobilenet_v3_large", ModelOptions.defaults().featuresOnly());
    FCN fcn = new FCN(backbone, AUX.withNumClasses(4));
    Map<String, Tensor> state = fcn.stateDict();
    assertArrayEquals(new long[] {240, 960, 3, 3}, Tensors.shape(state.get("classifier.0.weight")));
    assertArrayEquals(new long[] {28, 112, 3, 3}, Tensors.shape(state.get("aux_classifier.0.weight")));
    assertTrue(state.containsKey("backbone.features.0.0.weight"));
    fcn.train();
    try (Scope s = Scope.open()) {
      Map<String, Tensor> out = fcn.forwardOutputs(org.bytedeco.pytorch.global.torch.randn(new long[] {2, 3, 64, 48}));
      assertArrayEquals(new long[] {2, 4, 64, 48}, Tensors.shape(out.get("out")));
      assertArrayEquals(new long[] {2, 4, 64, 48}, Tensors.shape(out.get("aux")));
      out.get("out").square().mean().add(out.get("aux").square().mean()).backward();
      Tensor stemGrad = state.get("backbone.features.0.0.weight").grad();
      assertTrue(stemGrad.defined() && Tensors.maxAbs(stemGrad) > 0, "no gradient at the backbone's stem");
      assertTrue(Tensors.maxAbs(state.get("aux_classifier.4.weight").grad()) > 0);
    }
  }

  /** torchvision's _make_layer: a stage's first block keeps the previous dilation. */
  @Test
  void dilationFollowsTorchvision() {
    ResNet r = Tensors.onDevice("meta", () -> new ResNet(new ResNet.Config(ResNet.Block.BOTTLENECK,
        new int[] {3, 4, 6, 3}, 1, 64), ModelOptions.defaults(), new boolean[] {false, true, true}));
    assertEquals("3x3 p1 no-bias", conv2(r, "layer3.0"));
    assertEquals("3x3 p2 d2 no-bias", conv2(r, "layer3.1"));
    assertEquals("3x3 p2 d2 no-bias", conv2(r, "layer4.0"));
    assertEquals("3x3 p4 d4 no-bias", conv2(r, "layer4.2"));
    assertEquals("3x3 s2 p1 no-bias", conv2(r, "layer2.0"));
  }

  private static String conv2(ResNet r, String block) {
    return ((io.nets4j.nn.Conv2d) r.namedModules().get(block + ".conv2")).spec().toString();
  }

  @Test
  void basicBlocksRejectDilation() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensors.onDevice("meta",
        () -> new ResNet(new ResNet.Config(ResNet.Block.BASIC, new int[] {2, 2, 2, 2}, 1, 64),
            ModelOptions.defaults(), new boolean[] {false, true, true})));
    assertTrue(e.getMessage().contains("BasicBlock"), e.getMessage());
  }

  @Test
  void wrongInputShapeIsReported() {
    try (Scope s = Scope.open()) {
      SegmentationModel fcn = Tensors.onDevice("meta", () -> SegmentationModels.create("fcn_resnet50"));
      LayerException e = assertThrows(LayerException.class,
          () -> fcn.forward(Tensors.zeros(DType.FLOAT32, 1, 1, 32, 32)));
      assertTrue(e.getMessage().contains("[N, 3, H, W]") && e.getMessage().contains("[1, 1, 32, 32]"), e.getMessage());
    }
  }
}
