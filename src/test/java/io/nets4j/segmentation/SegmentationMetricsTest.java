package io.nets4j.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class SegmentationMetricsTest {
  private static final int I = SegmentationMetrics.IGNORE;

  /**
   * Target 0 0 1 1 2 I, prediction 0 1 1 1 0 2: class 0 has 1 hit, 2 target and 2 predicted pixels
   * (IoU 1/3); class 1 has 2 hits, 2 target, 3 predicted (2/3); class 2 has 0 hits (0). The ignored
   * pixel's prediction (2) is not counted anywhere.
   */
  @Test
  void handCase() {
    SegmentationMetrics m = new SegmentationMetrics(3);
    m.update(new int[] {0, 0, 1, 1, 2, I}, new int[] {0, 1, 1, 1, 0, 2});
    assertEquals(5, m.pixels());
    assertEquals(3.0 / 5, m.pixelAccuracy(), 1e-15);
    assertArrayEquals(new double[] {1.0 / 3, 2.0 / 3, 0}, m.perClassIoU(), 1e-15);
    assertEquals((1.0 / 3 + 2.0 / 3) / 3, m.meanIoU(), 1e-15);
    assertEquals(1, m.count(0, 1));
    assertEquals(1, m.count(2, 0));
  }

  /** A class in neither target nor prediction has no IoU and does not lower the mean. */
  @Test
  void absentClassesAreLeftOutOfTheMean() {
    SegmentationMetrics m = new SegmentationMetrics(4);
    m.update(new int[] {0, 1, 1, I}, new int[] {0, 1, 0, 3});
    double[] iou = m.perClassIoU();
    assertEquals(1.0 / 2, iou[0], 1e-15);
    assertEquals(1.0 / 2, iou[1], 1e-15);
    assertTrue(Double.isNaN(iou[2]));
    assertTrue(Double.isNaN(iou[3]), "the prediction on an ignored pixel does not make class 3 occur");
    assertEquals(0.5, m.meanIoU(), 1e-15);
  }

  @Test
  void accumulatesAndResets() {
    SegmentationMetrics m = new SegmentationMetrics(2);
    m.update(new int[] {0, 1}, new int[] {0, 1});
    m.update(new int[] {0, 1}, new int[] {1, 1});
    assertEquals(0.75, m.pixelAccuracy(), 1e-15);
    assertArrayEquals(new double[] {0.5, 2.0 / 3}, m.perClassIoU(), 1e-15);
    m.reset();
    assertTrue(Double.isNaN(m.pixelAccuracy()));
    assertTrue(Double.isNaN(m.meanIoU()));
  }

  @Test
  void onlyIgnoredPixelsCountNothing() {
    SegmentationMetrics m = new SegmentationMetrics(2);
    m.update(new int[] {I, I}, new int[] {0, 1});
    assertEquals(0, m.pixels());
    assertTrue(Double.isNaN(m.pixelAccuracy()));
  }

  @Test
  void tensorsArgmaxTheScores() {
    try (Scope s = Scope.open()) {
      // 1 image, 2 classes, 1x3 pixels: argmax 1, 0, 1
      Tensor scores = Tensors.fromFloats(new float[] {0, 5, 0, 1, 0, 2}, 1, 2, 1, 3);
      Tensor target = Tensors.fromLongs(new long[] {1, 1, I}, 1, 1, 3);
      SegmentationMetrics m = new SegmentationMetrics(2);
      m.update(scores, target);
      assertEquals(2, m.pixels());
      assertEquals(0.5, m.pixelAccuracy(), 1e-15);
      assertEquals(1, m.count(1, 0));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> m.update(scores, Tensors.fromLongs(new long[] {1, 1}, 1, 1, 2)));
      assertTrue(e.getMessage().contains("[1, 2, 1, 3]") && e.getMessage().contains("[1, 1, 2]"), e.getMessage());
    }
  }

  @Test
  void badLabelsAreReported() {
    SegmentationMetrics m = new SegmentationMetrics(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.update(new int[] {0, 7}, new int[] {0, 0}));
    assertTrue(e.getMessage().contains("target label 7 at pixel 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> m.update(new int[] {0}, new int[] {0, 0}));
    assertTrue(e.getMessage().contains("1 pixels, prediction 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> m.update(new int[] {0}, new int[] {3}));
    assertTrue(e.getMessage().contains("predicted class 3"), e.getMessage());
  }
}
