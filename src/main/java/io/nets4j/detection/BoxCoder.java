package io.nets4j.detection;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The R-CNN box parameterisation (Girshick et al. 2014, "Rich feature hierarchies", appendix C):
 * a box relative to a reference box is {@code (wx dx, wy dy, ww dw, wh dh)} with {@code dx, dy}
 * the centre shift in units of the reference size and {@code dw, dh} log size ratios, as
 * torchvision's {@code BoxCoder}. Decoding clamps {@code dw, dh} at {@code bboxXformClip}
 * (default {@code log(1000/16)}) so that {@code exp} cannot overflow.
 *
 * @param weights {@code (wx, wy, ww, wh)}
 * @param bboxXformClip upper bound of the decoded log size ratios
 */
public record BoxCoder(double[] weights, double bboxXformClip) {
  /** torchvision's default clip, {@code log(1000 / 16)}. */
  public static final double DEFAULT_CLIP = Math.log(1000.0 / 16);

  public BoxCoder {
    if (weights.length != 4) {
      throw new IllegalArgumentException("BoxCoder needs 4 weights (wx, wy, ww, wh), got " + weights.length);
    }
    weights = weights.clone();
  }

  public BoxCoder(double wx, double wy, double ww, double wh) {
    this(new double[] {wx, wy, ww, wh}, DEFAULT_CLIP);
  }

  @Override
  public double[] weights() {
    return weights.clone();
  }

  /** Regression targets {@code [N, 4]} that turn {@code proposals [N, 4]} into {@code gt [N, 4]}. */
  public Tensor encode(Tensor gt, Tensor proposals) {
    BoxOps.checkBoxes(gt, "ground-truth boxes");
    BoxOps.checkBoxes(proposals, "proposals");
    if (gt.size(0) != proposals.size(0)) {
      throw new IllegalArgumentException("encode: " + gt.size(0) + " ground-truth boxes for "
          + proposals.size(0) + " proposals");
    }
    Tensor[] ex = centreSize(proposals);
    Tensor[] g = centreSize(gt);
    Tensor dx = g[0].sub(ex[0]).mul(new Scalar(weights[0])).div(ex[2]);
    Tensor dy = g[1].sub(ex[1]).mul(new Scalar(weights[1])).div(ex[3]);
    Tensor dw = g[2].div(ex[2]).log().mul(new Scalar(weights[2]));
    Tensor dh = g[3].div(ex[3]).log().mul(new Scalar(weights[3]));
    return torch.stack(new TensorVector(dx, dy, dw, dh), 1);
  }

  // torchvision computes wx * (gx - ex) / ew; keep that order.
  private static Tensor[] centreSize(Tensor boxes) {
    Tensor w = boxes.select(1, 2).sub(boxes.select(1, 0));
    Tensor h = boxes.select(1, 3).sub(boxes.select(1, 1));
    Tensor cx = boxes.select(1, 0).add(w.mul(new Scalar(0.5)));
    Tensor cy = boxes.select(1, 1).add(h.mul(new Scalar(0.5)));
    return new Tensor[] {cx, cy, w, h};
  }

  /**
   * Applies {@code codes [N, 4k]} (k boxes per reference, e.g. one per class) to {@code boxes [N, 4]}:
   * returns {@code [N, 4k]} decoded corner boxes.
   */
  public Tensor decode(Tensor codes, Tensor boxes) {
    BoxOps.checkBoxes(boxes, "reference boxes");
    if (codes.dim() != 2 || codes.size(0) != boxes.size(0) || codes.size(1) % 4 != 0) {
      throw new IllegalArgumentException("decode: codes must be [" + boxes.size(0) + ", 4k], got "
          + Tensors.describe(codes));
    }
    Tensor ref = boxes.to(codes.scalar_type());
    Tensor[] c = centreSize(ref);
    long n = codes.size(1);
    Tensor dx = every4(codes, 0, n).div(new Scalar(weights[0]));
    Tensor dy = every4(codes, 1, n).div(new Scalar(weights[1]));
    Tensor dw = every4(codes, 2, n).div(new Scalar(weights[2])).clamp(new ScalarOptional(), new ScalarOptional(new Scalar(bboxXformClip)));
    Tensor dh = every4(codes, 3, n).div(new Scalar(weights[3])).clamp(new ScalarOptional(), new ScalarOptional(new Scalar(bboxXformClip)));
    Tensor w = c[2].unsqueeze(1);
    Tensor h = c[3].unsqueeze(1);
    Tensor cx = dx.mul(w).add(c[0].unsqueeze(1));
    Tensor cy = dy.mul(h).add(c[1].unsqueeze(1));
    Tensor halfW = dw.exp().mul(w).mul(new Scalar(0.5));
    Tensor halfH = dh.exp().mul(h).mul(new Scalar(0.5));
    return torch.stack(new TensorVector(cx.sub(halfW), cy.sub(halfH), cx.add(halfW), cy.add(halfH)), 2).flatten(1, -1);
  }

  private static Tensor every4(Tensor codes, long offset, long n) {
    return codes.slice(1, new org.bytedeco.pytorch.LongOptional(offset), new org.bytedeco.pytorch.LongOptional(n), 4);
  }
}
