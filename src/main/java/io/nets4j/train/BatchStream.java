package io.nets4j.train;

import java.util.Iterator;

/**
 * The batches of one pass over a data set. {@link #next} may create tensors: the caller owns them
 * (the trainer calls it inside each step's scope). Closing stops any background work.
 */
public interface BatchStream extends Iterator<LabeledBatch>, AutoCloseable {
  @Override
  void close();

  /** A stream over an iterator without background work. */
  static BatchStream of(Iterator<LabeledBatch> batches) {
    return new BatchStream() {
      @Override
      public boolean hasNext() {
        return batches.hasNext();
      }

      @Override
      public LabeledBatch next() {
        return batches.next();
      }

      @Override
      public void close() {}
    };
  }
}
