package io.nets4j.train;

import io.nets4j.nn.Nets4jException;

/** A training step produced a NaN or infinite loss or gradient norm (see {@link TrainConfig.NonFinitePolicy}). */
public final class NonFiniteLossException extends Nets4jException {
  private final long step;
  private final int epoch;
  private final int batch;

  NonFiniteLossException(String message, long step, int epoch, int batch) {
    super(message);
    this.step = step;
    this.epoch = epoch;
    this.batch = batch;
  }

  /** The 0-based optimizer step. */
  public long step() {
    return step;
  }

  /** The 0-based epoch. */
  public int epoch() {
    return epoch;
  }

  /** The 0-based batch within the epoch. */
  public int batch() {
    return batch;
  }
}
