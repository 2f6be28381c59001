package io.nets4j.distributed;

import io.nets4j.nn.Nets4jException;

/**
 * A distributed job cannot start or cannot go on: a rank is unreachable, died or disagrees with
 * the others. The message names the rank that reports it, the operation and the cause.
 */
public final class DistributedException extends Nets4jException {
  public DistributedException(String message) {
    super(message);
  }

  public DistributedException(String message, Throwable cause) {
    super(message, cause);
  }
}
