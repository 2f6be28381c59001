package io.nets4j.detection;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Anchor boxes (Ren et al. 2015, "Faster R-CNN"): at every cell of every feature level, one box per
 * (size, aspect ratio) of that level, centred on the cell's top-left corner in image coordinates,
 * as torchvision's {@code AnchorGenerator}. Base anchors are computed in float32 and rounded to
 * integers (torchvision's rounding); aspect ratio is height / width.
 */
public final class AnchorGenerator {
  private final double[][] sizes;
  private final double[][] aspectRatios;
  private final Tensor[] cellAnchors;

  /** @param sizes anchor sizes per level; @param aspectRatios aspect ratios per level */
  public AnchorGenerator(double[][] sizes, double[][] aspectRatios) {
    if (sizes.length != aspectRatios.length) {
      throw new IllegalArgumentException("anchor generator: " + sizes.length + " levels of sizes but "
          + aspectRatios.length + " of aspect ratios");
    }
    this.sizes = sizes.clone();
    this.aspectRatios = aspectRatios.clone();
    cellAnchors = new Tensor[sizes.length];
    for (int l = 0; l < sizes.length; l++) {
      cellAnchors[l] = Scope.detachFromScopes(baseAnchors(sizes[l], aspectRatios[l]));
    }
  }

  /** torchvision's Faster R-CNN FPN anchors: sizes 32..512 (one per level), ratios 0.5, 1, 2. */
  public static AnchorGenerator fasterRcnnFpn() {
    double[][] s = {{32}, {64}, {128}, {256}, {512}};
    double[][] r = new double[5][];
    for (int i = 0; i < 5; i++) {
      r[i] = new double[] {0.5, 1.0, 2.0};
    }
    return new AnchorGenerator(s, r);
  }

  /** Anchors per cell of each level. */
  public int[] anchorsPerLocation() {
    int[] n = new int[sizes.length];
    for (int l = 0; l < n.length; l++) {
      n[l] = sizes[l].length * aspectRatios[l].length;
    }
    return n;
  }

  private static Tensor baseAnchors(double[] scales, double[] ratios) {
    float[] s = new float[scales.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = (float) scales[i];
    }
    float[] r = new float[ratios.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = (float) ratios[i];
    }
    Tensor scale = Tensors.fromFloats(s, s.length);
    Tensor hRatios = Tensors.fromFloats(r, r.length).sqrt();
    Tensor wRatios = hRatios.reciprocal();
    Tensor ws = wRatios.unsqueeze(1).mul(scale.unsqueeze(0)).reshape(-1);
    Tensor hs = hRatios.unsqueeze(1).mul(scale.unsqueeze(0)).reshape(-1);
    return torch.stack(new TensorVector(ws.mul(new Scalar(-1.0)), hs.mul(new Scalar(-1.0)), ws, hs), 1).div(new Scalar(2.0)).round();
  }

  /**
   * Anchors of one image {@code [sum_l H_l W_l A_l, 4]}, level by level, row-major over cells.
   *
   * @param paddedHeight height of the batched (padded) input; strides are {@code padded / grid}
   * @param gridSizes {@code [H_l, W_l]} of each feature level
   */
  public Tensor anchors(long paddedHeight, long paddedWidth, long[][] gridSizes, DType dtype) {
    if (gridSizes.length != cellAnchors.length) {
      throw new IllegalArgumentException("anchor generator has " + cellAnchors.length + " levels, got "
          + gridSizes.length + " feature maps");
    }
    List<Tensor> all = new ArrayList<>();
    for (int l = 0; l < gridSizes.length; l++) {
      long gh = gridSizes[l][0];
      long gw = gridSizes[l][1];
      long strideH = paddedHeight / gh;
      long strideW = paddedWidth / gw;
      Tensor shiftsX = torch.arange(new Scalar(0L), new Scalar(gw)).mul(new Scalar(strideW));
      Tensor shiftsY = torch.arange(new Scalar(0L), new Scalar(gh)).mul(new Scalar(strideH));
      Tensor sx = shiftsX.unsqueeze(0).expand(gh, gw).reshape(-1);
      Tensor sy = shiftsY.unsqueeze(1).expand(gh, gw).reshape(-1);
      Tensor shifts = torch.stack(new TensorVector(sx, sy, sx, sy), 1).to(dtype.scalarType());
      Tensor base = cellAnchors[l].to(dtype.scalarType());
      all.add(shifts.view(-1, 1, 4).add(base.view(1, -1, 4)).reshape(-1, 4));
    }
    return Tensors.cat(all, 0);
  }
}
