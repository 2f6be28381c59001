package io.nets4j.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nets4j.parity.FillRule;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Faster R-CNN ResNet-50-FPN against torchvision's fixture, stage by stage. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FasterRCNNTest {
  private static final double TOL = 1e-9;
  private static final double DET_TOL = 1e-6;

  private DetFixture f;
  private FasterRCNN model;
  private List<Tensor> features;
  private NoGradGuard noGrad;

  private FasterRCNN.Config config() {
    JsonNode j = f.json;
    return FasterRCNN.Config.COCO.withSizes(j.get("min_size").asInt(), j.get("max_size").asInt())
        .withBoxes(new RoIHeads.Config(0.0, 0.5, 100));
  }

  @BeforeAll
  void build() {
    noGrad = new NoGradGuard();
    f = new DetFixture("fasterrcnn_resnet50_fpn");
    model = FasterRCNN.resnet50Fpn(config());
    model.to(DType.FLOAT64);
    model.eval();
    for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
      if (e.getValue().is_floating_point()) {
        e.getValue().copy_(FillRule.tensor(e.getKey(), Tensors.shape(e.getValue())));
      }
    }
    Map<String, Tensor> state = model.stateDict();
    f.json.get("tensors").fieldNames().forEachRemaining(k -> {
      if (k.startsWith("backbone.")) {
        state.get(k).copy_(f.tensor(k));
      }
    });
    features = model.features(f.tensor("batched_input"));
  }

  @Test
  void stateDictLayoutAndParameterCount() {
    List<String> expected = new ArrayList<>();
    List<String> actual = new ArrayList<>();
    Map<String, Tensor> state = model.stateDict();
    for (JsonNode e : f.json.get("state_dict")) {
      expected.add(e.get(0).asText() + " " + e.get(1));
    }
    state.forEach((k, t) -> actual.add(k + " " + java.util.Arrays.toString(Tensors.shape(t)).replace(" ", "")));
    assertEquals(expected, actual);
    long count = Tensors.onDevice("meta", () -> FasterRCNN.resnet50Fpn(config()).parameterCount());
    assertEquals(f.json.get("num_params").asLong(), count);
  }

  @Test
  void transformResizesNormalisesAndPads() {
    GeneralizedRCNNTransform.ImageBatch b = model.transform().apply(List.of(f.tensor("image0"), f.tensor("image1")));
    JsonNode sizes = f.json.get("image_sizes");
    for (int i = 0; i < 2; i++) {
      assertEquals(sizes.get(i).get(0).asLong(), b.imageSizes()[i][0]);
      assertEquals(sizes.get(i).get(1).asLong(), b.imageSizes()[i][1]);
    }
    f.assertClose("batched_input", b.tensors(), TOL);
  }

  @Test
  void featurePyramidLevels() {
    f.assertClose("fpn_3", features.get(3), TOL);
    f.assertClose("fpn_pool", features.get(4), TOL);
  }

  @Test
  void anchors() {
    Tensor a = model.rpn().anchors(f.tensor("batched_input"), features);
    f.assertClose("anchors0", a, TOL);
    f.assertClose("anchors1", a, TOL);
  }

  @Test
  void rpnHead() {
    RegionProposalNetwork.HeadOutput out = model.rpn().head().forward(features);
    for (int l = 1; l <= 4; l++) {
      f.assertClose("rpn_objectness_level" + l, out.objectness().get(l), TOL);
      f.assertClose("rpn_bbox_deltas_level" + l, out.deltas().get(l), TOL);
    }
  }

  @Test
  void proposals() {
    RegionProposalNetwork.Proposals p = model.rpn().forward(f.tensor("batched_input"), features, imageSizes());
    f.assertClose("proposals0", p.boxes().get(0), TOL);
    f.assertClose("proposals1", p.boxes().get(1), TOL);
  }

  @Test
  void boxHeadOnFixedProposals() {
    List<Detections> d = model.roiHeads().forward(FasterRCNN.poolingLevels(features),
        List.of(f.tensor("fixed_proposals0"), f.tensor("fixed_proposals1")), imageSizes());
    for (int i = 0; i < 2; i++) {
      assertDetections("roi_heads" + i, d.get(i));
    }
  }

  @Test
  void fullModelDetections() {
    List<Detections> d = model.detect(List.of(f.tensor("image0"), f.tensor("image1")));
    for (int i = 0; i < 2; i++) {
      assertDetections("detections" + i, d.get(i));
    }
  }

  @Test
  void wrongImageShapeIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.detect(List.of(Tensors.zeros(DType.FLOAT64, 1, 20, 20))));
    assertTrue(e.getMessage().contains("image 0 must be [3, H, W]"), e.getMessage());
  }

  private void assertDetections(String prefix, Detections d) {
    f.assertSameLongs(prefix + "_labels", d.labels());
    f.assertClose(prefix + "_boxes", d.boxes(), DET_TOL);
    f.assertClose(prefix + "_scores", d.scores(), DET_TOL);
  }

  private long[][] imageSizes() {
    JsonNode s = f.json.get("image_sizes");
    return new long[][] {{s.get(0).get(0).asLong(), s.get(0).get(1).asLong()},
        {s.get(1).get(0).asLong(), s.get(1).get(1).asLong()}};
  }
}
