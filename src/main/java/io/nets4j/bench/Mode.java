package io.nets4j.bench;

import java.util.Locale;

/** What a benchmark times. */
public enum Mode {
  /** Forward passes in evaluation mode without gradients. */
  INFER,
  /** Full training steps: forward, cross-entropy loss, backward, SGD step. */
  TRAIN;

  public static Mode parse(String s) {
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown mode '" + s + "' (expected infer or train)");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
