package io.nets4j.detection.rcnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Box;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RegionSamplerTest {
  // Ground truth: a square of class 3 and one of class 5 far away.
  private static final List<Box> GT = List.of(new Box(0, 0, 10, 10), new Box(40, 40, 60, 60));
  private static final int[] GT_LABELS = {3, 5};
  // Hand-computed IoUs with their best ground-truth box:
  private static final List<Box> PROPOSALS = List.of(
      new Box(0, 0, 10, 20), //  100 / 200 = 0.5 with box 0: foreground
      new Box(5, 0, 15, 10), //  50 / 150 = 1/3 with box 0: background
      new Box(0, 0, 10, 11), //  100 / 110 = 0.909 with box 0
      new Box(45, 40, 65, 60), // 300 / 500 = 0.6 with box 1
      new Box(20, 20, 30, 30), // 0: background for R-CNN, ignored by Fast R-CNN
      new Box(9, 0, 19, 10)); //   10 / 190 < 0.1: as the one above

  @Test
  void labelsFollowThePapersThresholds() {
    RegionSampler.Labelled rcnn = RegionSampler.RCNN.label(PROPOSALS, GT, GT_LABELS);
    assertEquals(8, rcnn.size()); // the ground truth joins the proposals
    assertArrayEquals(new int[] {3, 0, 3, 5, 0, 0, 3, 5}, rcnn.labels());
    assertArrayEquals(new int[] {0, 0, 0, 1, -1, 0, 0, 1}, rcnn.matched());
    assertArrayEquals(new double[] {0.5, 1.0 / 3, 100.0 / 110, 0.6, 0, 10.0 / 190, 1, 1}, rcnn.maxIou(), 1e-9);
    RegionSampler.Labelled fast = RegionSampler.FAST_RCNN.label(PROPOSALS, GT, GT_LABELS);
    int ig = RegionSampler.IGNORE;
    assertArrayEquals(new int[] {3, 0, 3, 5, ig, ig, 3, 5}, fast.labels());
  }

  @Test
  void iouIsHandComputed() {
    assertEquals(0.5, RegionSampler.iou(new Box(0, 0, 10, 20), new Box(0, 0, 10, 10)), 1e-12);
    assertEquals(0, RegionSampler.iou(new Box(0, 0, 1, 1), new Box(1, 1, 2, 2)), 1e-12);
    assertEquals(0, RegionSampler.iou(new Box(0, 0, 0, 0), new Box(0, 0, 0, 0)), 1e-12);
  }

  @Test
  void samplesAreBalancedAndDistinct() {
    int[] labels = new int[100];
    for (int i = 0; i < 30; i++) {
      labels[i] = 1 + i % 6; // 30 foreground
    }
    for (int i = 30; i < 40; i++) {
      labels[i] = RegionSampler.IGNORE;
    }
    SplittableRandom rng = new SplittableRandom(1);
    for (int rep = 0; rep < 20; rep++) {
      int[] s = RegionSampler.FAST_RCNN.sample(labels, 64, rng);
      assertEquals(64, s.length);
      assertEquals(64, Arrays.stream(s).distinct().count());
      assertEquals(16, Arrays.stream(s).filter(i -> labels[i] > 0).count()); // 25% of 64
      assertTrue(Arrays.stream(s).noneMatch(i -> labels[i] == RegionSampler.IGNORE));
      assertTrue(Arrays.stream(s).limit(16).allMatch(i -> labels[i] > 0), "foreground first");
    }
  }

  @Test
  void fewForegroundIsFilledWithBackgroundAndEveryRegionCanBeDrawn() {
    int[] labels = {2, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    SplittableRandom rng = new SplittableRandom(2);
    Set<Integer> seen = new HashSet<>();
    for (int rep = 0; rep < 200; rep++) {
      int[] s = RegionSampler.RCNN.sample(labels, 8, rng);
      assertEquals(8, s.length);
      assertEquals(0, s[0]); // the only foreground region
      Arrays.stream(s).forEach(seen::add);
    }
    assertEquals(10, seen.size());
    // Too little of both: a smaller sample.
    assertEquals(3, RegionSampler.RCNN.sample(new int[] {1, 0, 0}, 8, rng).length);
  }

  @Test
  void rejectsInconsistentInput() {
    assertThrows(IllegalArgumentException.class, () -> new RegionSampler(0.5, 0.6, 0.5, 0.25, 0.5));
    assertThrows(IllegalArgumentException.class, () -> RegionSampler.RCNN.label(PROPOSALS, GT, new int[] {1}));
  }
}
