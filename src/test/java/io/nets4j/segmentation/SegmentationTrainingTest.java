package io.nets4j.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Dataset;
import io.nets4j.data.Image;
import io.nets4j.data.SegmentationSample;
import io.nets4j.data.ShapesDataset;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class SegmentationTrainingTest {
  private static final int SHAPE_CLASSES = ShapesDataset.SCENE_CLASSES.size();
  /** The fit below: 200 steps on 8 scenes reach a shape IoU of 0.33 (0 without batch norm, on the plateau). */
  private static final int STEPS = 200;
  private static final int SCENES = 8;
  private static final double SHAPES_IOU = 0.2;

  /**
   * FCN-8s (narrow) on synthetic shapes: the zero-initialised scores start at the uniform loss
   * ln(7), and a few SGD steps already learn the class frequencies (mostly background).
   */
  @Test
  void narrowFcn8sLearnsOnShapes() {
    torch.manual_seed(0);
    Dataset<SegmentationSample> shapes = ShapesDataset.scenes(64, 32, 1).segmentation();
    SegmentationModel m = SegmentationModels.create("fcn8s",
        SegmentationOptions.defaults().withNumClasses(SHAPE_CLASSES).withWidth(1.0 / 16));
    int[] seen = new int[1];
    double[] losses = SegmentationTraining.train(m, shapes, 8, 4, 0.05, 0, step -> seen[0] = step);
    assertEquals(8, seen[0]);
    assertEquals(Math.log(SHAPE_CLASSES), losses[0], 1e-5);
    assertTrue(losses[7] < 0.8 * losses[0], java.util.Arrays.toString(losses));
    SegmentationMetrics metrics = SegmentationTraining.evaluate(m, ShapesDataset.scenes(8, 32, 2).segmentation(), 4);
    assertEquals(8L * 32 * 32, metrics.pixels());
    assertTrue(metrics.perClassIoU()[0] > 0.5, "background IoU " + metrics.perClassIoU()[0]);
  }

  /**
   * The recipe of {@code docs/segmentation.md} in miniature (batch norm, AdamW, mosaics, learnable
   * upsampling): a tiny FCN-8s fits a few scenes, shapes included, not just the background that
   * covers most of their pixels (predicting background everywhere gives a shape IoU of 0).
   */
  @Test
  @org.junit.jupiter.api.Tag("slow")
  void batchNormFcn8sFitsTheShapesOfAFewScenes() {
    torch.manual_seed(0);
    SegmentationModel m = SegmentationModels.create("fcn8s", SegmentationOptions.defaults().withNumClasses(SHAPE_CLASSES)
        .withWidth(1.0 / 16).withBatchNorm(true).withLearnableUpsampling(true));
    Dataset<SegmentationSample> scenes = ShapesDataset.scenes(SCENES, 32, 1).segmentation();
    SegmentationTraining.Settings settings = new SegmentationTraining.Settings(STEPS, 1, 2,
        io.nets4j.train.OptimizerSpec.adamw(3e-3).withWeightDecay(1e-4), io.nets4j.train.LrSchedule.cosine(STEPS, 0), 0);
    SegmentationTraining.train(m, scenes, settings, (step, loss) -> true);
    double[] iou = SegmentationTraining.evaluate(m, scenes, SCENES).perClassIoU();
    double shapes = java.util.Arrays.stream(iou, 1, iou.length).filter(Double::isFinite).average().orElseThrow();
    assertTrue(shapes > SHAPES_IOU, "mean IoU of the shape classes " + shapes + " " + java.util.Arrays.toString(iou));
  }

  /** 2x2 mosaics: maps 0-3 of a group fill the top-left, top-right, bottom-left and bottom-right quarters. */
  @Test
  void mosaicTilesGroupsRowByRow() {
    try (Scope s = Scope.open()) {
      long[] values = new long[8 * 2 * 3];
      for (int i = 0; i < values.length; i++) {
        values[i] = i / 6; // every 2x3 map holds its index
      }
      Tensor masks = SegmentationTraining.mosaic(Tensors.fromLongs(values, 8, 2, 3), 2);
      assertArrayEquals(new long[] {2, 4, 6}, Tensors.shape(masks));
      assertArrayEquals(new long[] {
          0, 0, 0, 1, 1, 1,
          0, 0, 0, 1, 1, 1,
          2, 2, 2, 3, 3, 3,
          2, 2, 2, 3, 3, 3}, Tensors.toLongArray(masks.select(0, 0)));
      assertEquals(7, Tensors.toLongArray(masks.select(0, 1))[23]);
      Tensor images = SegmentationTraining.mosaic(Tensors.fromFloats(new float[4 * 3 * 2 * 2], 4, 3, 2, 2), 2);
      assertArrayEquals(new long[] {1, 3, 4, 4}, Tensors.shape(images));
    }
  }

  @Test
  void lossIgnoresPixelsLabelledIgnore() {
    try (Scope s = Scope.open()) {
      // 1 image, 2 classes, 1x2 pixels; the second pixel's label is ignored whatever its scores
      Tensor scores = Tensors.fromFloats(new float[] {2, -7, 0, 5}, 1, 2, 1, 2);
      Tensor target = Tensors.fromLongs(new long[] {0, SegmentationMetrics.IGNORE}, 1, 1, 2);
      double expected = Math.log(1 + Math.exp(-2));
      assertEquals(expected, SegmentationTraining.loss(Map.of("out", scores), target).item_double(), 1e-6);
      Map<String, Tensor> withAux = new java.util.LinkedHashMap<>();
      withAux.put("out", scores);
      withAux.put("aux", scores);
      assertEquals(1.5 * expected, SegmentationTraining.loss(withAux, target).item_double(), 1e-6);
    }
  }

  @Test
  void batchesNeedOneSize() {
    try (Scope s = Scope.open()) {
      SegmentationSample a = new SegmentationSample(new Image(new float[3 * 4], 3, 2, 2), new int[] {0, 1, 2, 3});
      SegmentationSample b = new SegmentationSample(new Image(new float[3 * 6], 3, 2, 3), new int[6]);
      assertArrayEquals(new long[] {2, 3, 2, 2}, Tensors.shape(SegmentationTraining.images(List.of(a, a))));
      assertArrayEquals(new long[] {0, 1, 2, 3}, Tensors.toLongArray(SegmentationTraining.masks(List.of(a))));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> SegmentationTraining.images(List.of(a, b)));
      assertTrue(e.getMessage().contains("sample 1 is 3x2x3"), e.getMessage());
    }
  }
}
