package io.nets4j.detection;

import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Operations on boxes {@code [N, 4]} in {@code (x1, y1, x2, y2)} corner form, with torchvision's
 * semantics ({@code torchvision.ops.boxes}): IoU, generalized IoU (Rezatofighi et al. 2019),
 * clipping, small-box removal and greedy non-maximum suppression.
 */
public final class BoxOps {
  /** Above this many coordinates batched NMS runs per class instead of offsetting boxes (torchvision's CPU rule). */
  private static final long PER_CLASS_NMS_THRESHOLD = 4000;
  /** IoU values computed at once by NMS (4M doubles = 32 MB, plus intermediates). */
  private static final long NMS_BLOCK_ELEMENTS = 1L << 22;

  private BoxOps() {
  }

  /** Areas {@code (x2 - x1) * (y2 - y1)} of boxes {@code [N, 4]}. */
  public static Tensor area(Tensor boxes) {
    checkBoxes(boxes, "boxes");
    return boxes.select(1, 2).sub(boxes.select(1, 0)).mul(boxes.select(1, 3).sub(boxes.select(1, 1)));
  }

  /** Intersection over union of every box of {@code a [N, 4]} with every box of {@code b [M, 4]}: {@code [N, M]}. */
  public static Tensor boxIou(Tensor a, Tensor b) {
    return interUnion(a, b)[0];
  }

  /**
   * Generalized IoU (Rezatofighi et al. 2019, "Generalized Intersection over Union"): IoU minus
   * the fraction of the smallest enclosing box not covered by the union, {@code [N, M]}.
   */
  public static Tensor generalizedBoxIou(Tensor a, Tensor b) {
    Tensor[] iu = interUnion(a, b);
    Tensor a3 = a.unsqueeze(1);
    Tensor lt = torch.min(a3.narrow(2, 0, 2), b.narrow(1, 0, 2));
    Tensor rb = torch.max(a3.narrow(2, 2, 2), b.narrow(1, 2, 2));
    Tensor wh = rb.sub(lt).clamp_min(new Scalar(0.0));
    Tensor enclosing = wh.select(2, 0).mul(wh.select(2, 1));
    return iu[0].sub(enclosing.sub(iu[1]).div(enclosing));
  }

  private static Tensor[] interUnion(Tensor a, Tensor b) {
    checkBoxes(a, "first boxes");
    checkBoxes(b, "second boxes");
    Tensor areaA = area(a);
    Tensor areaB = area(b);
    Tensor a3 = a.unsqueeze(1);
    Tensor lt = torch.max(a3.narrow(2, 0, 2), b.narrow(1, 0, 2));
    Tensor rb = torch.min(a3.narrow(2, 2, 2), b.narrow(1, 2, 2));
    Tensor wh = rb.sub(lt).clamp_min(new Scalar(0.0));
    Tensor inter = wh.select(2, 0).mul(wh.select(2, 1));
    Tensor union = areaA.unsqueeze(1).add(areaB).sub(inter);
    return new Tensor[] {inter.div(union), union};
  }

  /** Clamps x coordinates to {@code [0, width]} and y to {@code [0, height]}; works on {@code [..., 4k]}. */
  public static Tensor clipToImage(Tensor boxes, long height, long width) {
    long last = boxes.dim() - 1;
    long n = boxes.size(last);
    Tensor x = boxes.slice(last, new org.bytedeco.pytorch.LongOptional(0), new org.bytedeco.pytorch.LongOptional(n), 2)
        .clamp(new org.bytedeco.pytorch.ScalarOptional(new Scalar(0.0)),
            new org.bytedeco.pytorch.ScalarOptional(new Scalar((double) width)));
    Tensor y = boxes.slice(last, new org.bytedeco.pytorch.LongOptional(1), new org.bytedeco.pytorch.LongOptional(n), 2)
        .clamp(new org.bytedeco.pytorch.ScalarOptional(new Scalar(0.0)),
            new org.bytedeco.pytorch.ScalarOptional(new Scalar((double) height)));
    return torch.stack(new TensorVector(x, y), boxes.dim()).reshape(Tensors.shape(boxes));
  }

  /** Indices of the boxes whose width and height are both at least {@code minSize}. */
  public static Tensor removeSmallBoxes(Tensor boxes, double minSize) {
    checkBoxes(boxes, "boxes");
    Tensor ws = boxes.select(1, 2).sub(boxes.select(1, 0));
    Tensor hs = boxes.select(1, 3).sub(boxes.select(1, 1));
    Tensor keep = ws.ge(new Scalar(minSize)).logical_and(hs.ge(new Scalar(minSize)));
    return keep.nonzero().select(1, 0);
  }

  /**
   * Greedy non-maximum suppression (torchvision.ops.nms): visits boxes by decreasing score (ties
   * in input order) and drops every later box whose IoU with a kept box exceeds {@code iouThreshold}.
   *
   * @return int64 indices of the kept boxes, by decreasing score
   */
  public static Tensor nms(Tensor boxes, Tensor scores, double iouThreshold) {
    checkBoxes(boxes, "boxes");
    if (scores.dim() != 1 || scores.size(0) != boxes.size(0)) {
      throw new IllegalArgumentException("nms: scores must be [" + boxes.size(0) + "], got "
          + Tensors.describe(scores));
    }
    int n = (int) boxes.size(0);
    if (n == 0) {
      return Tensors.fromLongs(new long[0], 0);
    }
    Tensor order = Tensors.owned(scores.sort(new org.bytedeco.pytorch.BoolOptional(true), 0, true))[1];
    Tensor sorted = boxes.index_select(0, order);
    long[] idx = Tensors.toLongArray(order);
    boolean[] suppressed = new boolean[n];
    List<Long> keep = new ArrayList<>();
    // IoU rows are computed a block at a time so that memory stays bounded for many boxes.
    int block = (int) Math.max(1, Math.min(n, NMS_BLOCK_ELEMENTS / n));
    double[] iou = null;
    int blockStart = -1;
    for (int i = 0; i < n; i++) {
      if (suppressed[i]) {
        continue;
      }
      keep.add(idx[i]);
      if (iou == null || i >= blockStart + block) {
        blockStart = i;
        int rows = Math.min(block, n - i);
        iou = Tensors.toDoubleArray(boxIou(sorted.narrow(0, i, rows), sorted).to(torch.ScalarType.Double).contiguous());
      }
      int row = (i - blockStart) * n;
      for (int j = i + 1; j < n; j++) {
        if (!suppressed[j] && iou[row + j] > iouThreshold) {
          suppressed[j] = true;
        }
      }
    }
    return Tensors.fromLongs(keep.stream().mapToLong(Long::longValue).toArray(), keep.size());
  }

  /**
   * Non-maximum suppression within each category {@code idxs} (torchvision.ops.batched_nms): boxes
   * of different categories never suppress each other. Returns kept indices by decreasing score.
   */
  public static Tensor batchedNms(Tensor boxes, Tensor scores, Tensor idxs, double iouThreshold) {
    checkBoxes(boxes, "boxes");
    if (idxs.dim() != 1 || idxs.size(0) != boxes.size(0)) {
      throw new IllegalArgumentException("batched_nms: idxs must be [" + boxes.size(0) + "], got "
          + Tensors.describe(idxs));
    }
    if (boxes.numel() == 0) {
      return Tensors.fromLongs(new long[0], 0);
    }
    if (boxes.numel() > PER_CLASS_NMS_THRESHOLD) {
      return perClassNms(boxes, scores, idxs, iouThreshold);
    }
    // Shift each category to its own region so that boxes of different categories never overlap.
    Tensor maxCoordinate = boxes.max();
    Tensor offsets = idxs.to(boxes.scalar_type()).mul(maxCoordinate.add(new Scalar(1.0)));
    return nms(boxes.add(offsets.unsqueeze(1)), scores, iouThreshold);
  }

  private static Tensor perClassNms(Tensor boxes, Tensor scores, Tensor idxs, double iouThreshold) {
    long[] classes = Tensors.toLongArray(Tensors.owned(torch.unique_consecutive(Tensors.owned(idxs.sort(0, false))[0]))[0]);
    List<Tensor> kept = new ArrayList<>();
    for (long c : classes) {
      Tensor members = idxs.eq(new Scalar(c)).nonzero().select(1, 0);
      Tensor keep = nms(boxes.index_select(0, members), scores.index_select(0, members), iouThreshold);
      kept.add(members.index_select(0, keep));
    }
    Tensor keep = Tensors.owned(Tensors.cat(kept, 0).sort(0, false))[0];
    Tensor order = Tensors.owned(scores.index_select(0, keep).sort(0, true))[1];
    return keep.index_select(0, order);
  }

  static void checkBoxes(Tensor boxes, String what) {
    if (boxes.dim() != 2 || boxes.size(1) != 4) {
      throw new IllegalArgumentException(what + " must be [N, 4] (x1, y1, x2, y2), got " + Tensors.describe(boxes));
    }
  }
}
