package io.nets4j.train;

import io.nets4j.data.ClassificationDataset;
import io.nets4j.data.Image;
import io.nets4j.data.LabeledImage;
import io.nets4j.data.PatternImages;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;

/**
 * A fixed set of {@link PatternImages} (stripes and checkerboards, four classes) generated once
 * and held in memory: a small classification task that needs no files. Pixels are in [-1, 1]
 * (mean 0.5, standard deviation 0.5 per channel undoes it for display).
 */
public final class PatternDataset implements ClassificationDataset {
  /** The normalisation the generator applies: {@code (v - 0.5) / 0.5}. */
  public static final float[] MEAN = {0.5f, 0.5f, 0.5f};
  public static final float[] STD = {0.5f, 0.5f, 0.5f};

  private final LabeledImage[] samples;

  /** {@code count} images of {@code size x size} pixels, generated from {@code seed}. */
  public PatternDataset(int count, int size, long seed) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive, got " + count);
    }
    samples = new LabeledImage[count];
    PatternImages generator = new PatternImages(size, seed);
    int chunk = 256;
    for (int done = 0; done < count; done += chunk) {
      int n = Math.min(chunk, count - done);
      try (Scope s = Scope.open()) {
        PatternImages.Batch b = generator.next(n);
        float[] pixels = Tensors.toFloatArray(b.images());
        long[] labels = Tensors.toLongArray(b.labels());
        int plane = 3 * size * size;
        for (int i = 0; i < n; i++) {
          float[] image = java.util.Arrays.copyOfRange(pixels, i * plane, (i + 1) * plane);
          samples[done + i] = new LabeledImage(new Image(image, 3, size, size), (int) labels[i]);
        }
      }
    }
  }

  @Override
  public List<String> classes() {
    return PatternImages.CLASSES;
  }

  @Override
  public int size() {
    return samples.length;
  }

  @Override
  public LabeledImage get(int index) {
    return samples[index];
  }
}
