package io.nets4j.cli;

import io.nets4j.detection.Detectors;
import io.nets4j.models.Models;
import io.nets4j.segmentation.SegmentationModels;

/**
 * Classifier names given on the command line. A name of another task (a segmentation model or a
 * detector given to {@code train}) is sent to that task's command instead of being "corrected" to
 * an unrelated classifier; any other unknown name fails with the closest classifier names.
 */
final class ModelNames {
  private ModelNames() {}

  /** Fails unless {@code name} is a registered classifier. */
  static void requireClassifier(String name) {
    if (Models.contains(name)) {
      return;
    }
    if (SegmentationModels.contains(name)) {
      throw new IllegalArgumentException("'" + name + "' is a segmentation model, not a classifier; train it with"
          + " `nets4j segment train --model " + name + "`");
    }
    if (Detectors.names().contains(name)) {
      throw new IllegalArgumentException("'" + name + "' is a detector, not a classifier; train it with"
          + " `nets4j detect train --model " + name + "`");
    }
    Models.info(name); // throws UnknownModelException with the closest classifier names
  }
}
