package io.nets4j.train;

import io.nets4j.data.Dataset;
import io.nets4j.data.Image;
import io.nets4j.data.LabeledImage;
import io.nets4j.tensor.Tensors;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Batches of a random-access data set, collated on the calling thread (no workers): shuffled
 * anew every epoch with a generator seeded by {@code (seed, epoch)}, or in index order. Every
 * image must have the same size.
 */
public final class InMemoryBatches implements BatchSource {
  private final Dataset<LabeledImage> data;
  private final int batchSize;
  private final boolean shuffle;
  private final boolean dropLast;
  private final long seed;

  /**
   * @param data the samples
   * @param batchSize images per batch
   * @param shuffle whether each epoch visits the samples in a new random order
   * @param dropLast whether an incomplete last batch is left out (keeps batch norm away from tiny batches)
   * @param seed the shuffling seed
   */
  public InMemoryBatches(Dataset<LabeledImage> data, int batchSize, boolean shuffle, boolean dropLast, long seed) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    if (data.size() == 0 || (dropLast && data.size() < batchSize)) {
      throw new IllegalArgumentException("the data set has " + data.size() + " samples, not enough for one batch of "
          + batchSize);
    }
    this.data = data;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.seed = seed;
  }

  /** Training batches: shuffled, incomplete last batch dropped. */
  public static InMemoryBatches training(Dataset<LabeledImage> data, int batchSize, long seed) {
    return new InMemoryBatches(data, batchSize, true, true, seed);
  }

  /** Evaluation batches: every sample once, in order. */
  public static InMemoryBatches evaluation(Dataset<LabeledImage> data, int batchSize) {
    return new InMemoryBatches(data, batchSize, false, false, 0);
  }

  @Override
  public int batchesPerEpoch() {
    return dropLast ? data.size() / batchSize : (data.size() + batchSize - 1) / batchSize;
  }

  @Override
  public BatchStream open(int epoch, int first) {
    int batches = batchesPerEpoch();
    if (first < 0 || first > batches) {
      throw new IllegalArgumentException("batch " + first + " is outside the " + batches + " batches of an epoch");
    }
    int[] order = order(epoch);
    return new BatchStream() {
      private int next = first;

      @Override
      public boolean hasNext() {
        return next < batches;
      }

      @Override
      public Batch next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int from = next * batchSize;
        int to = Math.min(from + batchSize, order.length);
        next++;
        return collate(order, from, to);
      }

      @Override
      public void close() {}
    };
  }

  /** The sample order of an epoch: a Fisher-Yates shuffle seeded by the source seed and the epoch. */
  private int[] order(int epoch) {
    int[] order = new int[data.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (shuffle) {
      SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  private Batch collate(int[] order, int from, int to) {
    LabeledImage first = data.get(order[from]);
    Image shape = first.image();
    int plane = shape.data().length;
    float[] pixels = new float[(to - from) * plane];
    long[] labels = new long[to - from];
    for (int i = from; i < to; i++) {
      LabeledImage s = i == from ? first : data.get(order[i]);
      Image im = s.image();
      if (im.channels() != shape.channels() || im.height() != shape.height() || im.width() != shape.width()) {
        throw new IllegalArgumentException("sample " + order[i] + " is " + im.channels() + "x" + im.height() + "x"
            + im.width() + " but sample " + order[from] + " is " + shape.channels() + "x" + shape.height() + "x"
            + shape.width() + "; a batch needs images of one size (resize them first)");
      }
      System.arraycopy(im.data(), 0, pixels, (i - from) * plane, plane);
      labels[i - from] = s.label();
    }
    return new Batch(Tensors.fromFloats(pixels, to - from, shape.channels(), shape.height(), shape.width()),
        Tensors.fromLongs(labels, to - from));
  }
}
