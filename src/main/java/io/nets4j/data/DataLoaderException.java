package io.nets4j.data;

import io.nets4j.nn.Nets4jException;

/**
 * Loading or transforming one sample failed (in a worker thread or inline); rethrown on the
 * thread that iterates the epoch, with the data set index of the sample and the original error as
 * its cause.
 */
public class DataLoaderException extends Nets4jException {
  private final int sampleIndex;

  public DataLoaderException(int sampleIndex, String message, Throwable cause) {
    super(message, cause);
    this.sampleIndex = sampleIndex;
  }

  /** The data set index of the sample that failed. */
  public int sampleIndex() {
    return sampleIndex;
  }
}
