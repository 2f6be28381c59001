package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Accuracy, top-k, precision, recall and the confusion matrix on hand-computed cases. */
class MetricsTest {
  @Test
  void topK() {
    Tensor logits = Tensors.fromFloats(new float[] {
        0.1f, 0.5f, 0.2f, 0.9f, 0.0f, 0.3f, // order 3, 1, 5, 2, 0, 4
        2.0f, 1.0f, 0.0f, -1f, -2f, -3f, // order 0, 1, 2, 3, 4, 5
        0f, 0f, 0f, 0f, 1f, 0.5f // order 4, 5, then ties
    }, 3, 6);
    Tensor labels = Tensors.fromLongs(new long[] {1, 5, 5});
    assertEquals(0, Metrics.topKCorrect(logits, labels, 1));
    assertEquals(2, Metrics.topKCorrect(logits, labels, 2)); // row 0 (class 1 second) and row 2 (class 5 second)
    assertEquals(2, Metrics.topKCorrect(logits, labels, 5)); // row 1: class 5 is last
    assertEquals(3, Metrics.topKCorrect(logits, labels, 6));
    assertThrows(IllegalArgumentException.class, () -> Metrics.topKCorrect(logits, labels, 7));
  }

  @Test
  void confusionMatrixByHand() {
    // true:      0 0 0 1 1 2 2 2 2
    // predicted: 0 0 1 1 2 2 2 2 0
    ConfusionMatrix m = new ConfusionMatrix(3);
    m.add(new long[] {0, 0, 0, 1, 1, 2, 2, 2, 2}, new long[] {0, 0, 1, 1, 2, 2, 2, 2, 0});
    assertArrayEquals(new long[] {2, 1, 0}, m.counts()[0]);
    assertArrayEquals(new long[] {0, 1, 1}, m.counts()[1]);
    assertArrayEquals(new long[] {1, 0, 3}, m.counts()[2]);
    assertEquals(9, m.total());
    assertEquals(6, m.correct());
    assertEquals(6.0 / 9, m.accuracy(), 1e-15);
    // precision: column-wise; recall: row-wise
    assertEquals(2.0 / 3, m.precision(0), 1e-15);
    assertEquals(1.0 / 2, m.precision(1), 1e-15);
    assertEquals(3.0 / 4, m.precision(2), 1e-15);
    assertEquals(2.0 / 3, m.recall(0), 1e-15);
    assertEquals(1.0 / 2, m.recall(1), 1e-15);
    assertEquals(3.0 / 4, m.recall(2), 1e-15);
    assertEquals(0.75, m.f1(2), 1e-15);
    assertEquals(4, m.support(2));
    String report = m.report(List.of("cat", "dog", "bird"));
    assertEquals(5, report.lines().count());
  }

  @Test
  void classesNeverPredictedOrAbsentHaveZeroScores() {
    ConfusionMatrix m = ConfusionMatrix.of(new long[][] {{3, 0, 0}, {2, 0, 0}, {0, 0, 0}});
    assertEquals(0, m.precision(1));
    assertEquals(0, m.recall(1));
    assertEquals(0, m.recall(2));
    assertEquals(0, m.f1(1));
    assertEquals(3.0 / 5, m.precision(0), 1e-15);
    assertThrows(IllegalArgumentException.class, () -> m.add(3, 0));
  }
}
