package io.nets4j.data;

import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;

/**
 * A tiny image-classification task generated in-process (no files): RGB images of one of four
 * textures — horizontal, vertical or diagonal stripes, or a checkerboard — with random period,
 * phase, colours and pixel noise. Deterministic for a seed; used by the built-in demo.
 */
public final class PatternImages {
  public static final List<String> CLASSES = List.of("horizontal", "vertical", "diagonal", "checkerboard");

  private final int size;
  private final SplittableRandom random;

  public PatternImages(int size, long seed) {
    if (size < 8) {
      throw new IllegalArgumentException("image size must be at least 8, got " + size);
    }
    this.size = size;
    this.random = new SplittableRandom(seed);
  }

  /** A batch: images {@code [n, 3, size, size]} (float32, about zero mean) and labels {@code [n]}. */
  public Batch next(int n) {
    float[] pixels = new float[n * 3 * size * size];
    long[] labels = new long[n];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextInt(CLASSES.size());
      draw((int) labels[i], pixels, i * 3 * size * size);
    }
    return new Batch(Tensors.fromFloats(pixels, n, 3, size, size), Tensors.fromLongs(labels));
  }

  private void draw(int label, float[] out, int offset) {
    double period = 3 + random.nextDouble() * (size / 3.0);
    double phase = random.nextDouble() * period;
    float[] fg = {(float) random.nextDouble(), (float) random.nextDouble(), (float) random.nextDouble()};
    float[] bg = {(float) random.nextDouble(), (float) random.nextDouble(), (float) random.nextDouble()};
    int plane = size * size;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        boolean on = switch (label) {
          case 0 -> stripe(y + phase, period);
          case 1 -> stripe(x + phase, period);
          case 2 -> stripe((x + y) / Math.sqrt(2) + phase, period);
          default -> stripe(x + phase, period) ^ stripe(y + phase, period);
        };
        for (int c = 0; c < 3; c++) {
          float v = (on ? fg[c] : bg[c]) + (float) (random.nextGaussian() * 0.15);
          out[offset + c * plane + y * size + x] = 2 * v - 1;
        }
      }
    }
  }

  private static boolean stripe(double t, double period) {
    return Math.floorMod((long) Math.floor(2 * t / period), 2L) == 0;
  }

  /** Images and their class indices. */
  public record Batch(Tensor images, Tensor labels) {}
}
