package io.nets4j.detection.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Box;
import io.nets4j.detection.Detections;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Hand-computed COCO AP cases; 101 recall points 0, .01, ..., 1. */
class DetectionEvaluatorTest {
  private static final double EPS = 1e-12;

  private static Detections dets(float[][] boxes, double[] scores, long[] labels) {
    float[] flat = new float[boxes.length * 4];
    for (int i = 0; i < boxes.length; i++) {
      System.arraycopy(boxes[i], 0, flat, 4 * i, 4);
    }
    return new Detections(Tensors.fromFloats(flat, boxes.length, 4), Tensors.fromDoubles(scores, scores.length),
        Tensors.fromLongs(labels, labels.length));
  }

  private static Tensor gt(float[]... boxes) {
    float[] flat = new float[boxes.length * 4];
    for (int i = 0; i < boxes.length; i++) {
      System.arraycopy(boxes[i], 0, flat, 4 * i, 4);
    }
    return Tensors.fromFloats(flat, boxes.length, 4);
  }

  private static Tensor labels(long... l) {
    return Tensors.fromLongs(l, l.length);
  }

  private static final float[] A = {0, 0, 10, 10};
  private static final float[] B = {20, 20, 40, 30};
  private static final float[] C = {50, 5, 60, 25};

  @Test
  void perfectDetectionsScoreOne() {
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {A, B}, new double[] {0.9, 0.3}, new long[] {1, 2}), gt(A, B), labels(1, 2));
    ev.add(dets(new float[][] {C}, new double[] {0.5}, new long[] {1}), gt(C), labels(1));
    DetectionMetrics m = ev.result();
    assertEquals(1.0, m.map(), EPS);
    assertEquals(1.0, m.map50(), EPS);
    assertEquals(1.0, m.map75(), EPS);
    assertEquals(2, m.classAp(1).groundTruths());
    assertEquals(1.0, m.classAp(2).ap(), EPS);
    assertEquals(2, m.images());
  }

  @Test
  void duplicateDetectionIsAFalsePositive() {
    // Ranks: TP (recall .5, precision 1), duplicate FP (.5, 1/2), TP (1, 2/3). The envelope is
    // 1 for recall points 0...50 (51 points) and 2/3 for .51...1 (50 points).
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {A, A, B}, new double[] {0.9, 0.8, 0.7}, new long[] {1, 1, 1}), gt(A, B), labels(1, 1));
    DetectionMetrics m = ev.result();
    double expected = (51 * 1.0 + 50 * (2.0 / 3)) / 101;
    assertEquals(expected, m.map50(), EPS);
    assertEquals(expected, m.map(), EPS);
    assertEquals(3, m.classAp(1).detections());
  }

  @Test
  void lowerScoredDuplicateDoesNotLowerAp() {
    // TP then FP at full recall: the envelope is 1 at every recall point.
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {A, A}, new double[] {0.9, 0.8}, new long[] {1, 1}), gt(A), labels(1));
    assertEquals(1.0, ev.result().map(), EPS);
  }

  @Test
  void missedObjectCapsRecall() {
    // Recall reaches .5 with precision 1: recall points 0...50 give 1, the others 0.
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {A}, new double[] {0.9}, new long[] {1}), gt(A, B), labels(1, 1));
    DetectionMetrics m = ev.result();
    assertEquals(51.0 / 101, m.map50(), EPS);
    assertEquals(51.0 / 101, m.map(), EPS);
    assertEquals(0.5, m.classAp(1).recall(), EPS);
  }

  @Test
  void iouJustAboveAndBelowThresholds() {
    // Box of height h inside A (10 x 10): IoU = h / 10.
    assertEquals(1.0, single(5.1f).map50(), EPS); // IoU .51: matches only at .50
    assertEquals(0.1, single(5.1f).map(), EPS);
    assertEquals(0.0, single(4.9f).map50(), EPS); // IoU .49: never
    assertEquals(0.0, single(4.9f).map(), EPS);
    assertEquals(0.6, single(7.6f).map(), EPS); // IoU .76: .50 ... .75, six thresholds
    assertEquals(1.0, single(7.6f).map75(), EPS);
    assertEquals(0.5, single(7.4f).map(), EPS); // IoU .74: five thresholds
    assertEquals(0.0, single(7.4f).map75(), EPS);
  }

  private static DetectionMetrics single(float height) {
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {{0, 0, 10, height}}, new double[] {0.7}, new long[] {1}), gt(A), labels(1));
    return ev.result();
  }

  @Test
  void matchingIsGreedyByScore() {
    // The higher-scored detection (IoU .62) takes the object at thresholds .50-.60, leaving the
    // exact box a false positive there (AP 1: TP then FP). From .65 on the first is a false positive
    // ranked above the true one: recall [0, 1], precision [0, .5], AP .5. Mean: (3 + 7 * .5) / 10.
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {{0, 0, 10, 6.2f}, A}, new double[] {0.9, 0.8}, new long[] {1, 1}), gt(A), labels(1));
    DetectionMetrics m = ev.result();
    assertEquals(1.0, m.map50(), EPS);
    assertEquals(0.5, m.map75(), EPS);
    assertEquals(0.65, m.map(), EPS);
  }

  @Test
  void detectionsAreRankedAcrossImages() {
    // A false positive in image 1 outscores the true positive in image 2: AP .5.
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {B}, new double[] {0.9}, new long[] {1}), gt(), labels());
    ev.add(dets(new float[][] {A}, new double[] {0.8}, new long[] {1}), gt(A), labels(1));
    assertEquals(0.5, ev.result().map(), EPS);
  }

  @Test
  void wrongClassDoesNotMatch() {
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {A}, new double[] {0.9}, new long[] {2}), gt(A), labels(1));
    DetectionMetrics m = ev.result();
    assertEquals(0.0, m.map(), EPS);
    assertEquals(0.0, m.classAp(1).ap(), EPS);
    assertTrue(Double.isNaN(m.classAp(2).ap()));
  }

  @Test
  void classesWithoutGroundTruthAreNotAveraged() {
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {A, C}, new double[] {0.9, 0.95}, new long[] {1, 3}), gt(A), labels(1));
    DetectionMetrics m = ev.result();
    assertEquals(1.0, m.map(), EPS);
    assertEquals(List.of(1, 3), m.labels());
    assertEquals(0, m.classAp(3).groundTruths());
    assertTrue(Double.isNaN(m.classAp(3).ap50()));
    assertTrue(m.table(l -> "c" + l).contains("| c3 | 0 | - |"));
  }

  @Test
  void onlyMaxDetectionsPerImageCount() {
    // With a limit of 1 the lower-scored exact box is dropped: recall .5 at precision 1.
    DetectionEvaluator ev = new DetectionEvaluator(1);
    ev.add(dets(new float[][] {A, B}, new double[] {0.9, 0.8}, new long[] {1, 1}), gt(A, B), labels(1, 1));
    assertEquals(51.0 / 101, ev.result().map(), EPS);
    assertEquals(1, ev.result().classAp(1).detections());
    DetectionEvaluator unlimited = new DetectionEvaluator();
    unlimited.add(dets(new float[][] {A, B}, new double[] {0.9, 0.8}, new long[] {1, 1}), gt(A, B), labels(1, 1));
    assertEquals(1.0, unlimited.result().map(), EPS);
  }

  @Test
  void acceptsBoxListsAndRejectsBadShapes() {
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {A}, new double[] {0.9}, new long[] {1}), List.of(new Box(0, 0, 10, 10)), new int[] {1});
    assertEquals(1.0, ev.result().map(), EPS);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ev.add(dets(new float[][] {A}, new double[] {0.9}, new long[] {1}), Tensors.fromFloats(new float[3], 1, 3),
            labels(1)));
    assertTrue(e.getMessage().contains("image 1 ground-truth boxes"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ev.add(dets(new float[][] {A}, new double[] {0.9}, new long[] {1}),
        gt(A), labels(1, 2)));
  }

  @Test
  void noGroundTruthAtAllGivesNaN() {
    DetectionEvaluator ev = new DetectionEvaluator();
    ev.add(dets(new float[][] {A}, new double[] {0.9}, new long[] {1}), gt(), labels());
    assertTrue(Double.isNaN(ev.result().map()));
  }
}
