package io.nets4j.detection.rcnn;

import io.nets4j.data.Image;
import java.util.Arrays;

/**
 * Efficient graph-based image segmentation (Felzenszwalb and Huttenlocher 2004, "Efficient
 * Graph-Based Image Segmentation"): pixels are the nodes of an 8-connected graph whose edge weights
 * are colour distances of the Gaussian-smoothed image; edges are visited by increasing weight and
 * two components merge when the edge is no heavier than both components' internal difference plus
 * {@code k / size}. Components smaller than {@code minSize} are then merged into a neighbour.
 *
 * <p>Colours are compared on the 0..255 scale of the paper (and of Uijlings et al.'s selective
 * search, whose {@code k} values 50..300 refer to it); the input image has values in [0, 1].
 */
public final class GraphSegmentation {
  /**
   * The segmentation parameters.
   *
   * @param k scale of the threshold function {@code k / |C|}: larger k, larger components
   * @param sigma standard deviation of the Gaussian smoothing before the graph is built (0 = none)
   * @param minSize components smaller than this many pixels are merged into a neighbour
   */
  public record Config(double k, double sigma, int minSize) {
    public Config {
      if (!(k > 0) || !(sigma >= 0) || minSize < 1) {
        throw new IllegalArgumentException("segmentation needs k > 0, sigma >= 0, minSize >= 1, got k " + k
            + ", sigma " + sigma + ", minSize " + minSize);
      }
    }
  }

  /**
   * A segmentation: {@code labels[y * width + x]} is the region of a pixel, regions numbered
   * {@code 0 .. regions - 1} in order of first appearance in raster order.
   */
  public record Segments(int width, int height, int[] labels, int regions) {}

  private static final double PIXEL_SCALE = 255.0;

  private GraphSegmentation() {
  }

  /** Segments an image of any channel count (values in [0, 1]). */
  public static Segments segment(Image image, Config config) {
    int w = image.width();
    int h = image.height();
    int channels = image.channels();
    int plane = w * h;
    float[] smooth = new float[channels * plane];
    for (int c = 0; c < channels; c++) {
      float[] ch = Arrays.copyOfRange(image.data(), c * plane, (c + 1) * plane);
      System.arraycopy(gaussianBlur(ch, w, h, config.sigma()), 0, smooth, c * plane, plane);
    }
    // Edges to the right, down, down-right and down-left neighbours: the 8-connected graph.
    int[][] offsets = {{1, 0}, {0, 1}, {1, 1}, {-1, 1}};
    int maxEdges = plane * offsets.length;
    int[] from = new int[maxEdges];
    int[] to = new int[maxEdges];
    float[] weight = new float[maxEdges];
    int edges = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int[] o : offsets) {
          int nx = x + o[0];
          int ny = y + o[1];
          if (nx < 0 || nx >= w || ny >= h) {
            continue;
          }
          int a = y * w + x;
          int b = ny * w + nx;
          double d = 0;
          for (int c = 0; c < channels; c++) {
            double diff = (smooth[c * plane + a] - smooth[c * plane + b]) * PIXEL_SCALE;
            d += diff * diff;
          }
          from[edges] = a;
          to[edges] = b;
          weight[edges] = (float) Math.sqrt(d);
          edges++;
        }
      }
    }
    // Non-negative floats order like their bit patterns: sort (weight bits, edge) pairs as longs.
    long[] keyed = new long[edges];
    for (int i = 0; i < edges; i++) {
      keyed[i] = ((long) Float.floatToIntBits(weight[i]) << 32) | i;
    }
    Arrays.sort(keyed);
    int[] order = new int[edges];
    for (int i = 0; i < edges; i++) {
      order[i] = (int) keyed[i];
    }

    DisjointSet set = new DisjointSet(plane);
    double[] threshold = new double[plane];
    Arrays.fill(threshold, config.k());
    for (int e : order) {
      int a = set.find(from[e]);
      int b = set.find(to[e]);
      if (a != b && weight[e] <= threshold[a] && weight[e] <= threshold[b]) {
        int root = set.union(a, b);
        // Edges come in increasing order, so this edge is the new component's internal difference.
        threshold[root] = weight[e] + config.k() / set.size(root);
      }
    }
    for (int e : order) {
      int a = set.find(from[e]);
      int b = set.find(to[e]);
      if (a != b && (set.size(a) < config.minSize() || set.size(b) < config.minSize())) {
        set.union(a, b);
      }
    }
    int[] labels = new int[plane];
    int[] id = new int[plane];
    Arrays.fill(id, -1);
    int regions = 0;
    for (int p = 0; p < plane; p++) {
      int root = set.find(p);
      if (id[root] < 0) {
        id[root] = regions++;
      }
      labels[p] = id[root];
    }
    return new Segments(w, h, labels, regions);
  }

  /** Separable Gaussian blur with edge replication; the kernel spans {@code ceil(4 sigma)} each side. */
  static float[] gaussianBlur(float[] plane, int w, int h, double sigma) {
    if (sigma <= 0) {
      return plane.clone();
    }
    int radius = (int) Math.ceil(4 * sigma);
    double[] kernel = new double[2 * radius + 1];
    double sum = 0;
    for (int i = -radius; i <= radius; i++) {
      kernel[i + radius] = Math.exp(-0.5 * i * i / (sigma * sigma));
      sum += kernel[i + radius];
    }
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] /= sum;
    }
    float[] tmp = new float[plane.length];
    float[] out = new float[plane.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double s = 0;
        for (int i = -radius; i <= radius; i++) {
          s += kernel[i + radius] * plane[y * w + Math.min(w - 1, Math.max(0, x + i))];
        }
        tmp[y * w + x] = (float) s;
      }
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double s = 0;
        for (int i = -radius; i <= radius; i++) {
          s += kernel[i + radius] * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x];
        }
        out[y * w + x] = (float) s;
      }
    }
    return out;
  }

  /** Union-find with union by rank and path halving, tracking component sizes. */
  private static final class DisjointSet {
    private final int[] parent;
    private final int[] rank;
    private final int[] size;

    DisjointSet(int n) {
      parent = new int[n];
      rank = new int[n];
      size = new int[n];
      for (int i = 0; i < n; i++) {
        parent[i] = i;
        size[i] = 1;
      }
    }

    int find(int x) {
      while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
      }
      return x;
    }

    int size(int root) {
      return size[root];
    }

    /** Joins two roots; returns the new root. */
    int union(int a, int b) {
      if (rank[a] < rank[b]) {
        int t = a;
        a = b;
        b = t;
      }
      parent[b] = a;
      size[a] += size[b];
      if (rank[a] == rank[b]) {
        rank[a]++;
      }
      return a;
    }
  }
}
