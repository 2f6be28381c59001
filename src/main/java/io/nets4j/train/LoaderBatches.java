package io.nets4j.train;

import io.nets4j.data.Batch;
import io.nets4j.data.DataLoader;
import io.nets4j.data.Dataset;
import io.nets4j.data.LabeledImage;
import io.nets4j.data.Mixing;
import java.util.SplittableRandom;

/**
 * The batches of a {@link DataLoader} (workers, reproducible order and augmentation) as the
 * trainer takes them, optionally mixed with mixup or CutMix into soft labels. The mixing of batch
 * {@code b} of epoch {@code e} draws from a generator seeded by {@code (seed, e, b)}, so a resumed
 * run mixes exactly as the original.
 */
public final class LoaderBatches implements BatchSource {
  private final DataLoader loader;
  private final double mixupAlpha;
  private final double cutmixAlpha;
  private final int classes;
  private final long seed;

  /** The loader's batches, unmixed. */
  public LoaderBatches(DataLoader loader) {
    this(loader, 0, 0, 0, 0);
  }

  private LoaderBatches(DataLoader loader, double mixupAlpha, double cutmixAlpha, int classes, long seed) {
    this.loader = loader;
    this.mixupAlpha = mixupAlpha;
    this.cutmixAlpha = cutmixAlpha;
    this.classes = classes;
    this.seed = seed;
  }

  /**
   * Training batches on the calling thread: shuffled from {@code seed} every epoch, the
   * incomplete last batch dropped (batch norm dislikes tiny batches).
   */
  public static LoaderBatches training(Dataset<LabeledImage> data, int batchSize, long seed) {
    return new LoaderBatches(DataLoader.builder(data).batchSize(batchSize).shuffle(true).dropLast(true).seed(seed)
        .build());
  }

  /** Evaluation batches: every sample once, in order. */
  public static LoaderBatches evaluation(Dataset<LabeledImage> data, int batchSize) {
    return new LoaderBatches(DataLoader.builder(data).batchSize(batchSize).build());
  }

  /**
   * Mixes every batch: mixup with Beta({@code mixupAlpha}) (Zhang et al. 2018) and/or CutMix with
   * Beta({@code cutmixAlpha}) (Yun et al. 2019), 0 to turn one off; with both, each batch uses
   * one of them at random (as timm's {@code switch_prob=0.5}). Labels become class
   * probabilities over {@code classes}; label smoothing is then applied by the loss.
   */
  public LoaderBatches withMixing(double mixupAlpha, double cutmixAlpha, int classes, long seed) {
    if (mixupAlpha < 0 || cutmixAlpha < 0 || (mixupAlpha == 0 && cutmixAlpha == 0) || classes < 2) {
      throw new IllegalArgumentException("mixing needs alphas >= 0, one of them positive, and at least 2 classes; got"
          + " mixup " + mixupAlpha + ", cutmix " + cutmixAlpha + ", " + classes + " classes");
    }
    return new LoaderBatches(loader, mixupAlpha, cutmixAlpha, classes, seed);
  }

  public DataLoader loader() {
    return loader;
  }

  @Override
  public int batchesPerEpoch() {
    return loader.batchCount();
  }

  @Override
  public BatchStream open(int epoch, int first) {
    DataLoader.Epoch batches = loader.epoch(epoch, first);
    return new BatchStream() {
      private int index = first;

      @Override
      public boolean hasNext() {
        return batches.hasNext();
      }

      @Override
      public LabeledBatch next() {
        Batch b = batches.next();
        int batch = index++;
        if (mixupAlpha == 0 && cutmixAlpha == 0) {
          return new LabeledBatch(b.images(), b.labels());
        }
        SplittableRandom random = new SplittableRandom(mix(seed, epoch, batch));
        boolean cut = mixupAlpha == 0 || (cutmixAlpha > 0 && random.nextBoolean());
        Mixing.Mixed m = cut ? Mixing.cutmix(b.images(), b.labels(), cutmixAlpha, random)
            : Mixing.mixup(b.images(), b.labels(), mixupAlpha, random);
        return new LabeledBatch(m.images(), m.softTargets(classes, 0));
      }

      @Override
      public void close() {
        batches.close();
      }
    };
  }

  /** A SplitMix64-style hash of the seed and a batch's coordinates. */
  private static long mix(long seed, int epoch, int batch) {
    long h = seed;
    for (long part : new long[] {0x6D69786D6978L, epoch, batch}) {
      h += 0x9E3779B97F4A7C15L + part;
      h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
      h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
      h ^= h >>> 31;
    }
    return h;
  }
}
