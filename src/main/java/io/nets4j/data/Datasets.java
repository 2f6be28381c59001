package io.nets4j.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Views of classification data sets: subsets and a reproducible random split. */
public final class Datasets {
  private Datasets() {}

  /** A training part and a validation part of one data set. */
  public record Split(ClassificationDataset train, ClassificationDataset validation) {}

  /** The samples at {@code indices} (in that order) of {@code dataset}. */
  public static ClassificationDataset subset(ClassificationDataset dataset, int[] indices) {
    int[] idx = indices.clone();
    for (int i : idx) {
      Objects.checkIndex(i, dataset.size());
    }
    return new ClassificationDataset() {
      @Override
      public int size() {
        return idx.length;
      }

      @Override
      public LabeledImage get(int index) {
        return dataset.get(idx[index]);
      }

      @Override
      public List<String> classes() {
        return dataset.classes();
      }
    };
  }

  /** The first {@code count} samples (all of them if there are fewer). */
  public static ClassificationDataset head(ClassificationDataset dataset, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative, got " + count);
    }
    int n = Math.min(count, dataset.size());
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    return subset(dataset, idx);
  }

  /**
   * Splits the samples at random, the same way for the same seed: {@code validationFraction} of
   * them (rounded) go to the validation part, the rest to the training part.
   */
  public static Split randomSplit(ClassificationDataset dataset, double validationFraction, long seed) {
    if (!(validationFraction >= 0 && validationFraction <= 1)) {
      throw new IllegalArgumentException("validation fraction must be in [0, 1], got " + validationFraction);
    }
    int n = dataset.size();
    int[] order = randomOrder(n, seed);
    int val = (int) Math.round(n * validationFraction);
    return new Split(subset(dataset, Arrays.copyOfRange(order, val, n)),
        subset(dataset, Arrays.copyOfRange(order, 0, val)));
  }

  /**
   * The indices of the random subset of {@code count} of {@code size} samples that
   * {@code randomSplit(d, (double) count / size, seed).validation()} holds, in its order: for a
   * reader that loads only those samples.
   */
  public static int[] randomSubsetIndices(int size, int count, long seed) {
    int val = (int) Math.round(size * ((double) count / size));
    return Arrays.copyOf(randomOrder(size, seed), val);
  }

  /** A permutation of {@code 0..n-1}, the same for the same seed (Fisher-Yates). */
  private static int[] randomOrder(int n, long seed) {
    return Seeds.order(n, Seeds.random(seed, 2));
  }
}
