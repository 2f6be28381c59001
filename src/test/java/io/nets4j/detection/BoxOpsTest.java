package io.nets4j.detection;

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
    Tensor big = io.nets4j.nn.F.cat(java.util.List.of(boxes, far, far.add(new org.bytedeco.pytorch.Scalar(1e4)),
        far.add(new org.bytedeco.pytorch.Scalar(2e4)), far.add(new org.bytedeco.pytorch.Scalar(3e4)),
        far.add(new org.bytedeco.pytorch.Scalar(4e4))), 0);
    Tensor bigScores = io.nets4j.nn.F.cat(java.util.List.of(scores, scores.sub(new org.bytedeco.pytorch.Scalar(2)),
        scores.sub(new org.bytedeco.pytorch.Scalar(4)), scores.sub(new org.bytedeco.pytorch.Scalar(6)),
        scores.sub(new org.bytedeco.pytorch.Scalar(8)), scores.sub(new org.bytedeco.pytorch.Scalar(10))), 0);
    Tensor bigIdxs = idxs.repeat(6);
    long[] keep = Tensors.toLongArray(BoxOps.batchedNms(big, bigScores, bigIdxs, 0.5));
    long[] first = java.util.Arrays.copyOf(keep, small.length);
    assertArrayEquals(small, first);
    assertTrue(keep.length == 6 * small.length);
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
