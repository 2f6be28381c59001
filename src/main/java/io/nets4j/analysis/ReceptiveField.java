package io.nets4j.analysis;

import java.util.Locale;

/**
 * The receptive field of a feature map: the side of the input window that one of its positions
 * can see ({@code size}, in input pixels, padding included) and the distance in input pixels
 * between two neighbouring positions ({@code jump}, the effective stride), per axis.
 *
 * <p>Through a window of kernel {@code k}, dilation {@code d} and stride {@code s}:
 * {@code size_out = size_in + (k - 1) * d * jump_in}, {@code jump_out = jump_in * s}
 * (Araujo et al. 2019, "Computing Receptive Fields of Convolutional Neural Networks"). A transposed
 * convolution with factor {@code s} makes one output depend on {@code ceil(((k - 1) d + 1) / s)}
 * neighbouring inputs and divides the jump by {@code s}; jumps can then be fractional.
 */
public record ReceptiveField(double sizeH, double sizeW, double jumpH, double jumpW) {
  /** The input image: every pixel sees itself. */
  public static final ReceptiveField INPUT = new ReceptiveField(1, 1, 1, 1);

  /** The receptive field after {@code w}. */
  public ReceptiveField through(Window w) {
    if (w.transposed()) {
      long spanH = ceilDiv((long) (w.kernelH() - 1) * w.dilationH() + 1, w.strideH());
      long spanW = ceilDiv((long) (w.kernelW() - 1) * w.dilationW() + 1, w.strideW());
      return new ReceptiveField(sizeH + (spanH - 1) * jumpH, sizeW + (spanW - 1) * jumpW,
          jumpH / w.strideH(), jumpW / w.strideW());
    }
    return new ReceptiveField(
        sizeH + (double) (w.kernelH() - 1) * w.dilationH() * jumpH,
        sizeW + (double) (w.kernelW() - 1) * w.dilationW() * jumpW,
        jumpH * w.strideH(), jumpW * w.strideW());
  }

  /**
   * The field of a position that sees what positions with this field and with {@code other} see
   * (a residual sum, a concatenation): the per-axis maximum of sizes, and of jumps, which agree for
   * tensors on the same grid.
   */
  public ReceptiveField union(ReceptiveField other) {
    return new ReceptiveField(Math.max(sizeH, other.sizeH), Math.max(sizeW, other.sizeW),
        Math.max(jumpH, other.jumpH), Math.max(jumpW, other.jumpW));
  }

  /** The size as text: {@code 7}, or {@code 7x3} for different axes. */
  public String sizeText() {
    return pair(sizeH, sizeW);
  }

  /** The jump as text: {@code 32}, {@code 0.5}, or {@code 2x1} for different axes. */
  public String jumpText() {
    return pair(jumpH, jumpW);
  }

  private static String pair(double h, double w) {
    return h == w ? number(h) : number(h) + "x" + number(w);
  }

  static String number(double v) {
    if (v == Math.rint(v)) {
      return Long.toString((long) v);
    }
    String s = String.format(Locale.ROOT, "%.4f", v);
    return s.replaceAll("0+$", "");
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
