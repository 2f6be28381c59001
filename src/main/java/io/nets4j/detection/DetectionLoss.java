package io.nets4j.detection;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A detector's training loss: the scalar to back-propagate and its named terms (as numbers, for logs).
 */
public record DetectionLoss(Tensor total, Map<String, Double> terms) {
  public DetectionLoss {
    terms = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(terms));
  }
}
