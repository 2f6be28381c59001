package io.nets4j.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.parity.FasterRCNNFixture;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Faster R-CNN ResNet-50-FPN against torchvision's fixture, stage by stage (one model, one run). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FasterRCNNTest {
  private FasterRCNNFixture fixture;
  private FasterRCNN model;
  private final Map<String, FasterRCNNFixture.Stage> stages = new LinkedHashMap<>();

  @BeforeAll
  void run() {
    try (NoGradGuard g = new NoGradGuard()) {
      fixture = new FasterRCNNFixture(DetFixture.OPS.resolve(FasterRCNNFixture.CASE + ".json"));
      model = fixture.model();
      for (FasterRCNNFixture.Stage s : fixture.stages(model)) {
        stages.put(s.name(), s);
      }
    }
  }

  private void assertStage(String name) {
    FasterRCNNFixture.Stage s = stages.get(name);
    assertTrue(s != null, "stage " + name + " was compared");
    assertTrue(s.pass(), name + ": " + s.detail());
  }

  @Test
  void stateDictLayoutAndParameterCount() {
    assertStage("state_dict");
    long count = Tensors.onDevice("meta", () -> FasterRCNN.resnet50Fpn(fixture.config()).parameterCount());
    assertEquals(41_808_406L, count);
  }

  @Test
  void transformResizesNormalisesAndPads() {
    assertStage("transform");
  }

  @Test
  void featurePyramidLevels() {
    assertStage("fpn");
  }

  @Test
  void anchors() {
    assertStage("anchors");
  }

  @Test
  void rpnHead() {
    assertStage("rpn_head");
  }

  @Test
  void proposals() {
    assertStage("proposals");
  }

  @Test
  void boxHeadOnFixedProposals() {
    assertStage("roi_heads");
  }

  @Test
  void boxHeadScoresMatchInRelativeTerms() {
    // With fill-rule weights the class probabilities are tiny (1e-40 and below), so the absolute
    // score bound says little; their logarithms must agree too.
    try (NoGradGuard g = new NoGradGuard()) {
      List<org.bytedeco.pytorch.Tensor> features = model.features(fixture.tensor("batched_input"));
      List<Detections> d = model.roiHeads().forward(FasterRCNN.poolingLevels(features),
          List.of(fixture.tensor("fixed_proposals0"), fixture.tensor("fixed_proposals1")), fixture.imageSizes());
      for (int i = 0; i < 2; i++) {
        org.bytedeco.pytorch.Tensor ref = fixture.tensor("roi_heads" + i + "_scores");
        double err = Tensors.maxAbsDiff(d.get(i).scores().log(), ref.log());
        assertTrue(err < 1e-6, "image " + i + ": max |log score error| " + err);
      }
    }
  }

  @Test
  void fullModelDetections() {
    assertStage("detections");
  }

  @Test
  void everyStoredStageIsCompared() {
    assertEquals(List.of("state_dict", "transform", "fpn", "anchors", "rpn_head", "proposals", "roi_heads",
        "detections"), List.copyOf(stages.keySet()));
  }

  @Test
  void wrongImageShapeIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.detect(List.of(Tensors.zeros(DType.FLOAT64, 1, 20, 20))));
    assertTrue(e.getMessage().contains("image 0 must be [3, H, W]"), e.getMessage());
  }

  @Test
  void wrongFeatureCountIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.rpn().head().forward(List.of(Tensors.zeros(DType.FLOAT64, 1, 64, 4, 4))));
    assertTrue(e.getMessage().contains("rpn.head") && e.getMessage().contains("[N, 256, H, W]"), e.getMessage());
  }
}
