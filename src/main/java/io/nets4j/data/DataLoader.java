package io.nets4j.data;

import io.nets4j.nn.Checks;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Batches of a labelled-image data set for training and evaluation: the sample order of each epoch
 * (shuffled reproducibly from the seed and the epoch number), loading and transforming samples in
 * background worker threads as plain Java, a bounded number of batches prepared ahead, and
 * collation into libtorch tensors on the consuming thread, so its {@code Scope} owns them.
 *
 * <pre>{@code
 * DataLoader loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(42)
 *     .workers(4).transform(augment).build();
 * for (int e = 0; e < epochs; e++) {
 *   try (DataLoader.Epoch epoch = loader.epoch(e)) {
 *     while (epoch.hasNext()) {
 *       try (Scope step = Scope.open()) {
 *         Batch b = epoch.next();   // b's tensors belong to `step`
 *         ...
 *       }
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>The random transform of a sample draws from a generator seeded by (seed, epoch, sample
 * index), so an epoch's batches are the same whatever the number of workers, and a run resumed at
 * an epoch (or at a batch, {@link #epoch(int, int)}) sees the augmentations the original run saw.
 */
public final class DataLoader {
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final long ORDER_STREAM = 0;
  private static final long SAMPLE_STREAM = 1;

  private final Dataset<LabeledImage> dataset;
  private final int batchSize;
  private final boolean shuffle;
  private final long seed;
  private final boolean dropLast;
  private final int workers;
  private final int prefetch;
  private final Transform transform;
  private final int shard;
  private final int shards;

  private DataLoader(Builder b) {
    this.dataset = b.dataset;
    this.batchSize = b.batchSize;
    this.shuffle = b.shuffle;
    this.seed = b.seed;
    this.dropLast = b.dropLast;
    this.workers = b.workers;
    this.prefetch = b.prefetch > 0 ? b.prefetch : 2 * Math.max(1, b.workers);
    this.transform = b.transform;
    this.shard = b.shard;
    this.shards = b.shards;
  }

  public static Builder builder(Dataset<LabeledImage> dataset) {
    return new Builder(dataset);
  }

  /** Settings of a {@link DataLoader}; defaults: batch 32, no shuffling, seed 0, keep the last batch, no workers. */
  public static final class Builder {
    private final Dataset<LabeledImage> dataset;
    private int batchSize = 32;
    private boolean shuffle;
    private long seed;
    private boolean dropLast;
    private int workers;
    private int prefetch;
    private Transform transform = Transforms.identity();
    private int shard;
    private int shards = 1;

    private Builder(Dataset<LabeledImage> dataset) {
      this.dataset = Objects.requireNonNull(dataset, "dataset");
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = Checks.positive("batch size", batchSize);
      return this;
    }

    /** Visits the samples in a new random order each epoch (drawn from the seed and the epoch). */
    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** Seeds the shuffling and the per-sample augmentation random streams. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Leaves out the last batch of an epoch when it has fewer than {@code batchSize} samples. */
    public Builder dropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /** Background threads that load and transform batches; 0 does it on the consuming thread. */
    public Builder workers(int workers) {
      this.workers = Checks.nonNegative("workers", workers);
      return this;
    }

    /** How many batches workers may prepare ahead of the consumer (default twice the workers). */
    public Builder prefetch(int batches) {
      this.prefetch = Checks.positive("prefetch (batches)", batches);
      return this;
    }

    /**
     * Visits only shard {@code rank} of {@code count} of every epoch's order, as PyTorch's
     * {@code DistributedSampler(drop_last=True)}: the order (the same on every rank: same seed,
     * same epoch) is cut to a multiple of {@code count} samples and rank {@code r} takes positions
     * {@code r, r + count, r + 2 count, ...}; the shards are disjoint and equally long. Batch
     * {@code b} of all ranks together is then batch {@code b} of one loader with {@code count}
     * times the batch size.
     */
    public Builder shard(int rank, int count) {
      if (count < 1 || rank < 0 || rank >= count) {
        throw new IllegalArgumentException("shard " + rank + " of " + count + ": need 0 <= rank < count");
      }
      this.shard = rank;
      this.shards = count;
      return this;
    }

    /** The per-sample transform (applied to every image in the workers). */
    public Builder transform(Transform transform) {
      this.transform = Objects.requireNonNull(transform, "transform");
      return this;
    }

    public DataLoader build() {
      return new DataLoader(this);
    }
  }

  public Dataset<LabeledImage> dataset() {
    return dataset;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Batches per epoch. */
  public int batchCount() {
    int n = dataset.size() / shards;
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /**
   * The data set indices in the order epoch {@code epoch} visits them (before dropping the last
   * batch); with {@link Builder#shard} only this shard's.
   */
  public int[] order(int epoch) {
    int[] all = fullOrder(epoch);
    if (shards == 1) {
      return all;
    }
    int[] mine = new int[all.length / shards];
    for (int i = 0; i < mine.length; i++) {
      mine[i] = all[shard + i * shards];
    }
    return mine;
  }

  private int[] fullOrder(int epoch) {
    return Seeds.order(dataset.size(), shuffle ? Seeds.random(seed, ORDER_STREAM, epoch) : null);
  }

  /**
   * Iterates the batches of epoch {@code epoch}, counted from 0 (error messages count epochs and
   * batches from 1, as the progress display does).
   */
  public Epoch epoch(int epoch) {
    return epoch(epoch, 0);
  }

  /** Iterates epoch {@code epoch} from batch {@code firstBatch} on, as a resumed run needs. */
  public Epoch epoch(int epoch, int firstBatch) {
    int count = batchCount();
    if (firstBatch < 0 || firstBatch > count) {
      throw new IllegalArgumentException("first batch " + firstBatch + " is outside 0.." + count);
    }
    return new Epoch(epoch, firstBatch);
  }

  /** Loads, transforms and stacks the samples at {@code indices}; runs in a worker or inline. */
  private RawBatch load(int epoch, int batch, int[] indices) {
    float[] images = null;
    long[] labels = new long[indices.length];
    int c = 0;
    int h = 0;
    int w = 0;
    int firstIndex = indices[0];
    for (int k = 0; k < indices.length; k++) {
      int index = indices[k];
      try {
        LabeledImage sample = dataset.get(index);
        if (sample == null) {
          throw new IllegalStateException("the data set returned no sample");
        }
        Image img = transform.apply(sample.image(), Seeds.random(seed, SAMPLE_STREAM, epoch, index));
        if (images == null) {
          c = img.channels();
          h = img.height();
          w = img.width();
          images = new float[Math.multiplyExact(indices.length, c * h * w)];
        } else if (img.channels() != c || img.height() != h || img.width() != w) {
          throw new IllegalArgumentException("image of " + img.channels() + "x" + img.height() + "x" + img.width()
              + " cannot be stacked with sample " + firstIndex + "'s " + c + "x" + h + "x" + w
              + " (resize or crop to one size in the transform)");
        }
        System.arraycopy(img.data(), 0, images, k * c * h * w, c * h * w);
        labels[k] = sample.label();
      } catch (RuntimeException e) {
        throw new DataLoaderException(index, "sample " + index + " (epoch " + (epoch + 1) + ", batch " + (batch + 1) + "): "
            + e.getMessage(), e);
      }
    }
    return new RawBatch(images, labels, indices, c, h, w);
  }

  /**
   * The batches of one epoch, in order. {@link #next()} collates a batch into tensors on the
   * calling thread (owned by its innermost open {@code Scope}); {@link #nextRaw()} gives the Java
   * arrays instead. In a for-each loop the batch is taken before the loop body opens its scope,
   * so close each batch there ({@code try (b; Scope step = Scope.open()) {...}}) or use the
   * {@code hasNext}/{@code next} loop of the class example. Closing it (also implicitly after the last batch, or after a failure) stops
   * the workers; an epoch left unclosed lets its workers finish the batches already requested and
   * then end. A failing sample throws a {@link DataLoaderException} with its index.
   */
  public final class Epoch implements Iterator<Batch>, Iterable<Batch>, AutoCloseable {
    private final int epoch;
    private final int[] order;
    private final int count;
    private final ThreadPoolExecutor pool;
    private final ArrayDeque<Future<RawBatch>> pending = new ArrayDeque<>();
    private int next;
    private int submitted;
    private boolean closed;
    private boolean iterated;

    private Epoch(int epoch, int firstBatch) {
      this.epoch = epoch;
      this.order = order(epoch);
      this.count = DataLoader.this.batchCount();
      this.next = firstBatch;
      this.submitted = firstBatch;
      this.pool = workers == 0 ? null : newPool();
    }

    private ThreadPoolExecutor newPool() {
      String prefix = "nets4j-data-" + POOLS.incrementAndGet() + "-";
      AtomicInteger n = new AtomicInteger();
      ThreadFactory factory = r -> {
        Thread t = new Thread(r, prefix + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
      ThreadPoolExecutor p = new ThreadPoolExecutor(workers, workers, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
          factory);
      p.allowCoreThreadTimeOut(true);
      return p;
    }

    /** The epoch number this iterates. */
    public int number() {
      return epoch;
    }

    /** Batches in this epoch (including those skipped by a later first batch). */
    public int batchCount() {
      return count;
    }

    @Override
    public boolean hasNext() {
      if (!closed && next >= count) {
        close();
      }
      return !closed;
    }

    /** The next batch, collated into tensors owned by the calling thread's innermost open {@code Scope}. */
    @Override
    public Batch next() {
      return nextRaw().toBatch();
    }

    /** The next batch as Java arrays. */
    public RawBatch nextRaw() {
      if (!hasNext()) {
        throw new NoSuchElementException("epoch " + epoch + " has no more batches");
      }
      if (pool == null) {
        try {
          return load(epoch, next, indicesOf(next));
        } catch (RuntimeException e) {
          close();
          throw e;
        } finally {
          next++;
        }
      }
      refill();
      Future<RawBatch> f = pending.poll();
      int batch = next++;
      try {
        RawBatch b = f.get();
        refill();
        return b;
      } catch (ExecutionException e) {
        close();
        Throwable cause = e.getCause();
        if (cause instanceof DataLoaderException d) {
          throw new DataLoaderException(d.sampleIndex(), d.getMessage(), d);
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw new DataLoaderException(-1, "batch " + (batch + 1) + " of epoch " + (epoch + 1) + " failed: " + cause, cause);
      } catch (InterruptedException e) {
        close();
        Thread.currentThread().interrupt();
        throw new DataLoaderException(-1, "interrupted while waiting for batch " + (batch + 1) + " of epoch " + (epoch + 1), e);
      } catch (CancellationException e) {
        throw new IllegalStateException("epoch " + (epoch + 1) + " was closed", e);
      }
    }

    private void refill() {
      while (submitted < count && submitted < next + prefetch) {
        int batch = submitted++;
        int[] indices = indicesOf(batch);
        pending.add(pool.submit(() -> load(epoch, batch, indices)));
      }
    }

    private int[] indicesOf(int batch) {
      int from = batch * batchSize;
      int to = Math.min(order.length, from + batchSize);
      int[] idx = new int[to - from];
      System.arraycopy(order, from, idx, 0, idx.length);
      return idx;
    }

    /** This epoch itself, for a for-each loop (once). */
    @Override
    public Iterator<Batch> iterator() {
      if (iterated) {
        throw new IllegalStateException("an epoch can be iterated once; call loader.epoch(e) again");
      }
      iterated = true;
      return this;
    }

    /** Stops the workers and drops the batches prepared ahead; waits for running loads to end. */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (pool != null) {
        for (Future<RawBatch> f : pending) {
          f.cancel(true);
        }
        pending.clear();
        pool.shutdownNow();
        try {
          pool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
