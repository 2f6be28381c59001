package io.nets4j.io;

import io.nets4j.nn.Nets4jException;

/**
 * A strict load found a state_dict that does not match the model. The message lists every
 * problem at once; nothing was loaded.
 */
public final class StateDictException extends Nets4jException {
  private final LoadReport report;

  StateDictException(String message, LoadReport report) {
    super(message);
    this.report = report;
  }

  /** The problems found, as a report whose {@code loaded} list is empty. */
  public LoadReport report() {
    return report;
  }
}
