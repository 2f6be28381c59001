package io.nets4j.detection;

import java.util.List;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class BoxOpsTest {
  @Test
  void boxIouMatchesTorchvision() {
    DetFixture f = new DetFixture("box_iou");
    f.assertClose("iou", BoxOps.boxIou(f.tensor("a"), f.tensor("b")), 1e-9);
  }

  @Test
  void generalizedBoxIouMatchesTorchvision() {
    DetFixture f = new DetFixture("generalized_box_iou");
    f.assertClose("giou", BoxOps.generalizedBoxIou(f.tensor("a"), f.tensor("b")), 1e-9);
  }

  @Test
  void nmsKeepsTorchvisionIndicesInOrder() {
    DetFixture f = new DetFixture("nms");
    double thr = f.json.get("iou_threshold").asDouble();
    f.assertSameLongs("keep", BoxOps.nms(f.tensor("boxes"), f.tensor("scores"), thr));
  }

  @Test
  void batchedNmsKeepsTorchvisionIndicesInOrder() {
    DetFixture f = new DetFixture("batched_nms");
    double thr = f.json.get("iou_threshold").asDouble();
    f.assertSameLongs("keep", BoxOps.batchedNms(f.tensor("boxes"), f.tensor("scores"), f.tensor("idxs"), thr));
  }

  @Test
  void perClassPathAgreesWithOffsetPath() {
    // Replicate the fixture's boxes so that batched NMS takes the per-class path (> 4000 coordinates).
    DetFixture f = new DetFixture("batched_nms");
    Tensor boxes = f.tensor("boxes");
    Tensor scores = f.tensor("scores");
    Tensor idxs = f.tensor("idxs");
    long[] small = Tensors.toLongArray(BoxOps.batchedNms(boxes, scores, idxs, 0.5));
    Tensor far = boxes.add(new org.bytedeco.pytorch.Scalar(1e4));
    Tensor big = Tensors.cat(java.util.List.of(boxes, far, far.add(new org.bytedeco.pytorch.Scalar(1e4)),
        far.add(new org.bytedeco.pytorch.Scalar(2e4)), far.add(new org.bytedeco.pytorch.Scalar(3e4)),
        far.add(new org.bytedeco.pytorch.Scalar(4e4))), 0);
    Tensor bigScores = Tensors.cat(java.util.List.of(scores, scores.sub(new org.bytedeco.pytorch.Scalar(2)),
        scores.sub(new org.bytedeco.pytorch.Scalar(4)), scores.sub(new org.bytedeco.pytorch.Scalar(6)),
        scores.sub(new org.bytedeco.pytorch.Scalar(8)), scores.sub(new org.bytedeco.pytorch.Scalar(10))), 0);
    Tensor bigIdxs = idxs.repeat(6);
    long[] keep = Tensors.toLongArray(BoxOps.batchedNms(big, bigScores, bigIdxs, 0.5));
    long[] first = java.util.Arrays.copyOf(keep, small.length);
    assertArrayEquals(small, first);
    assertTrue(keep.length == 6 * small.length);
  }

  @Test
  void nmsOverSeveralIouBlocksMatchesPlainGreedySuppression() {
    int n = 2500;
    double[] u = io.nets4j.parity.FillRule.uniforms("nms_boxes", 4 * n);
    double[] b = new double[4 * n];
    for (int i = 0; i < n; i++) {
      double x = u[4 * i] * 200;
      double y = u[4 * i + 1] * 200;
      b[4 * i] = x;
      b[4 * i + 1] = y;
      b[4 * i + 2] = x + 5 + u[4 * i + 2] * 40;
      b[4 * i + 3] = y + 5 + u[4 * i + 3] * 40;
    }
    double[] s = io.nets4j.parity.FillRule.uniforms("nms_scores", n);
    long[] keep = Tensors.toLongArray(BoxOps.nms(Tensors.fromDoubles(b, n, 4), Tensors.fromDoubles(s, n), 0.3));
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (p, q) -> Double.compare(s[q], s[p]));
    boolean[] gone = new boolean[n];
    java.util.List<Long> expected = new java.util.ArrayList<>();
    for (int a = 0; a < n; a++) {
      int i = order[a];
      if (gone[i]) {
        continue;
      }
      expected.add((long) i);
      for (int c = a + 1; c < n; c++) {
        int j = order[c];
        double w = Math.max(0, Math.min(b[4 * i + 2], b[4 * j + 2]) - Math.max(b[4 * i], b[4 * j]));
        double h = Math.max(0, Math.min(b[4 * i + 3], b[4 * j + 3]) - Math.max(b[4 * i + 1], b[4 * j + 1]));
        double inter = w * h;
        double ai = (b[4 * i + 2] - b[4 * i]) * (b[4 * i + 3] - b[4 * i + 1]);
        double aj = (b[4 * j + 2] - b[4 * j]) * (b[4 * j + 3] - b[4 * j + 1]);
        if (inter / (ai + aj - inter) > 0.3) {
          gone[j] = true;
        }
      }
    }
    assertTrue(expected.size() > 100 && expected.size() < n, "suppression happened: " + expected.size());
    assertArrayEquals(expected.stream().mapToLong(Long::longValue).toArray(), keep);
  }

  @Test
  void coderRoundTripsAndClipsLogRatios() {
    BoxCoder coder = new BoxCoder(10, 10, 5, 5);
    Tensor ref = Tensors.fromDoubles(new double[] {0, 0, 10, 20, 5, 5, 15, 9}, 2, 4);
    Tensor gt = Tensors.fromDoubles(new double[] {1, 2, 12, 18, 4, 6, 20, 10}, 2, 4);
    Tensor codes = coder.encode(gt, ref);
    assertTrue(Tensors.maxAbsDiff(coder.decode(codes, ref), gt) < 1e-12);
    Tensor huge = Tensors.fromDoubles(new double[] {0, 0, 1e3, 1e3}, 1, 4);
    double[] box = Tensors.toDoubleArray(coder.decode(huge, Tensors.fromDoubles(new double[] {0, 0, 16, 16}, 1, 4)));
    assertTrue(Math.abs(box[2] - box[0] - 1000) < 1e-9, "width clipped at 1000: " + (box[2] - box[0]));
  }

  @Test
  void clipAndSmallBoxRemoval() {
    Tensor boxes = Tensors.fromDoubles(new double[] {-5, -5, 50, 50, 10, 10, 10.5, 30, 0, 0, 200, 300}, 3, 4);
    double[] clipped = Tensors.toDoubleArray(BoxOps.clipToImage(boxes, 100, 80));
    assertArrayEquals(new double[] {0, 0, 50, 50, 10, 10, 10.5, 30, 0, 0, 80, 100}, clipped);
    assertArrayEquals(new long[] {0, 2}, Tensors.toLongArray(BoxOps.removeSmallBoxes(boxes, 1.0)));
  }

  @Test
  void wrongShapeIsNamed() {
    Tensor bad = Tensors.zeros(io.nets4j.tensor.DType.FLOAT64, 3, 5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BoxOps.boxIou(bad, bad));
    assertTrue(e.getMessage().contains("[N, 4]"), e.getMessage());
  }
}
