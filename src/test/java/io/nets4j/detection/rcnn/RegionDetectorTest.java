package io.nets4j.detection.rcnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Box;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.data.ShapesDataset;
import io.nets4j.detection.DetectionLoss;
import io.nets4j.detection.Detections;
import io.nets4j.detection.SpatialPyramidPooling;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class RegionDetectorTest {
  /** A tiny network for fast tests: two stages (stride 2), fc 32. */
  private static RegionDetector.Config tiny() {
    return new RegionDetector.Config(7, new int[] {8, 16}, 32, SelectiveSearch.Config.fast(), 300, 0.05, 0.3, 100);
  }

  private static List<DetectionSample> scenes(int n, int size) {
    var data = ShapesDataset.scenes(n, size, 11).detection();
    List<DetectionSample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(data.get(i));
    }
    return out;
  }

  @Test
  void rcnnDilatesByThePapersContextPadding() {
    torch.manual_seed(0);
    RCNN rcnn = new RCNN(tiny(), 227);
    assertEquals(16, rcnn.contextPadding(), 1e-12);
    try (Scope s = Scope.open()) {
      double[] d = Tensors.toDoubleArray(rcnn.dilate(Tensors.fromDoubles(new double[] {10, 10, 30, 30}, 1, 4)));
      double half = 10 * 227.0 / (227 - 32); // 16 px of 227 become context: the box grows by 227 / 195
      assertArrayEquals(new double[] {20 - half, 20 - half, 20 + half, 20 + half}, d, 1e-9);
    }
    assertEquals(16.0 * 32 / 227, new RCNN(tiny(), 32).contextPadding(), 1e-12);
  }

  @Test
  void rcnnWarpSamplesTheDilatedRegionBilinearly() {
    torch.manual_seed(0);
    RCNN rcnn = new RCNN(tiny(), 32);
    // Channel 0 is a horizontal ramp x / 64, so the warp of a column is the ramp at its centre.
    int size = 64;
    float[] data = new float[3 * size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        data[y * size + x] = x / 64f;
      }
    }
    Image image = new Image(data, 3, size, size);
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor box = rcnn.boxTensor(List.of(new Box(16, 16, 48, 48)));
      Tensor warped = rcnn.warpRegions(rcnn.images(List.of(image)), List.of(box));
      assertArrayEquals(new long[] {1, 3, 32, 32}, Tensors.shape(warped));
      double[] d = Tensors.toDoubleArray(rcnn.dilate(box));
      double bin = (d[2] - d[0]) / 32;
      float[] row = Tensors.toFloatArray(warped.select(0, 0).select(0, 0).select(0, 10).contiguous());
      for (int j = 0; j < 32; j++) {
        double x = d[0] + (j + 0.5) * bin - 0.5; // aligned RoI Align: pixel centres at +0.5
        assertEquals((x / 64 - 0.5) / 0.25, row[j], 1e-4, "column " + j);
      }
    }
  }

  @Test
  void pooledFeatureShapes() {
    torch.manual_seed(0);
    FastRCNN fast = new FastRCNN(RegionDetector.Config.shapes(), FastRCNN.Pooling.ROI_MAX);
    FastRCNN spp = new FastRCNN(RegionDetector.Config.shapes(), FastRCNN.Pooling.SPP);
    RCNN rcnn = new RCNN(RegionDetector.Config.shapes(), 32);
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor map = torch.randn(new long[] {2, 128, 16, 16});
      List<Tensor> regions = List.of(Tensors.fromFloats(new float[] {0, 0, 64, 64, 10, 12, 30, 40}, 2, 4),
          Tensors.fromFloats(new float[] {3, 3, 9, 9}, 1, 4));
      assertArrayEquals(new long[] {3, 128, 7, 7}, Tensors.shape(fast.pool(map, regions)));
      assertArrayEquals(new long[] {3, 128 * 21}, Tensors.shape(spp.pool(map, regions)));
      Tensor images = torch.randn(new long[] {2, 3, 64, 64});
      for (RegionDetector d : List.of(fast, spp, rcnn)) {
        RegionHead.Scores scores = d.score(images, regions);
        assertArrayEquals(new long[] {3, 7}, Tensors.shape(scores.logits()), d.getClass().getSimpleName());
        assertArrayEquals(new long[] {3, 28}, Tensors.shape(scores.deltas()), d.getClass().getSimpleName());
      }
    }
  }

  @Test
  void sppPoolingEqualsThePyramidLayerOnEachWindow() {
    torch.manual_seed(0);
    FastRCNN spp = new FastRCNN(RegionDetector.Config.shapes(), FastRCNN.Pooling.SPP);
    SpatialPyramidPooling layer = new SpatialPyramidPooling(1, 2, 4);
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor map = torch.randn(new long[] {2, 5, 16, 16});
      // (image, x1, y1, x2, y2) at stride 4 and the windows SPPNet projects them to (cells [x1, x2) x [y1, y2)).
      double[] rois = {0, 0, 0, 64, 64, 1, 10, 12, 30, 41, 0, 3, 3, 5, 5, 1, 62, 0, 64, 8};
      long[][] windows = {{0, 0, 16, 0, 16}, {1, 2, 8, 3, 11}, {0, 0, 2, 0, 2}, {1, 15, 16, 0, 2}};
      Tensor pooled = spp.sppPool(map, Tensors.fromDoubles(rois, 4, 5), 0.25);
      for (int i = 0; i < 4; i++) {
        long[] w = windows[i];
        Tensor window = map.narrow(0, w[0], 1).narrow(3, w[1], w[2] - w[1]).narrow(2, w[3], w[4] - w[3]);
        assertEquals(0, Tensors.maxAbsDiff(layer.forward(window), pooled.narrow(0, i, 1)), 0, "region " + i);
      }
    }
  }

  @Test
  void lossCountsRegressionOnlyWhereAsked() {
    torch.manual_seed(0);
    FastRCNN fast = new FastRCNN(tiny(), FastRCNN.Pooling.ROI_MAX);
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor images = torch.randn(new long[] {1, 3, 32, 32});
      List<Tensor> regions = List.of(Tensors.fromFloats(new float[] {0, 0, 16, 16, 8, 8, 30, 30}, 2, 4));
      Tensor labels = Tensors.fromLongs(new long[] {2, 0});
      Tensor targets = Tensors.fromFloats(new float[] {3, -3, 0.5f, 0, 9, 9, 9, 9}, 2, 4);
      Tensor[] none = fast.loss(images, regions, labels, targets, Tensors.fromFloats(new float[] {0, 0}, 2));
      assertEquals(0, none[1].item_double(), 0);
      Tensor[] first = fast.loss(images, regions, labels, targets, Tensors.fromFloats(new float[] {1, 0}, 2));
      // The output layers start near zero (N(0, 0.001) and zero bias): the deltas are ~0, so the
      // smooth-L1 loss of (3, -3, 0.5, 0) is 2.5 + 2.5 + 0.125 + 0 over 2 regions.
      assertEquals(5.125 / 2, first[1].item_double(), 0.1);
      // Near-zero logits: cross-entropy ~ log 7.
      assertEquals(Math.log(7), first[0].item_double(), 0.2);
    }
  }

  @Test
  void fewTrainingStepsReduceTheLoss() {
    List<DetectionSample> train = scenes(2, 48);
    for (int kind = 0; kind < 3; kind++) {
      torch.manual_seed(0);
      RegionDetector d = kind == 0 ? new RCNN(tiny(), 16)
          : new FastRCNN(tiny(), kind == 1 ? FastRCNN.Pooling.ROI_MAX : FastRCNN.Pooling.SPP);
      RegionTraining.Data data = RegionTraining.Data.propose(d, train);
      List<RegionTraining.Step> steps = RegionTraining.train(d, data, new RegionTraining.Config(30, 0.02, 1, 3), s -> { });
      double first = steps.get(0).total(1);
      double last = steps.subList(25, 30).stream().mapToDouble(s -> s.total(1)).average().orElseThrow();
      assertTrue(last < 0.8 * first, d.getClass().getSimpleName() + ": loss " + first + " -> " + last);
    }
  }

  @Test
  void detectionsAreRankedClassLabelledAndInsideTheImage() {
    torch.manual_seed(0);
    List<DetectionSample> train = scenes(2, 48);
    FastRCNN fast = new FastRCNN(tiny(), FastRCNN.Pooling.ROI_MAX);
    RegionTraining.train(fast, RegionTraining.Data.propose(fast, train), new RegionTraining.Config(10, 0.02, 1, 3), s -> { });
    Image image = train.get(0).image();
    try (Scope s = Scope.open()) {
      Detections d = fast.detect(image);
      assertTrue(d.size() <= 100);
      float[] scores = Tensors.toFloatArray(d.scores());
      long[] labels = Tensors.toLongArray(d.labels());
      float[] boxes = Tensors.toFloatArray(d.boxes().contiguous());
      for (int i = 0; i < d.size(); i++) {
        assertTrue(scores[i] > 0.05 && (i == 0 || scores[i] <= scores[i - 1]), "score " + i);
        assertTrue(labels[i] >= 1 && labels[i] <= 6, "label " + labels[i]);
        assertTrue(boxes[4 * i] >= 0 && boxes[4 * i + 2] <= 48 && boxes[4 * i + 1] >= 0 && boxes[4 * i + 3] <= 48);
      }
      assertEquals(0, fast.detect(image, List.of()).size());
    }
  }

  @Test
  void asADetectorItTrainsOnFreshProposalsAndDetectsTensors() {
    torch.manual_seed(0);
    List<DetectionSample> train = scenes(2, 48);
    FastRCNN fast = new FastRCNN(tiny(), FastRCNN.Pooling.ROI_MAX);
    assertEquals(6, fast.numClasses());
    fast.train();
    DetectionLoss loss = fast.loss(train);
    assertEquals(List.of("classification", "regression"), List.copyOf(loss.terms().keySet()));
    assertEquals(loss.terms().get("classification") + loss.terms().get("regression"), loss.total().item_double(), 1e-6);
    loss.total().backward();
    assertTrue(fast.parameters().get(0).grad().abs().sum().item_double() > 0, "gradient reaches the backbone");

    Image image = train.get(0).image();
    fast.setScoreThreshold(0);
    try (Scope s = Scope.open()) {
      Detections direct = fast.detect(image);
      Detections viaTensor = fast.detect(List.of(Tensors.fromFloats(image.data(), 3, 48, 48))).get(0);
      assertTrue(direct.size() > 0);
      assertArrayEquals(Tensors.toFloatArray(direct.scores()), Tensors.toFloatArray(viaTensor.scores()));
      fast.setScoreThreshold(1);
      assertEquals(0, fast.detect(image).size(), "no class probability exceeds 1");
      assertThrows(IllegalArgumentException.class, () -> fast.detect(List.of(Tensors.fromFloats(new float[4], 1, 2, 2))));
    }
  }

  @Test
  void rejectsBadInput() {
    assertThrows(IllegalArgumentException.class, () -> new RCNN(tiny(), 3));
    FastRCNN fast = new FastRCNN(tiny(), FastRCNN.Pooling.ROI_MAX);
    Image gray = new Image(new float[16 * 16], 1, 16, 16);
    assertThrows(IllegalArgumentException.class, () -> fast.images(List.of(gray)));
  }
}
