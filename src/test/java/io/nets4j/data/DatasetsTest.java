package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetsTest {
  private final ClassificationDataset shapes = ShapesDataset.single(50, 16, 1).classification();

  private static Set<Float> firstPixels(ClassificationDataset ds) {
    Set<Float> out = new HashSet<>();
    for (int i = 0; i < ds.size(); i++) {
      out.add(ds.get(i).image().data()[0]);
    }
    return out;
  }

  @Test
  void randomSplitIsAReproduciblePartition() {
    Datasets.Split a = Datasets.randomSplit(shapes, 0.2, 4);
    assertEquals(40, a.train().size());
    assertEquals(10, a.validation().size());
    assertEquals(shapes.classes(), a.train().classes());
    Set<Float> train = firstPixels(a.train());
    Set<Float> val = firstPixels(a.validation());
    Set<Float> union = new HashSet<>(train);
    union.addAll(val);
    assertEquals(firstPixels(shapes), union);
    assertEquals(train.size() + val.size(), union.size());
    assertEquals(val, firstPixels(Datasets.randomSplit(shapes, 0.2, 4).validation()));
    assertNotEquals(val, firstPixels(Datasets.randomSplit(shapes, 0.2, 5).validation()));
  }

  @Test
  void mapAppliesTheFunctionOnEachAccessAndKeepsTheSize() {
    int[] calls = {0};
    Dataset<Integer> labels = shapes.map(s -> {
      calls[0]++;
      return s.label();
    });
    assertEquals(shapes.size(), labels.size());
    assertEquals(0, calls[0]);
    for (int i : new int[] {0, 17, 49}) {
      assertEquals(shapes.get(i).label(), labels.get(i));
    }
    assertEquals(3, calls[0]);
    assertThrows(IndexOutOfBoundsException.class, () -> labels.get(shapes.size()));
  }

  @Test
  void subsetAndHead() {
    ClassificationDataset sub = Datasets.subset(shapes, new int[] {7, 3});
    assertEquals(2, sub.size());
    assertEquals(shapes.get(3).label(), sub.get(1).label());
    assertEquals(5, Datasets.head(shapes, 5).size());
    assertEquals(50, Datasets.head(shapes, 500).size());
    assertThrows(IndexOutOfBoundsException.class, () -> Datasets.subset(shapes, new int[] {50}));
  }
}
