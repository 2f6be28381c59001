package io.nets4j.detection.rcnn;

import io.nets4j.data.Box;
import io.nets4j.data.Image;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Selective search (Uijlings et al. 2013, "Selective Search for Object Recognition"): class-agnostic
 * region proposals by hierarchical grouping. Each strategy segments the image with {@link
 * GraphSegmentation} (one {@code k} in one colour space), then repeatedly merges the two most
 * similar neighbouring regions until one is left; every region of the hierarchy is a proposal.
 * Similarity is the paper's sum of four terms in [0, 1]:
 *
 * <ul>
 *   <li>colour: histogram intersection of L1-normalised 25-bin-per-channel colour histograms;
 *   <li>texture: histogram intersection of gradient histograms, 8 orientations x 10 bins per
 *       channel. Simplification of the paper's SIFT-like measure: the responses are half-wave
 *       rectified first-derivative-of-Gaussian (sigma 1) filters in the 8 directions
 *       {@code k * 45} degrees (a direction and its opposite give the two signs of one axis),
 *       binned on [0, the image's largest response];
 *   <li>size: {@code 1 - (|ri| + |rj|) / |image|}, so small regions merge early;
 *   <li>fill: {@code 1 - (|BB_ij| - |ri| - |rj|) / |image|}, so regions that fill each other's gaps
 *       merge early.
 * </ul>
 *
 * <p>Merged histograms are the size-weighted means of the parts, as in the paper. Proposals are
 * ranked as in section 3.2: in each hierarchy a region's position is 1 for the final region, 2 for
 * the one merged before, and so on; it is multiplied by a uniform random number and all strategies'
 * regions are sorted by the product, duplicates removed. This favours large regions while mixing the
 * strategies.
 */
public final class SelectiveSearch {
  /** Colour spaces of the diversification strategies; all channels map to [0, 1]. */
  public enum ColourSpace {
    RGB,
    /** Hue (as a fraction of the circle), saturation, value. */
    HSV
  }

  /**
   * @param ks the graph-segmentation scales, one hierarchy per {@code k} and colour space
   * @param sigma Gaussian smoothing of the segmentation
   * @param minSize smallest initial region in pixels
   * @param colourSpaces colour spaces of the strategies
   * @param minBoxSide proposals narrower or lower than this many pixels are dropped
   * @param maxProposals keep at most this many, by rank
   * @param seed seed of the ranking's random factors
   */
  public record Config(double[] ks, double sigma, int minSize, List<ColourSpace> colourSpaces, int minBoxSide,
      int maxProposals, long seed) {
    public Config {
      if (ks.length == 0 || colourSpaces.isEmpty()) {
        throw new IllegalArgumentException("selective search needs at least one k and one colour space");
      }
      if (maxProposals < 1 || minBoxSide < 0) {
        throw new IllegalArgumentException("need maxProposals >= 1 and minBoxSide >= 0, got " + maxProposals + ", "
            + minBoxSide);
      }
      ks = ks.clone();
      colourSpaces = List.copyOf(colourSpaces);
      for (double k : ks) {
        new GraphSegmentation.Config(k, sigma, minSize); // validates
      }
    }

    @Override
    public double[] ks() {
      return ks.clone();
    }

    /**
     * The paper's "fast" mode (two colour spaces, k = 50 and 100) with a third, smaller k and a
     * smaller minimum region, since the synthetic scenes are tiny next to PASCAL images.
     */
    public static Config fast() {
      return new Config(new double[] {25, 50, 100}, 0.8, 10, List.of(ColourSpace.RGB, ColourSpace.HSV), 3, 2000, 0);
    }
  }

  static final int COLOUR_BINS = 25;
  static final int ORIENTATIONS = 8;
  static final int TEXTURE_BINS = 10;
  private static final double TEXTURE_SIGMA = 1.0;

  private final Config config;

  public SelectiveSearch(Config config) {
    this.config = config;
  }

  public Config config() {
    return config;
  }

  /** Ranked, de-duplicated proposal boxes for an RGB image with values in [0, 1]. */
  public List<Box> propose(Image image) {
    if (image.channels() != 3) {
      throw new IllegalArgumentException("selective search needs an RGB image, got " + image.channels() + " channels");
    }
    SplittableRandom rng = new SplittableRandom(config.seed());
    List<double[]> ranked = new ArrayList<>(); // x1, y1, x2, y2, rank value
    for (ColourSpace space : config.colourSpaces()) {
      Image converted = space == ColourSpace.HSV ? toHsv(image) : image;
      Features features = new Features(converted);
      for (double k : config.ks()) {
        GraphSegmentation.Segments segments = GraphSegmentation.segment(converted,
            new GraphSegmentation.Config(k, config.sigma(), config.minSize()));
        List<int[]> hierarchy = group(segments, features);
        for (int i = 0; i < hierarchy.size(); i++) {
          int[] b = hierarchy.get(i);
          double position = hierarchy.size() - i;
          ranked.add(new double[] {b[0], b[1], b[2], b[3], position * rng.nextDouble()});
        }
      }
    }
    ranked.sort((a, b) -> Double.compare(a[4], b[4]));
    LinkedHashSet<Box> out = new LinkedHashSet<>(); // a box found by several strategies counts once
    for (double[] r : ranked) {
      if (r[2] - r[0] < config.minBoxSide() || r[3] - r[1] < config.minBoxSide()) {
        continue;
      }
      if (out.add(new Box((float) r[0], (float) r[1], (float) r[2], (float) r[3]))) {
        if (out.size() == config.maxProposals()) {
          break;
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Hierarchical grouping of one segmentation: the boxes {@code (x1, y1, x2, y2)} of the initial
   * regions and then of every merged region, in creation order (the last one covers the image).
   */
  static List<int[]> group(GraphSegmentation.Segments segments, Features features) {
    int n = segments.regions();
    int w = segments.width();
    int h = segments.height();
    double imageSize = (double) w * h;
    int capacity = 2 * n - 1;
    double[] size = new double[capacity];
    int[][] box = new int[capacity][];
    float[][] colour = new float[capacity][];
    float[][] texture = new float[capacity][];
    for (int r = 0; r < n; r++) {
      box[r] = new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE};
      colour[r] = new float[features.colourLength()];
      texture[r] = new float[features.textureLength()];
    }
    int[] labels = segments.labels();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = y * w + x;
        int r = labels[p];
        size[r]++;
        int[] b = box[r];
        b[0] = Math.min(b[0], x);
        b[1] = Math.min(b[1], y);
        b[2] = Math.max(b[2], x + 1);
        b[3] = Math.max(b[3], y + 1);
        features.accumulate(p, colour[r], texture[r]);
      }
    }
    for (int r = 0; r < n; r++) {
      normalise(colour[r]);
      normalise(texture[r]);
    }
    List<Set<Integer>> neighbours = new ArrayList<>();
    for (int r = 0; r < capacity; r++) {
      neighbours.add(new HashSet<>());
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int a = labels[y * w + x];
        if (x + 1 < w && labels[y * w + x + 1] != a) {
          link(neighbours, a, labels[y * w + x + 1]);
        }
        if (y + 1 < h && labels[(y + 1) * w + x] != a) {
          link(neighbours, a, labels[(y + 1) * w + x]);
        }
      }
    }
    boolean[] merged = new boolean[capacity];
    PriorityQueue<double[]> queue = new PriorityQueue<>((p, q) -> Double.compare(q[0], p[0]));
    for (int a = 0; a < n; a++) {
      for (int b : neighbours.get(a)) {
        if (a < b) {
          queue.add(new double[] {similarity(a, b, size, box, colour, texture, imageSize), a, b});
        }
      }
    }
    List<int[]> hierarchy = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      hierarchy.add(box[r]);
    }
    int next = n;
    while (!queue.isEmpty()) {
      double[] top = queue.poll();
      int a = (int) top[1];
      int b = (int) top[2];
      if (merged[a] || merged[b]) {
        continue; // a pair of a region that was merged since: stale
      }
      int t = next++;
      merged[a] = true;
      merged[b] = true;
      size[t] = size[a] + size[b];
      box[t] = union(box[a], box[b]);
      colour[t] = mix(colour[a], size[a], colour[b], size[b]);
      texture[t] = mix(texture[a], size[a], texture[b], size[b]);
      hierarchy.add(box[t]);
      Set<Integer> around = new HashSet<>(neighbours.get(a));
      around.addAll(neighbours.get(b));
      around.remove(a);
      around.remove(b);
      for (int c : around) {
        if (!merged[c]) {
          neighbours.get(c).add(t);
          neighbours.get(t).add(c);
          queue.add(new double[] {similarity(t, c, size, box, colour, texture, imageSize), t, c});
        }
      }
    }
    return hierarchy;
  }

  private static void link(List<Set<Integer>> neighbours, int a, int b) {
    neighbours.get(a).add(b);
    neighbours.get(b).add(a);
  }

  static double similarity(int a, int b, double[] size, int[][] box, float[][] colour, float[][] texture,
      double imageSize) {
    int[] bb = union(box[a], box[b]);
    double bbSize = (double) (bb[2] - bb[0]) * (bb[3] - bb[1]);
    double sizeSim = 1 - (size[a] + size[b]) / imageSize;
    double fill = 1 - (bbSize - size[a] - size[b]) / imageSize;
    return intersection(colour[a], colour[b]) + intersection(texture[a], texture[b]) + sizeSim + fill;
  }

  static double intersection(float[] p, float[] q) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      s += Math.min(p[i], q[i]);
    }
    return s;
  }

  private static int[] union(int[] p, int[] q) {
    return new int[] {Math.min(p[0], q[0]), Math.min(p[1], q[1]), Math.max(p[2], q[2]), Math.max(p[3], q[3])};
  }

  private static float[] mix(float[] p, double sp, float[] q, double sq) {
    float[] out = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = (float) ((p[i] * sp + q[i] * sq) / (sp + sq));
    }
    return out;
  }

  private static void normalise(float[] hist) {
    double s = 0;
    for (float v : hist) {
      s += v;
    }
    if (s > 0) {
      for (int i = 0; i < hist.length; i++) {
        hist[i] /= s;
      }
    }
  }

  /** RGB to HSV, every channel in [0, 1]. */
  static Image toHsv(Image rgb) {
    int plane = rgb.height() * rgb.width();
    float[] d = rgb.data();
    float[] out = new float[3 * plane];
    for (int p = 0; p < plane; p++) {
      float r = d[p];
      float g = d[plane + p];
      float b = d[2 * plane + p];
      float max = Math.max(r, Math.max(g, b));
      float min = Math.min(r, Math.min(g, b));
      float delta = max - min;
      float hue = 0;
      if (delta > 0) {
        if (max == r) {
          hue = ((g - b) / delta) % 6;
        } else if (max == g) {
          hue = (b - r) / delta + 2;
        } else {
          hue = (r - g) / delta + 4;
        }
        hue /= 6;
        if (hue < 0) {
          hue += 1;
        }
      }
      out[p] = hue;
      out[plane + p] = max > 0 ? delta / max : 0;
      out[2 * plane + p] = max;
    }
    return new Image(out, 3, rgb.height(), rgb.width());
  }

  /** Per-pixel colour and texture histogram bins of one image. */
  static final class Features {
    private final int channels;
    private final int plane;
    private final int[] colourBin; // [channel][pixel]
    private final int[] textureBin; // [channel][orientation][pixel]

    Features(Image image) {
      channels = image.channels();
      plane = image.height() * image.width();
      int w = image.width();
      int h = image.height();
      colourBin = new int[channels * plane];
      for (int i = 0; i < colourBin.length; i++) {
        float v = Math.max(0, Math.min(1, image.data()[i]));
        colourBin[i] = Math.min(COLOUR_BINS - 1, (int) (v * COLOUR_BINS));
      }
      float[] response = new float[channels * ORIENTATIONS * plane];
      float max = 0;
      for (int c = 0; c < channels; c++) {
        float[] s = GraphSegmentation.gaussianBlur(Arrays.copyOfRange(image.data(), c * plane, (c + 1) * plane), w, h,
            TEXTURE_SIGMA);
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            // Central differences of the smoothed image = derivative-of-Gaussian responses.
            float gx = 0.5f * (s[y * w + Math.min(w - 1, x + 1)] - s[y * w + Math.max(0, x - 1)]);
            float gy = 0.5f * (s[Math.min(h - 1, y + 1) * w + x] - s[Math.max(0, y - 1) * w + x]);
            for (int o = 0; o < ORIENTATIONS; o++) {
              double theta = o * Math.PI / 4;
              float r = (float) Math.max(0, gx * Math.cos(theta) + gy * Math.sin(theta));
              response[(c * ORIENTATIONS + o) * plane + y * w + x] = r;
              max = Math.max(max, r);
            }
          }
        }
      }
      textureBin = new int[response.length];
      for (int i = 0; i < response.length; i++) {
        textureBin[i] = max > 0 ? Math.min(TEXTURE_BINS - 1, (int) (response[i] / max * TEXTURE_BINS)) : 0;
      }
    }

    int colourLength() {
      return channels * COLOUR_BINS;
    }

    int textureLength() {
      return channels * ORIENTATIONS * TEXTURE_BINS;
    }

    void accumulate(int pixel, float[] colour, float[] texture) {
      for (int c = 0; c < channels; c++) {
        colour[c * COLOUR_BINS + colourBin[c * plane + pixel]]++;
        for (int o = 0; o < ORIENTATIONS; o++) {
          int co = c * ORIENTATIONS + o;
          texture[co * TEXTURE_BINS + textureBin[co * plane + pixel]]++;
        }
      }
    }
  }
}
