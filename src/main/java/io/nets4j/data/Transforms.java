package io.nets4j.data;

import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The usual per-sample image transforms, following torchvision's definitions ({@code Resize},
 * {@code CenterCrop}, {@code RandomResizedCrop}, {@code RandomHorizontalFlip},
 * {@code RandomAffine}, {@code ColorJitter}, {@code Normalize}) so that a pipeline behaves as its
 * PyTorch counterpart. Resizing is bilinear with antialiasing when shrinking (a triangle filter
 * widened by the scale factor, as PIL and torchvision's {@code antialias=True} do); enlarging is
 * plain bilinear interpolation with half-pixel centres ({@code align_corners=False}).
 *
 * <p>Photometric transforms ({@link #colorJitter}) expect values in [0, 1], so they go before
 * {@link #normalize}.
 */
public final class Transforms {
  /** The ImageNet channel means used by torchvision's and timm's pretrained weights. */
  public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};

  /** The ImageNet channel standard deviations used by torchvision's and timm's pretrained weights. */
  public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  private Transforms() {}

  /** Applies {@code transforms} in order. */
  public static Transform compose(Transform... transforms) {
    List<Transform> list = List.of(transforms);
    return (image, random) -> {
      Image out = image;
      for (Transform t : list) {
        out = t.apply(out, random);
      }
      return out;
    };
  }

  /** Applies {@code transforms} in order. */
  public static Transform compose(List<Transform> transforms) {
    return compose(transforms.toArray(new Transform[0]));
  }

  public static Transform identity() {
    return (image, random) -> image;
  }

  /**
   * Resizes so that the shorter side becomes {@code shorterSide}, keeping the aspect ratio (the
   * longer side is truncated to an integer, as in torchvision's {@code Resize(int)}).
   */
  public static Transform resize(int shorterSide) {
    positive("shorter side", shorterSide);
    return (image, random) -> {
      int h = image.height();
      int w = image.width();
      if (h <= w) {
        return resample(image, shorterSide, Math.max(1, (int) ((long) shorterSide * w / h)));
      }
      return resample(image, Math.max(1, (int) ((long) shorterSide * h / w)), shorterSide);
    };
  }

  /** Resizes to exactly {@code height x width}. */
  public static Transform resize(int height, int width) {
    positive("height", height);
    positive("width", width);
    return (image, random) -> resample(image, height, width);
  }

  /** Crops the central {@code size x size} region (padding with zeros where the image is smaller). */
  public static Transform centerCrop(int size) {
    return centerCrop(size, size);
  }

  /** Crops the central {@code height x width} region (padding with zeros where the image is smaller). */
  public static Transform centerCrop(int height, int width) {
    positive("height", height);
    positive("width", width);
    return (image, random) -> crop(image, centreOffset(image.height(), height), centreOffset(image.width(), width),
        height, width);
  }

  /** torchvision's {@code RandomResizedCrop(size)}: scale in [0.08, 1], aspect ratio in [3/4, 4/3]. */
  public static Transform randomResizedCrop(int size) {
    return randomResizedCrop(size, size, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
  }

  /**
   * Crops a random region covering a fraction in [{@code minScale}, {@code maxScale}] of the image
   * area with an aspect ratio (width / height) log-uniform in [{@code minRatio}, {@code maxRatio}],
   * then resizes it to {@code height x width}. After ten failed draws it falls back to the
   * largest central crop within the ratio range, as torchvision does.
   */
  public static Transform randomResizedCrop(int height, int width, double minScale, double maxScale,
      double minRatio, double maxRatio) {
    positive("height", height);
    positive("width", width);
    if (!(0 < minScale && minScale <= maxScale && maxScale <= 1)) {
      throw new IllegalArgumentException("need 0 < minScale <= maxScale <= 1, got " + minScale + ", " + maxScale);
    }
    if (!(0 < minRatio && minRatio <= maxRatio)) {
      throw new IllegalArgumentException("need 0 < minRatio <= maxRatio, got " + minRatio + ", " + maxRatio);
    }
    return (image, random) -> {
      int[] r = cropRegion(image.height(), image.width(), minScale, maxScale, minRatio, maxRatio, random);
      return resample(crop(image, r[0], r[1], r[2], r[3]), height, width);
    };
  }

  // {top, left, height, width}
  private static int[] cropRegion(int h, int w, double minScale, double maxScale, double minRatio, double maxRatio,
      RandomGenerator random) {
    double area = (double) h * w;
    double logMin = Math.log(minRatio);
    double logMax = Math.log(maxRatio);
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * uniform(random, minScale, maxScale);
      double aspect = Math.exp(uniform(random, logMin, logMax));
      int cw = (int) Math.round(Math.sqrt(target * aspect));
      int ch = (int) Math.round(Math.sqrt(target / aspect));
      if (0 < cw && cw <= w && 0 < ch && ch <= h) {
        return new int[] {random.nextInt(h - ch + 1), random.nextInt(w - cw + 1), ch, cw};
      }
    }
    double ratio = (double) w / h;
    int cw = w;
    int ch = h;
    if (ratio < minRatio) {
      ch = Math.max(1, (int) Math.round(w / minRatio));
    } else if (ratio > maxRatio) {
      cw = Math.max(1, (int) Math.round(h * maxRatio));
    }
    return new int[] {(h - ch) / 2, (w - cw) / 2, ch, cw};
  }

  /** Mirrors the image left-right with probability {@code p}. */
  public static Transform horizontalFlip(double p) {
    probability(p);
    return (image, random) -> random.nextDouble() < p ? flipHorizontal(image) : image;
  }

  /**
   * A random rotation by an angle uniform in [-{@code degrees}, {@code degrees}] (anticlockwise
   * for positive angles) about the centre, then a shift by up to {@code translate} of the width and
   * height (whole pixels), sampled bilinearly; pixels from outside the image are 0.
   */
  public static Transform randomAffine(double degrees, double translate) {
    return randomAffine(degrees, translate, translate, 1, 1);
  }

  /**
   * Like {@link #randomAffine(double, double)} with separate horizontal and vertical shifts
   * (fractions of width and height) and a scale factor uniform in [{@code minScale}, {@code maxScale}].
   */
  public static Transform randomAffine(double degrees, double translateX, double translateY, double minScale,
      double maxScale) {
    if (!(degrees >= 0) || !(translateX >= 0 && translateX <= 1) || !(translateY >= 0 && translateY <= 1)) {
      throw new IllegalArgumentException("need degrees >= 0 and translations in [0, 1], got " + degrees + ", "
          + translateX + ", " + translateY);
    }
    if (!(0 < minScale && minScale <= maxScale)) {
      throw new IllegalArgumentException("need 0 < minScale <= maxScale, got " + minScale + ", " + maxScale);
    }
    return (image, random) -> {
      double angle = Math.toRadians(uniform(random, -degrees, degrees));
      double maxDx = translateX * image.width();
      double maxDy = translateY * image.height();
      double tx = Math.round(uniform(random, -maxDx, maxDx));
      double ty = Math.round(uniform(random, -maxDy, maxDy));
      double scale = uniform(random, minScale, maxScale);
      return affine(image, angle, tx, ty, scale);
    };
  }

  /**
   * Random erasing (Zhong et al. 2020, "Random Erasing Data Augmentation"; torchvision's
   * {@code RandomErasing(p, scale=(0.02, 0.33), ratio=(0.3, 3.3), value="random")}): with
   * probability {@code p}, a rectangle covering 2-33% of the image with a log-uniform aspect ratio
   * in [0.3, 3.3] is replaced by standard-normal noise in every channel, the distribution of a
   * normalised image's values, so it belongs after {@link #normalize}. Up to ten draws look for a
   * rectangle that fits; if none does, the image is left alone.
   */
  public static Transform randomErasing(double p) {
    probability(p);
    return (image, random) -> {
      if (random.nextDouble() >= p) {
        return image;
      }
      int h = image.height();
      int w = image.width();
      for (int attempt = 0; attempt < 10; attempt++) {
        double area = uniform(random, 0.02, 0.33) * h * w;
        double ratio = Math.exp(uniform(random, Math.log(0.3), Math.log(3.3)));
        int eh = (int) Math.round(Math.sqrt(area * ratio));
        int ew = (int) Math.round(Math.sqrt(area / ratio));
        if (eh < h && ew < w) {
          int top = random.nextInt(h - eh + 1);
          int left = random.nextInt(w - ew + 1);
          float[] out = image.data().clone();
          for (int c = 0; c < image.channels(); c++) {
            for (int y = top; y < top + eh; y++) {
              for (int x = left; x < left + ew; x++) {
                out[(c * h + y) * w + x] = (float) random.nextGaussian();
              }
            }
          }
          return new Image(out, image.channels(), h, w);
        }
      }
      return image;
    };
  }

  /**
   * Scales brightness, contrast and saturation by factors uniform in [max(0, 1 - b), 1 + b] (and
   * likewise for c and s), in a random order, clamping to [0, 1] as torchvision's
   * {@code ColorJitter} does. Contrast blends with the mean grey level of the image, saturation with
   * each pixel's grey level (ITU-R 601 luma); saturation leaves 1-channel images alone.
   */
  public static Transform colorJitter(double brightness, double contrast, double saturation) {
    if (!(brightness >= 0 && contrast >= 0 && saturation >= 0)) {
      throw new IllegalArgumentException("jitter strengths must be >= 0, got " + brightness + ", " + contrast + ", "
          + saturation);
    }
    return (image, random) -> {
      int[] order = {0, 1, 2};
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      float[] data = image.data().clone();
      for (int op : order) {
        double strength = op == 0 ? brightness : op == 1 ? contrast : saturation;
        if (strength == 0) {
          continue;
        }
        double f = uniform(random, Math.max(0, 1 - strength), 1 + strength);
        switch (op) {
          case 0 -> blend(data, (float) f, null, 0);
          case 1 -> blend(data, (float) f, null, meanGrey(data, image));
          default -> {
            if (image.channels() == 3) {
              blend(data, (float) f, grey(data, image), 0);
            }
          }
        }
      }
      return new Image(data, image.channels(), image.height(), image.width());
    };
  }

  /**
   * {@code (x - mean[c]) / std[c]} per channel; {@code mean} and {@code std} have one value per
   * channel (or one value for all channels).
   */
  public static Transform normalize(float[] mean, float[] std) {
    float[] m = mean.clone();
    float[] s = std.clone();
    if (m.length != s.length || m.length == 0) {
      throw new IllegalArgumentException("normalize needs as many means as standard deviations, got " + m.length
          + " and " + s.length);
    }
    for (float v : s) {
      if (!(v > 0)) {
        throw new IllegalArgumentException("standard deviations must be positive, got " + Arrays.toString(s));
      }
    }
    return (image, random) -> {
      int c = image.channels();
      if (m.length != 1 && m.length != c) {
        throw new IllegalArgumentException("normalize has " + m.length + " channel means but the image has " + c
            + " channels (" + c + "x" + image.height() + "x" + image.width() + ")");
      }
      int plane = image.height() * image.width();
      float[] out = new float[image.data().length];
      for (int ch = 0; ch < c; ch++) {
        float mu = m[m.length == 1 ? 0 : ch];
        float sd = s[m.length == 1 ? 0 : ch];
        for (int i = ch * plane; i < (ch + 1) * plane; i++) {
          out[i] = (image.data()[i] - mu) / sd;
        }
      }
      return new Image(out, c, image.height(), image.width());
    };
  }

  /** Repeats a 1-channel image over three channels; 3-channel images pass unchanged. */
  public static Transform greyToRgb() {
    return (image, random) -> {
      if (image.channels() == 3) {
        return image;
      }
      if (image.channels() != 1) {
        throw new IllegalArgumentException("greyToRgb needs a 1- or 3-channel image, got " + image.channels()
            + " channels");
      }
      int plane = image.height() * image.width();
      float[] out = new float[3 * plane];
      for (int c = 0; c < 3; c++) {
        System.arraycopy(image.data(), 0, out, c * plane, plane);
      }
      return new Image(out, 3, image.height(), image.width());
    };
  }

  // ---- the operations behind the transforms

  static Image flipHorizontal(Image image) {
    int w = image.width();
    float[] src = image.data();
    float[] out = new float[src.length];
    for (int row = 0; row < image.channels() * image.height(); row++) {
      int base = row * w;
      for (int x = 0; x < w; x++) {
        out[base + x] = src[base + w - 1 - x];
      }
    }
    return new Image(out, image.channels(), image.height(), w);
  }

  /** The region at {@code (top, left)} of {@code h x w}; parts outside the image are 0. */
  static Image crop(Image image, int top, int left, int h, int w) {
    int ih = image.height();
    int iw = image.width();
    float[] src = image.data();
    float[] out = new float[image.channels() * h * w];
    int x0 = Math.max(0, -left);
    int x1 = Math.min(w, iw - left);
    for (int c = 0; c < image.channels(); c++) {
      for (int y = 0; y < h; y++) {
        int sy = top + y;
        if (sy < 0 || sy >= ih || x0 >= x1) {
          continue;
        }
        System.arraycopy(src, (c * ih + sy) * iw + left + x0, out, (c * h + y) * w + x0, x1 - x0);
      }
    }
    return new Image(out, image.channels(), h, w);
  }

  // torchvision rounds (half to even) the centred offset, and pads symmetrically when the crop is larger.
  private static int centreOffset(int size, int crop) {
    return crop <= size ? (int) Math.rint((size - crop) / 2.0) : -((crop - size) / 2);
  }

  static Image resample(Image image, int outH, int outW) {
    if (outH == image.height() && outW == image.width()) {
      return image;
    }
    // checked in long arithmetic: an int product of the sides (or with the channels) can wrap
    if ((long) outH * outW > ImageFiles.MAX_PIXELS) {
      throw new IllegalArgumentException("resizing a " + image.width() + "x" + image.height() + " image to " + outW
          + "x" + outH + " would make more than " + ImageFiles.MAX_PIXELS + " pixels");
    }
    int c = image.channels();
    int ih = image.height();
    int iw = image.width();
    Filter fx = Filter.of(iw, outW);
    Filter fy = Filter.of(ih, outH);
    float[] src = image.data();
    float[] tmp = new float[c * ih * outW];
    for (int row = 0; row < c * ih; row++) {
      for (int x = 0; x < outW; x++) {
        double s = 0;
        int start = fx.start[x];
        double[] wts = fx.weights[x];
        for (int k = 0; k < wts.length; k++) {
          s += wts[k] * src[row * iw + start + k];
        }
        tmp[row * outW + x] = (float) s;
      }
    }
    float[] out = new float[c * outH * outW];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < outH; y++) {
        int start = fy.start[y];
        double[] wts = fy.weights[y];
        for (int x = 0; x < outW; x++) {
          double s = 0;
          for (int k = 0; k < wts.length; k++) {
            s += wts[k] * tmp[(ch * ih + start + k) * outW + x];
          }
          out[(ch * outH + y) * outW + x] = (float) s;
        }
      }
    }
    return new Image(out, c, outH, outW);
  }

  /** Per output index, the first input index and the normalised triangle-filter weights. */
  private record Filter(int[] start, double[][] weights) {
    static Filter of(int in, int out) {
      double scale = (double) in / out;
      double support = Math.max(1, scale);
      int[] start = new int[out];
      double[][] weights = new double[out][];
      for (int o = 0; o < out; o++) {
        double centre = (o + 0.5) * scale;
        int lo = Math.max(0, (int) Math.floor(centre - support));
        int hi = Math.min(in, (int) Math.ceil(centre + support));
        double[] ws = new double[Math.max(0, hi - lo)];
        double sum = 0;
        for (int i = lo; i < hi; i++) {
          ws[i - lo] = Math.max(0, 1 - Math.abs(i + 0.5 - centre) / support);
          sum += ws[i - lo];
        }
        // Trim zero weights at both ends so the inner loops only touch contributing pixels.
        int first = 0;
        int last = ws.length - 1;
        while (first < last && ws[first] == 0) {
          first++;
        }
        while (last > first && ws[last] == 0) {
          last--;
        }
        double[] w = new double[last - first + 1];
        for (int k = 0; k < w.length; k++) {
          w[k] = ws[first + k] / sum;
        }
        start[o] = lo + first;
        weights[o] = w;
      }
      return new Filter(start, weights);
    }
  }

  static Image affine(Image image, double angle, double tx, double ty, double scale) {
    int c = image.channels();
    int h = image.height();
    int w = image.width();
    double cx = w * 0.5;
    double cy = h * 0.5;
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    float[] src = image.data();
    float[] out = new float[src.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        // Invert "rotate anticlockwise about the centre, scale, then shift" for this pixel centre.
        double px = x + 0.5 - cx - tx;
        double py = y + 0.5 - cy - ty;
        double sx = (px * cos - py * sin) / scale + cx - 0.5;
        double sy = (px * sin + py * cos) / scale + cy - 0.5;
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        double fx = sx - x0;
        double fy = sy - y0;
        for (int ch = 0; ch < c; ch++) {
          int base = ch * h * w;
          double v = (1 - fy) * ((1 - fx) * at(src, base, w, h, x0, y0) + fx * at(src, base, w, h, x0 + 1, y0))
              + fy * ((1 - fx) * at(src, base, w, h, x0, y0 + 1) + fx * at(src, base, w, h, x0 + 1, y0 + 1));
          out[base + y * w + x] = (float) v;
        }
      }
    }
    return new Image(out, c, h, w);
  }

  private static float at(float[] src, int base, int w, int h, int x, int y) {
    return x < 0 || y < 0 || x >= w || y >= h ? 0f : src[base + y * w + x];
  }

  private static float[] grey(float[] data, Image image) {
    int plane = image.height() * image.width();
    float[] g = new float[plane];
    for (int i = 0; i < plane; i++) {
      g[i] = 0.299f * data[i] + 0.587f * data[plane + i] + 0.114f * data[2 * plane + i];
    }
    return g;
  }

  private static float meanGrey(float[] data, Image image) {
    float[] g = image.channels() == 3 ? grey(data, image) : data;
    double s = 0;
    for (float v : g) {
      s += v;
    }
    return (float) (s / g.length);
  }

  /** {@code x = clamp(f * x + (1 - f) * other)} where other is a per-pixel plane or a constant. */
  private static void blend(float[] data, float f, float[] otherPlane, float otherConstant) {
    int plane = otherPlane == null ? 0 : otherPlane.length;
    for (int i = 0; i < data.length; i++) {
      float other = otherPlane == null ? otherConstant : otherPlane[i % plane];
      data[i] = Math.max(0f, Math.min(1f, f * data[i] + (1 - f) * other));
    }
  }

  private static double uniform(RandomGenerator random, double lo, double hi) {
    return lo == hi ? lo : lo + (hi - lo) * random.nextDouble();
  }

  private static void positive(String what, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
  }

  private static void probability(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
    }
  }
}
