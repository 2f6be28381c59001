package io.nets4j.data;

/**
 * PIL's {@code Image.resize} of an 8-bit RGB image over the whole image (Pillow 9.4,
 * {@code src/libImaging/Resample.c} and, for nearest, {@code ImagingScaleAffine} in
 * {@code Geometry.c}), reproduced operation for operation so that the bytes agree with PIL's.
 *
 * <p>Bilinear and bicubic are separable convolutions: when downscaling by a factor {@code s > 1}
 * the filter is stretched by {@code s} (antialiasing), each output pixel's weights are normalised
 * to sum to one, converted to fixed point with {@link #PRECISION_BITS} fraction bits, and applied to
 * the bytes with rounding and clipping to 0..255. The horizontal pass runs first (on the rows the
 * vertical pass needs), its rounded bytes feed the vertical pass, and a pass whose size does not
 * change is skipped.
 */
final class PilResample {
  /** Fraction bits of the fixed-point weights: 32 bits less 8 for the result and 2 for overshoot. */
  static final int PRECISION_BITS = 32 - 8 - 2;

  private PilResample() {}

  static RgbImage resize(RgbImage in, int width, int height, Interpolation filter) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("resize to " + width + "x" + height + ": height and width must be > 0");
    }
    if (width == in.width() && height == in.height()) {
      return in;
    }
    return switch (filter) {
      case NEAREST -> nearest(in, width, height);
      case BILINEAR -> convolve(in, width, height, 1.0, PilResample::triangle);
      case BICUBIC -> convolve(in, width, height, 2.0, PilResample::cubic);
    };
  }

  private static double triangle(double x) {
    x = Math.abs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
  }

  /** Keys' cubic convolution with a = -0.5, written as PIL evaluates it (the same roundings). */
  private static double cubic(double x) {
    double a = -0.5;
    x = Math.abs(x);
    if (x < 1.0) {
      return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
      return (((x - 5) * x + 8) * x - 4) * a;
    }
    return 0.0;
  }

  private interface Filter {
    double at(double x);
  }

  /**
   * Per output pixel: the first input index, the number of inputs, and {@code ksize} fixed-point
   * weights (PIL's {@code precompute_coeffs} then {@code normalize_coeffs_8bpc}).
   */
  private record Coefficients(int ksize, int[] first, int[] count, int[] weights) {
    static Coefficients of(int inSize, int outSize, double filterSupport, Filter filter) {
      // PIL's box is float: (float) inSize - 0f, then divided in double
      double scale = (double) ((float) inSize) / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = filterSupport * filterScale;
      int ksize = (int) Math.ceil(support) * 2 + 1;
      int[] first = new int[outSize];
      int[] count = new int[outSize];
      int[] weights = new int[outSize * ksize];
      double[] k = new double[ksize];
      for (int xx = 0; xx < outSize; xx++) {
        double center = 0.0 + (xx + 0.5) * scale;
        double ss = 1.0 / filterScale;
        int xmin = Math.max(0, (int) (center - support + 0.5));
        int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; x++) {
          k[x] = filter.at((x + xmin - center + 0.5) * ss);
          ww += k[x];
        }
        for (int x = 0; x < xmax; x++) {
          double w = ww != 0.0 ? k[x] / ww : k[x];
          weights[xx * ksize + x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS))
              : (int) (0.5 + w * (1 << PRECISION_BITS));
        }
        first[xx] = xmin;
        count[xx] = xmax;
      }
      return new Coefficients(ksize, first, count, weights);
    }
  }

  private static RgbImage convolve(RgbImage in, int width, int height, double support, Filter filter) {
    Coefficients horizontal = Coefficients.of(in.width(), width, support, filter);
    Coefficients vertical = Coefficients.of(in.height(), height, support, filter);
    RgbImage img = in;
    int[] rowFirst = vertical.first;
    if (width != in.width()) {
      // only the rows the vertical pass reads
      int firstRow = vertical.first[0];
      int lastRow = vertical.first[height - 1] + vertical.count[height - 1];
      byte[] out = new byte[3 * width * (lastRow - firstRow)];
      byte[] src = in.pixels();
      for (int y = 0; y < lastRow - firstRow; y++) {
        int row = 3 * (y + firstRow) * in.width();
        for (int xx = 0; xx < width; xx++) {
          int k = xx * horizontal.ksize;
          int xmin = horizontal.first[xx];
          for (int c = 0; c < 3; c++) {
            int ss = 1 << (PRECISION_BITS - 1);
            for (int x = 0; x < horizontal.count[xx]; x++) {
              ss += (src[row + 3 * (x + xmin) + c] & 0xff) * horizontal.weights[k + x];
            }
            out[3 * (y * width + xx) + c] = clip8(ss);
          }
        }
      }
      img = new RgbImage(width, lastRow - firstRow, out);
      rowFirst = vertical.first.clone();
      for (int i = 0; i < height; i++) {
        rowFirst[i] -= firstRow;
      }
    }
    if (height == in.height()) {
      return img;
    }
    byte[] out = new byte[3 * width * height];
    byte[] src = img.pixels();
    int stride = 3 * width;
    for (int yy = 0; yy < height; yy++) {
      int k = yy * vertical.ksize;
      int ymin = rowFirst[yy];
      for (int i = 0; i < stride; i++) {
        int ss = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < vertical.count[yy]; y++) {
          ss += (src[(y + ymin) * stride + i] & 0xff) * vertical.weights[k + y];
        }
        out[yy * stride + i] = clip8(ss);
      }
    }
    return new RgbImage(width, height, out);
  }

  private static byte clip8(int ss) {
    int v = ss >> PRECISION_BITS;
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }

  /**
   * PIL's nearest neighbour for resize: an affine scale whose source positions are accumulated
   * by repeated addition from half a step (so they carry PIL's floating-point drift) and truncated.
   */
  private static RgbImage nearest(RgbImage in, int width, int height) {
    double ax = (double) ((float) in.width()) / width;
    double ay = (double) ((float) in.height()) / height;
    int[] xin = new int[width];
    double xo = 0.0 + ax * 0.5;
    for (int x = 0; x < width; x++) {
      xin[x] = xo < 0.0 ? -1 : (int) xo;
      xo += ax;
    }
    byte[] out = new byte[3 * width * height];
    byte[] src = in.pixels();
    double yo = 0.0 + ay * 0.5;
    for (int y = 0; y < height; y++) {
      int yi = yo < 0.0 ? -1 : (int) yo;
      if (yi >= 0 && yi < in.height()) {
        for (int x = 0; x < width; x++) {
          if (xin[x] >= 0 && xin[x] < in.width()) {
            System.arraycopy(src, 3 * (yi * in.width() + xin[x]), out, 3 * (y * width + x), 3);
          }
        }
      }
      yo += ay;
    }
    return new RgbImage(width, height, out);
  }
}
