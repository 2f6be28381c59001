package io.nets4j.models;

import java.util.Arrays;
import java.util.Locale;

/** What a registered model does; {@code nets4j list --task} filters by it. */
public enum Task {
  /** Image to class logits ({@link ImageClassifier}). */
  CLASSIFICATION,
  /** Image to per-pixel class logits ({@code io.nets4j.segmentation}). */
  SEGMENTATION,
  /** Image to boxes, classes and scores ({@code io.nets4j.detection}). */
  DETECTION,
  /** Sequences of tokens: language models, sequence-to-sequence models, captioning. */
  SEQUENCE;

  /** The lower-case name used on the command line and in listings ({@code classification}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return label();
  }

  /** The task called {@code label}, ignoring case. */
  public static Task parse(String label) {
    for (Task t : values()) {
      if (t.label().equalsIgnoreCase(label.trim())) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown task '" + label + "'; expected one of "
        + String.join(", ", Arrays.stream(values()).map(Task::label).toList()));
  }
}
