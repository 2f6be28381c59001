package io.nets4j.train;

/**
 * Where the trainer takes its batches from: a fixed number of batches per epoch, in an order that
 * depends only on the epoch (and the source's own seed), so that a run resumed from a checkpoint
 * sees exactly the batches an uninterrupted run would have seen.
 */
public interface BatchSource {
  /** The number of batches in one epoch. */
  int batchesPerEpoch();

  /**
   * The batches of epoch {@code epoch} (0-based), starting with batch {@code first}. Opening the
   * same epoch twice gives the same batches; {@code first > 0} skips the batches a resumed run
   * has already trained on.
   */
  BatchStream open(int epoch, int first);
}
