package io.nets4j.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import org.junit.jupiter.api.Test;

class DetectionsTest {
  /** Score threshold, size filter, class-wise NMS and the cap, on hand-made candidates. */
  @Test
  void selectFiltersSuppressesPerClassAndCaps() {
    try (Scope s = Scope.open()) {
      float[] boxes = {
          0, 0, 10, 10, // class 1, 0.9: kept
          1, 1, 11, 11, // class 1, 0.8: IoU 0.68 with the first, suppressed
          1, 1, 11, 11, // class 2, 0.7: another class, kept
          20, 20, 30, 30, // class 1, 0.05: below the threshold
          40, 40, 40.001f, 50, // class 2, 0.95: thinner than the minimum size
          50, 50, 60, 60}; // class 3, 0.6: kept, but the cap keeps only three
      Detections d = Detections.select(Tensors.fromFloats(boxes, 6, 4),
          Tensors.fromFloats(new float[] {0.9f, 0.8f, 0.7f, 0.05f, 0.95f, 0.6f}, 6),
          Tensors.fromLongs(new long[] {1, 1, 2, 1, 2, 3}), 0.1, 0.01, 0.5, 3);
      assertArrayEquals(new float[] {0.9f, 0.7f, 0.6f}, Tensors.toFloatArray(d.scores()));
      assertArrayEquals(new long[] {1, 2, 3}, Tensors.toLongArray(d.labels()));
      assertArrayEquals(new float[] {0, 0, 10, 10, 1, 1, 11, 11, 50, 50, 60, 60}, Tensors.toFloatArray(d.boxes()));
      Detections capped = Detections.select(Tensors.fromFloats(boxes, 6, 4),
          Tensors.fromFloats(new float[] {0.9f, 0.8f, 0.7f, 0.05f, 0.95f, 0.6f}, 6),
          Tensors.fromLongs(new long[] {1, 1, 2, 1, 2, 3}), 0.1, 0.01, 0.5, 2);
      assertArrayEquals(new long[] {1, 2}, Tensors.toLongArray(capped.labels()));
    }
  }
}
