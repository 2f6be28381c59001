package io.nets4j.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.models.UnknownModelException;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Summaries of registered models against published figures (torchvision, torchinfo). */
class ModelSummaryTest {
  private static ModelSummary resnet50;

  @BeforeAll
  static void summariseResNet50() {
    resnet50 = ModelSummary.of("resnet50");
  }

  @Test
  void resnet50Totals() {
    SummaryTotals t = resnet50.totals();
    assertArrayEquals(new long[] {1, 3, 224, 224}, resnet50.inputShape());
    assertEquals(25_557_032L, t.params());
    assertEquals(25_557_032L, t.trainableParams());
    assertEquals(0, t.nonTrainableParams());
    // torchvision publishes 4.09 GFLOPS (multiply-accumulates of the convolutions and the classifier)
    assertEquals(4_089_184_256L, t.macsByType().get("Conv2d") + t.macsByType().get("Linear"));
    assertEquals(2_048_000L, t.macsByType().get("Linear"));
    // plus one scale-and-shift per batch-norm output element
    assertEquals(11_113_984L, t.macsByType().get("BatchNorm2d"));
    assertEquals(4_100_298_240L, t.macs());
    assertEquals(3 * 224 * 224 * 4, t.inputBytes());
    assertEquals(25_557_032L * 4, t.paramBytes());
  }

  @Test
  void resnet50Layers() {
    SummaryRow conv1 = resnet50.row("conv1");
    assertEquals("Conv2d", conv1.type());
    assertArrayEquals(new long[] {1, 64, 112, 112}, conv1.outputShape());
    assertEquals(9_408, conv1.params());
    assertEquals(118_013_952L, conv1.macs());
    assertEquals(1, conv1.depth());
    SummaryRow block = resnet50.row("layer1.0");
    assertEquals("Bottleneck", block.type());
    assertEquals(0, block.params());
    assertEquals(4_096 + 128 + 36_864 + 128 + 16_384 + 512 + 16_384 + 512, block.paramsTotal());
    assertEquals(3, resnet50.row("layer1.0.downsample").depth());
    assertEquals(4, resnet50.row("layer1.0.downsample.0").depth());
    SummaryRow root = resnet50.rows().get(0);
    assertEquals("resnet50", root.path());
    assertEquals(resnet50.totals().macs(), root.macsTotal());
    assertEquals(0, root.macs());
  }

  /** Araujo et al. 2019 and the usual tables: 427 px and jump 32 for torchvision's ResNet-50 (v1.5). */
  @Test
  void resnet50ReceptiveFields() {
    assertField(resnet50.row("conv1"), 7, 2);
    assertField(resnet50.row("maxpool"), 11, 4);
    assertField(resnet50.row("layer1"), 35, 4);
    assertField(resnet50.row("layer2.0.conv2"), 43, 8);
    assertField(resnet50.row("layer2.0"), 43, 8);
    assertField(resnet50.row("layer2"), 91, 8);
    assertField(resnet50.row("layer3"), 267, 16);
    assertField(resnet50.row("layer4"), 427, 32);
    // the shortcut projection sees only the block's input
    assertField(resnet50.row("layer2.0.downsample.0"), 35, 8);
    assertField(resnet50.row("avgpool"), 427 + 6 * 32, 224);
    assertNull(resnet50.row("layer1.0.bn1").receptiveField(), "element-wise layers show no field");
    assertNull(resnet50.row("fc").receptiveField());
  }

  @Test
  void everyDepthCountsEachParameterOnce() {
    for (int depth = 0; depth <= 5; depth++) {
      long params = 0;
      long macs = 0;
      for (SummaryRow r : resnet50.rows(depth)) {
        params += r.paramsAt(depth);
        macs += r.macsAt(depth);
      }
      assertEquals(resnet50.totals().params(), params, "depth " + depth);
      assertEquals(resnet50.totals().macs(), macs, "depth " + depth);
    }
    assertEquals(1, resnet50.rows(0).size());
    assertEquals(List.of("resnet50", "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
        "avgpool", "fc"), resnet50.rows(1).stream().map(SummaryRow::path).toList());
    SummaryRow layer1 = resnet50.row("layer1");
    assertEquals(215_808, layer1.paramsAt(1));
    assertEquals(0, layer1.paramsAt(2));
  }

  @Test
  void sharedActivationIsRepeatedNotRecounted() {
    List<SummaryRow> relus = resnet50.rows().stream().filter(r -> r.path().equals("layer1.0.relu")).toList();
    assertEquals(3, relus.size(), "torchvision's Bottleneck calls its ReLU three times");
    assertFalse(relus.get(0).repeated());
    assertTrue(relus.get(1).repeated() && relus.get(2).repeated());
  }

  /** torchinfo's README for ResNet-152: 60,192,808 params, 11.51 G mult-adds, 360.87 MB forward/backward. */
  @Test
  void resnet152MatchesTorchinfo() {
    ModelSummary s = ModelSummary.of("resnet152");
    assertEquals(60_192_808L, s.totals().params());
    long convAndLinear = s.totals().macsByType().get("Conv2d") + s.totals().macsByType().get("Linear");
    assertEquals(11.51, Math.round(convAndLinear / 1e7) / 100.0);
    // torchinfo: outputs of the leaf layers that have parameters, doubled for their gradients
    long withParams = s.rows().stream().filter(r -> r.leaf() && r.paramsTotal() > 0)
        .mapToLong(SummaryRow::outputBytes).sum();
    assertEquals(360.87, Math.round(2 * withParams / 1e4) / 100.0);
    assertEquals(240.77, Math.round(s.totals().paramBytes() / 1e4) / 100.0);
    assertField(s.row("layer4"), 1451, 32);
  }

  @Test
  void formatsCarryTheSameNumbers() throws Exception {
    String text = resnet50.render(SummaryFormat.TEXT, 2);
    assertTrue(text.contains("Total params: 25,557,032"), text);
    assertTrue(text.contains("Total MACs: 4,100,298,240 (4.10 G)"), text);
    assertTrue(text.lines().anyMatch(l -> l.matches("\\s+layer4\\s+Sequential\\s+\\[1, 2048, 7, 7]\\s+--\\s+--\\s+427\\s+32")),
        text);
    assertTrue(text.lines().anyMatch(l -> l.matches("\\s+layer1\\.0\\s+Bottleneck\\s+\\[1, 256, 56, 56]\\s+75,008"
        + "\\s+[0-9,]+\\s+19\\s+4")), text);
    assertFalse(text.contains("layer1.0.conv1"), "depth 2 hides depth 3");

    String md = resnet50.render(SummaryFormat.MARKDOWN, 1);
    assertTrue(md.contains("| `conv1` | Conv2d | [1, 64, 112, 112] | 9,408 | 118,013,952 | 7 | 2 |"), md);
    assertTrue(md.contains("| Total params | 25,557,032 |"), md);

    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(resnet50.render(SummaryFormat.JSON, 1));
    assertEquals("resnet50", json.get("model").asText());
    assertEquals(25_557_032L, json.get("totals").get("params").asLong());
    assertEquals(4_100_298_240L, json.get("totals").get("macs").asLong());
    assertEquals(11, json.get("layers").size());
    var layer4 = json.get("layers").get(8);
    assertEquals("layer4", layer4.get("path").asText());
    assertEquals(427, layer4.get("receptiveField").get("height").asLong());
    assertEquals(32, layer4.get("jump").get("width").asLong());
    assertTrue(layer4.get("collapsed").asBoolean());
    assertEquals(14_964_736L, layer4.get("paramsTotal").asLong());
  }

  @Test
  void restoresTrainingModeAndLeavesStatisticsAlone() {
    ImageClassifier net = Models.create("resnet18");
    net.train();
    BatchNorm2d bn = (BatchNorm2d) net.namedModules().get("bn1");
    float[] before = Tensors.toFloatArray(bn.runningMean());
    ModelSummary.of("resnet18", net, 1, 3, 32, 32);
    for (Module m : net.namedModules().values()) {
      assertTrue(m.isTraining(), m.toString());
    }
    assertArrayEquals(before, Tensors.toFloatArray(bn.runningMean()));
    Map<String, Tensor> sd = net.stateDict();
    assertEquals(0, sd.get("bn1.num_batches_tracked").item_long(), "ran in eval mode");

    net.eval();
    ((Module) net.namedModules().get("layer1")).train();
    ModelSummary.of(net, 1, 3, 32, 32);
    assertFalse(net.isTraining());
    assertTrue(net.namedModules().get("layer1.0.conv1").isTraining());
    assertFalse(net.namedModules().get("layer2").isTraining());
  }

  @Test
  void wrongInputNamesTheLayer() {
    ImageClassifier net = Models.create("resnet18");
    LayerException e = assertThrows(LayerException.class, () -> ModelSummary.of(net, 1, 1, 32, 32));
    assertTrue(e.getMessage().contains("conv1 (Conv2d)") && e.getMessage().contains("[1, 1, 32, 32]"), e.getMessage());
    assertTrue(net.isTraining(), "modes are restored after a failure too");
    assertThrows(IllegalArgumentException.class, () -> ModelSummary.of(net, 1, 0, 32, 32));
    assertThrows(IllegalArgumentException.class, () -> ModelSummary.of(net));
    assertThrows(UnknownModelException.class, () -> ModelSummary.of("resnet51"));
    ModelSummary ok = ModelSummary.of(net, 1, 3, 32, 32);
    assertThrows(IllegalArgumentException.class, () -> ok.render(SummaryFormat.TEXT, -1));
    assertThrows(IllegalArgumentException.class, () -> ok.row("layer9"));
    assertThrows(IllegalArgumentException.class, () -> SummaryFormat.parse("html"));
    assertEquals(SummaryFormat.MARKDOWN, SummaryFormat.parse("md"));
  }

  @Test
  void summarisesASubmoduleAlone() {
    ImageClassifier net = Models.create("resnet50");
    io.nets4j.nn.Layer block = (io.nets4j.nn.Layer) net.namedModules().get("layer1.1");
    ModelSummary s = ModelSummary.of(block, 1, 256, 56, 56);
    assertEquals("layer1.1", s.name());
    assertEquals(70_400, s.totals().params());
    assertField(s.row("layer1.1"), 3, 1);
    assertField(s.row("layer1.1.conv2"), 3, 1);
  }

  /** VGG-16 (Simonyan and Zisserman 2015): torchvision's 138,357,544 params, 15.47 GFLOPS; field 212. */
  @Test
  void vgg16WhenRegistered() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Models.contains("vgg16"), "vgg16 is not registered yet");
    ModelSummary s = ModelSummary.of("vgg16");
    assertEquals(138_357_544L, s.totals().params());
    assertEquals(15_470_264_320L, s.totals().macs());
    assertEquals(15.5, Math.round(s.totals().macs() / 1e8) / 10.0);
    SummaryRow widest = widestSpatial(s);
    assertEquals(212, widest.receptiveField().sizeH());
    assertEquals(32, widest.receptiveField().jumpH());
  }

  /** AlexNet (Krizhevsky et al. 2012), torchvision's: 61,100,840 params, 0.71 GFLOPS; field 195. */
  @Test
  void alexnetWhenRegistered() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Models.contains("alexnet"), "alexnet is not registered yet");
    ModelSummary s = ModelSummary.of("alexnet");
    assertEquals(61_100_840L, s.totals().params());
    assertEquals(714_188_480L, s.totals().macs());
    assertEquals(0.71, Math.round(s.totals().macs() / 1e7) / 100.0);
    SummaryRow widest = widestSpatial(s);
    assertEquals(195, widest.receptiveField().sizeH());
    assertEquals(32, widest.receptiveField().jumpH());
  }

  /** The last sliding-window layer's field (the widest, as fields only grow). */
  private static SummaryRow widestSpatial(ModelSummary s) {
    return s.rows().stream().filter(r -> r.spatial() && r.receptiveField() != null)
        .reduce((a, b) -> b.receptiveField().sizeH() >= a.receptiveField().sizeH() ? b : a).orElseThrow();
  }

  static void assertField(SummaryRow row, double size, double jump) {
    ReceptiveField f = row.receptiveField();
    assertTrue(f != null, row.path() + " has no receptive field");
    assertEquals(new ReceptiveField(size, size, jump, jump), f, row.path());
  }
}
