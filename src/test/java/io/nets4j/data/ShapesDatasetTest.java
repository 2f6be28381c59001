package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShapesDatasetTest {
  @Test
  void sampleDependsOnlyOnSeedAndIndex() {
    ShapesDataset a = ShapesDataset.scenes(50, 48, 7);
    ShapesDataset b = ShapesDataset.scenes(50, 48, 7);
    // Generated in parallel and in reverse: identical to the sequential forward pass.
    List<ShapesDataset.Scene> parallel = IntStream.range(0, 50).map(i -> 49 - i).parallel().mapToObj(b::get)
        .toList();
    for (int i = 0; i < 50; i++) {
      ShapesDataset.Scene x = a.get(i);
      ShapesDataset.Scene y = parallel.get(49 - i);
      assertArrayEquals(x.image().data(), y.image().data());
      assertArrayEquals(x.mask(), y.mask());
      assertArrayEquals(x.labels(), y.labels());
      assertEquals(x.boxes(), y.boxes());
    }
    assertFalse(Arrays.equals(a.get(0).image().data(), a.get(1).image().data()));
    assertFalse(Arrays.equals(a.get(0).image().data(), ShapesDataset.scenes(50, 48, 8).get(0).image().data()));
  }

  @Test
  void masksBoxesAndLabelsAgree() {
    int size = 40;
    ShapesDataset ds = ShapesDataset.scenes(200, size, 3);
    int[] objectsSeen = new int[5];
    int[] classesSeen = new int[ShapesDataset.SCENE_CLASSES.size()];
    for (int i = 0; i < ds.size(); i++) {
      ShapesDataset.Scene s = ds.get(i);
      assertEquals(s.boxes().size(), s.labels().length);
      assertTrue(s.labels().length >= 1 && s.labels().length <= 4, "objects: " + s.labels().length);
      objectsSeen[s.labels().length]++;
      for (float v : s.image().data()) {
        assertTrue(v >= 0 && v <= 1, "pixel value " + v);
      }
      // Every object pixel lies in a box of its class; every box holds pixels of its class.
      int[] inBox = new int[s.labels().length];
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int c = s.mask()[y * size + x];
          assertTrue(c >= 0 && c <= ShapesDataset.SHAPES.size());
          classesSeen[c]++;
          if (c == 0) {
            continue;
          }
          boolean covered = false;
          for (int k = 0; k < s.labels().length; k++) {
            if (s.labels()[k] == c && s.boxes().get(k).containsPixel(x, y)) {
              covered = true;
              inBox[k]++;
            }
          }
          assertTrue(covered, "sample " + i + ": pixel (" + x + ", " + y + ") of class " + c + " is in no box of it");
        }
      }
      for (int k = 0; k < inBox.length; k++) {
        Box b = s.boxes().get(k);
        assertTrue(b.x1() >= 0 && b.y1() >= 0 && b.x2() <= size && b.y2() <= size, b.toString());
        assertTrue(inBox[k] > 0, "sample " + i + ": box " + k + " holds no pixel of its class");
        // The box is tight: each of its edge rows and columns holds a pixel of its class.
        int label = s.labels()[k];
        assertTrue(rowHas(s, size, (int) b.y1(), b, label) && rowHas(s, size, (int) b.y2() - 1, b, label),
            "sample " + i + ": box " + b + " is not tight");
      }
    }
    for (int n = 1; n <= 4; n++) {
      assertTrue(objectsSeen[n] > 0, "no scene with " + n + " objects");
    }
    for (int c = 0; c < classesSeen.length; c++) {
      assertTrue(classesSeen[c] > 0, "class " + ShapesDataset.SCENE_CLASSES.get(c) + " never drawn");
    }
  }

  private static boolean rowHas(ShapesDataset.Scene s, int size, int y, Box b, int label) {
    for (int x = (int) b.x1(); x < (int) b.x2(); x++) {
      if (s.mask()[y * size + x] == label) {
        return true;
      }
    }
    return false;
  }

  @Test
  void classificationViewLabelsTheOnlyObject() {
    ShapesDataset single = ShapesDataset.single(300, 32, 11);
    ClassificationDataset cls = single.classification();
    assertEquals(ShapesDataset.SHAPES, cls.classes());
    int[] perClass = new int[6];
    for (int i = 0; i < cls.size(); i++) {
      LabeledImage s = cls.get(i);
      ShapesDataset.Scene scene = single.get(i);
      assertEquals(1, scene.labels().length);
      assertEquals(scene.labels()[0] - 1, s.label());
      assertArrayEquals(scene.image().data(), s.image().data());
      perClass[s.label()]++;
      long objectPixels = Arrays.stream(scene.mask()).filter(v -> v != 0).count();
      assertTrue(objectPixels >= 0.03 * 32 * 32, "sample " + i + ": object of " + objectPixels + " pixels");
    }
    for (int c = 0; c < 6; c++) {
      assertTrue(perClass[c] > 25, "class " + c + " drawn " + perClass[c] + " times in 300");
    }
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ShapesDataset.scenes(3, 32, 0).classification());
    assertTrue(e.getMessage().contains("one object per image"), e.getMessage());
  }

  @Test
  void detectionAndSegmentationViews() {
    ShapesDataset ds = ShapesDataset.scenes(3, 24, 5);
    ShapesDataset.Scene s = ds.get(2);
    DetectionSample d = ds.detection().get(2);
    SegmentationSample m = ds.segmentation().get(2);
    assertEquals(s.boxes(), d.boxes());
    assertArrayEquals(s.labels(), d.labels());
    assertArrayEquals(s.mask(), m.mask());
    assertArrayEquals(s.image().data(), m.image().data());
    assertEquals(3, ds.detection().size());
    assertThrows(IndexOutOfBoundsException.class, () -> ds.get(3));
    assertThrows(IllegalArgumentException.class, () -> ShapesDataset.scenes(3, 8, 0));
  }
}
