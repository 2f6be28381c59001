package io.nets4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A synthetic data set generated in-process (no files) for classification, detection and
 * segmentation: RGB scenes of circles, squares, triangles, stars, crosses and ellipses with random
 * colours, sizes, rotations and positions on textured backgrounds (smooth noise, gradients or
 * stripes), with pixel noise on top.
 *
 * <p>Sample {@code i} depends only on the seed and {@code i}, so samples can be generated in any
 * order, in parallel, and again identically. Objects are placed so that none loses more than half
 * of its pixels to the objects drawn over it; each box is the tight box of the object's visible
 * pixels, and the mask gives every pixel the class of the object seen there.
 *
 * <p>Class numbering: {@link #SHAPES} for classification (0-based); detection labels and mask
 * values use {@link #SCENE_CLASSES}, where 0 is background and shape {@code k} is {@code k + 1}.
 */
public final class ShapesDataset implements Dataset<ShapesDataset.Scene> {
  /** The shape classes, as classification labels. */
  public static final List<String> SHAPES = List.of("circle", "square", "triangle", "star", "cross", "ellipse");

  /** Background and the shapes: the numbering of detection labels and mask values. */
  public static final List<String> SCENE_CLASSES =
      Stream.concat(Stream.of("background"), SHAPES.stream()).toList();

  private static final int MIN_SIZE = 16;
  private static final int MIN_OBJECT_PIXELS = 12;
  private static final int PLACEMENT_ATTEMPTS = 40;

  /**
   * What to generate.
   *
   * @param count number of samples
   * @param imageSize images are {@code imageSize x imageSize} (at least 16)
   * @param minObjects fewest objects per scene (at least 1)
   * @param maxObjects most objects per scene
   * @param seed seed of the whole data set
   */
  public record Config(int count, int imageSize, int minObjects, int maxObjects, long seed) {
    public Config {
      if (count < 0) {
        throw new IllegalArgumentException("count must not be negative, got " + count);
      }
      if (imageSize < MIN_SIZE) {
        throw new IllegalArgumentException("image size must be at least " + MIN_SIZE + ", got " + imageSize);
      }
      if (minObjects < 1 || maxObjects < minObjects || maxObjects > 16) {
        throw new IllegalArgumentException("need 1 <= minObjects <= maxObjects <= 16, got " + minObjects + ".."
            + maxObjects);
      }
    }
  }

  /**
   * A generated scene.
   *
   * @param image 3 x size x size, values in [0, 1]
   * @param boxes one tight box per object, in drawing order
   * @param labels the objects' classes in {@link #SCENE_CLASSES} numbering (1..6)
   * @param mask per pixel ({@code y * size + x}) the class seen there, 0 for background
   */
  public record Scene(Image image, List<Box> boxes, int[] labels, int[] mask) {}

  private final Config config;

  public ShapesDataset(Config config) {
    this.config = Objects.requireNonNull(config);
  }

  /** One object per image: the data set behind {@link #classification()}. */
  public static ShapesDataset single(int count, int imageSize, long seed) {
    return new ShapesDataset(new Config(count, imageSize, 1, 1, seed));
  }

  /** One to four objects per image, for detection and segmentation. */
  public static ShapesDataset scenes(int count, int imageSize, long seed) {
    return new ShapesDataset(new Config(count, imageSize, 1, 4, seed));
  }

  public Config config() {
    return config;
  }

  @Override
  public int size() {
    return config.count();
  }

  @Override
  public Scene get(int index) {
    Objects.checkIndex(index, config.count());
    return new Renderer(config, Seeds.random(config.seed(), index)).render();
  }

  /**
   * The scenes as a classification data set over {@link #SHAPES}: the label is the class of the
   * image's only object. Needs one object per scene (see {@link #single}).
   */
  public ClassificationDataset classification() {
    if (config.maxObjects() != 1) {
      throw new IllegalStateException("a classification view needs one object per image, this data set has "
          + config.minObjects() + ".." + config.maxObjects() + " (use ShapesDataset.single)");
    }
    return new ClassificationDataset() {
      @Override
      public int size() {
        return ShapesDataset.this.size();
      }

      @Override
      public LabeledImage get(int index) {
        Scene s = ShapesDataset.this.get(index);
        return new LabeledImage(s.image(), s.labels()[0] - 1);
      }

      @Override
      public List<String> classes() {
        return SHAPES;
      }
    };
  }

  /** The scenes' images, boxes and labels (numbered as {@link #SCENE_CLASSES}). */
  public Dataset<DetectionSample> detection() {
    return map(s -> new DetectionSample(s.image(), s.boxes(), s.labels()));
  }

  /** The scenes' images and masks (numbered as {@link #SCENE_CLASSES}). */
  public Dataset<SegmentationSample> segmentation() {
    return map(s -> new SegmentationSample(s.image(), s.mask()));
  }

  /** Draws one scene from its own random stream. */
  private static final class Renderer {
    private final SplittableRandom rng;
    private final int size;
    private final int plane;
    private final float[] pixels;
    private final int[] mask;
    private final int[] owner;
    private final int[] visible;
    private final Config config;

    Renderer(Config config, SplittableRandom rng) {
      this.config = config;
      this.rng = rng;
      this.size = config.imageSize();
      this.plane = size * size;
      this.pixels = new float[3 * plane];
      this.mask = new int[plane];
      this.owner = new int[plane];
      this.visible = new int[config.maxObjects() + 1];
    }

    Scene render() {
      background();
      float[] backgroundMean = channelMeans();
      int wanted = config.minObjects() + rng.nextInt(config.maxObjects() - config.minObjects() + 1);
      boolean single = config.maxObjects() == 1;
      double minRadius = size * (single ? 0.22 : 0.10);
      double maxRadius = size * (single ? 0.45 : 0.26);
      List<int[]> objects = new ArrayList<>();
      List<Integer> shapes = new ArrayList<>();
      for (int k = 0; k < wanted; k++) {
        int shape = rng.nextInt(SHAPES.size());
        float[] colour = contrastingColour(backgroundMean);
        for (int attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
          double shrink = 1 - 0.5 * attempt / PLACEMENT_ATTEMPTS;
          double r = (minRadius + rng.nextDouble() * (maxRadius - minRadius)) * shrink;
          double cx = r + rng.nextDouble() * (size - 2 * r);
          double cy = r + rng.nextDouble() * (size - 2 * r);
          int[] covered = rasterize(shape, cx, cy, r, rng.nextDouble() * 2 * Math.PI);
          if (covered.length >= MIN_OBJECT_PIXELS && keepsOthersVisible(covered, objects)) {
            paint(covered, objects.size() + 1, shape + 1, colour);
            objects.add(covered);
            shapes.add(shape);
            break;
          }
        }
      }
      addNoise();
      List<Box> boxes = new ArrayList<>();
      int[] labels = new int[objects.size()];
      for (int k = 0; k < objects.size(); k++) {
        boxes.add(visibleBox(k + 1));
        labels[k] = shapes.get(k) + 1;
      }
      return new Scene(new Image(pixels, 3, size, size), List.copyOf(boxes), labels, mask);
    }

    private void background() {
      float[] a = randomColour();
      float[] b = randomColour();
      double angle = rng.nextDouble() * Math.PI;
      double dx = Math.cos(angle);
      double dy = Math.sin(angle);
      switch (rng.nextInt(3)) {
        case 0 -> { // smooth value noise: random colours on a coarse grid, bilinearly interpolated
          int g = 2 + rng.nextInt(5);
          float[][] grid = new float[(g + 1) * (g + 1)][];
          for (int i = 0; i < grid.length; i++) {
            float t = (float) rng.nextDouble();
            grid[i] = new float[] {lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t)};
          }
          for (int y = 0; y < size; y++) {
            double gy = (y + 0.5) * g / size;
            int y0 = (int) gy;
            double fy = gy - y0;
            for (int x = 0; x < size; x++) {
              double gx = (x + 0.5) * g / size;
              int x0 = (int) gx;
              double fx = gx - x0;
              for (int c = 0; c < 3; c++) {
                double top = grid[y0 * (g + 1) + x0][c] * (1 - fx) + grid[y0 * (g + 1) + x0 + 1][c] * fx;
                double bottom = grid[(y0 + 1) * (g + 1) + x0][c] * (1 - fx) + grid[(y0 + 1) * (g + 1) + x0 + 1][c] * fx;
                pixels[c * plane + y * size + x] = (float) (top * (1 - fy) + bottom * fy);
              }
            }
          }
        }
        case 1 -> { // linear gradient from a to b across the image along a random direction
          double low = size * (Math.min(0, dx) + Math.min(0, dy));
          double high = size * (Math.max(0, dx) + Math.max(0, dy));
          fill(a, b, (x, y) -> (x * dx + y * dy - low) / (high - low));
        }
        default -> {
          double period = 4 + rng.nextDouble() * (size / 3.0);
          double phase = rng.nextDouble() * 2 * Math.PI;
          fill(a, b, (x, y) -> 0.5 + 0.5 * Math.sin(2 * Math.PI * (x * dx + y * dy) / period + phase));
        }
      }
    }

    private interface Field {
      double at(double x, double y);
    }

    private void fill(float[] a, float[] b, Field t) {
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          float v = (float) Math.max(0, Math.min(1, t.at(x + 0.5, y + 0.5)));
          for (int c = 0; c < 3; c++) {
            pixels[c * plane + y * size + x] = lerp(a[c], b[c], v);
          }
        }
      }
    }

    private float[] randomColour() {
      return new float[] {(float) rng.nextDouble(), (float) rng.nextDouble(), (float) rng.nextDouble()};
    }

    private float[] channelMeans() {
      float[] m = new float[3];
      for (int c = 0; c < 3; c++) {
        double s = 0;
        for (int i = 0; i < plane; i++) {
          s += pixels[c * plane + i];
        }
        m[c] = (float) (s / plane);
      }
      return m;
    }

    // An object must stand out from its background, or its label would be noise.
    private float[] contrastingColour(float[] background) {
      for (int attempt = 0; attempt < 32; attempt++) {
        float[] c = randomColour();
        if (Math.abs(c[0] - background[0]) + Math.abs(c[1] - background[1]) + Math.abs(c[2] - background[2]) >= 0.6) {
          return c;
        }
      }
      return new float[] {1 - background[0], 1 - background[1], 1 - background[2]};
    }

    /** The pixels whose centres lie inside the shape of circumradius {@code r}, rotated by {@code theta}. */
    private int[] rasterize(int shape, double cx, double cy, double r, double theta) {
      int x0 = Math.max(0, (int) Math.floor(cx - r));
      int x1 = Math.min(size - 1, (int) Math.ceil(cx + r));
      int y0 = Math.max(0, (int) Math.floor(cy - r));
      int y1 = Math.min(size - 1, (int) Math.ceil(cy + r));
      double cos = Math.cos(theta);
      double sin = Math.sin(theta);
      int[] out = new int[(x1 - x0 + 1) * (y1 - y0 + 1)];
      int n = 0;
      for (int y = y0; y <= y1; y++) {
        for (int x = x0; x <= x1; x++) {
          double dx = x + 0.5 - cx;
          double dy = y + 0.5 - cy;
          if (inside(shape, (dx * cos + dy * sin) / r, (-dx * sin + dy * cos) / r)) {
            out[n++] = y * size + x;
          }
        }
      }
      return Arrays.copyOf(out, n);
    }

    /** Whether the point {@code (u, v)}, in units of the circumradius, is inside a shape. */
    private static boolean inside(int shape, double u, double v) {
      return switch (shape) {
        case 0 -> u * u + v * v <= 1;
        case 1 -> Math.abs(u) <= Math.sqrt(0.5) && Math.abs(v) <= Math.sqrt(0.5);
        case 2 -> triangle(u, v);
        case 3 -> star(u, v);
        case 4 -> cross(u, v);
        default -> u * u + 4 * v * v <= 1;
      };
    }

    // Equilateral triangle: the inradius is half the circumradius, edges face 270, 30 and 150 degrees.
    private static boolean triangle(double u, double v) {
      for (int k = 0; k < 3; k++) {
        double a = Math.toRadians(270 + 120 * k);
        if (u * Math.cos(a) + v * Math.sin(a) > 0.5) {
          return false;
        }
      }
      return true;
    }

    private static final double STAR_INNER = 0.45;

    // Five-pointed star: crossing-number test on its ten vertices.
    private static boolean star(double u, double v) {
      boolean in = false;
      for (int i = 0, j = 9; i < 10; j = i++) {
        double ri = i % 2 == 0 ? 1 : STAR_INNER;
        double rj = j % 2 == 0 ? 1 : STAR_INNER;
        double ai = Math.PI / 2 + i * Math.PI / 5;
        double aj = Math.PI / 2 + j * Math.PI / 5;
        double xi = ri * Math.cos(ai);
        double yi = ri * Math.sin(ai);
        double xj = rj * Math.cos(aj);
        double yj = rj * Math.sin(aj);
        if ((yi > v) != (yj > v) && u < (xj - xi) * (v - yi) / (yj - yi) + xi) {
          in = !in;
        }
      }
      return in;
    }

    private static final double CROSS_HALF_WIDTH = 0.28;
    private static final double CROSS_ARM = Math.sqrt(1 - CROSS_HALF_WIDTH * CROSS_HALF_WIDTH);

    private static boolean cross(double u, double v) {
      double au = Math.abs(u);
      double av = Math.abs(v);
      return (au <= CROSS_HALF_WIDTH && av <= CROSS_ARM) || (av <= CROSS_HALF_WIDTH && au <= CROSS_ARM);
    }

    private boolean keepsOthersVisible(int[] covered, List<int[]> objects) {
      int[] lost = new int[objects.size() + 1];
      for (int p : covered) {
        lost[owner[p]]++;
      }
      for (int k = 1; k <= objects.size(); k++) {
        if (2 * (visible[k] - lost[k]) < objects.get(k - 1).length) {
          return false;
        }
      }
      return true;
    }

    private void paint(int[] covered, int id, int label, float[] colour) {
      visible[id] = covered.length;
      for (int p : covered) {
        visible[owner[p]]--;
        owner[p] = id;
        mask[p] = label;
        for (int c = 0; c < 3; c++) {
          pixels[c * plane + p] = colour[c];
        }
      }
    }

    private void addNoise() {
      double sigma = 0.01 + 0.04 * rng.nextDouble();
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) Math.max(0, Math.min(1, pixels[i] + sigma * rng.nextGaussian()));
      }
    }

    private Box visibleBox(int id) {
      int minX = size;
      int minY = size;
      int maxX = -1;
      int maxY = -1;
      for (int p = 0; p < plane; p++) {
        if (owner[p] == id) {
          int x = p % size;
          int y = p / size;
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
        }
      }
      return new Box(minX, minY, maxX + 1, maxY + 1);
    }

    private static float lerp(float a, float b, float t) {
      return a + (b - a) * t;
    }
  }
}
