package io.nets4j.detection.rcnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nets4j.data.Image;
import org.junit.jupiter.api.Test;

class GraphSegmentationTest {
  /** A 40 x 30 grey image with a red rectangle [4, 16) x [5, 15) and a blue one [22, 36) x [10, 25). */
  static Image twoRectangles() {
    int w = 40;
    int h = 30;
    float[] d = new float[3 * w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        float[] rgb = {0.5f, 0.5f, 0.5f};
        if (x >= 4 && x < 16 && y >= 5 && y < 15) {
          rgb = new float[] {0.9f, 0.1f, 0.1f};
        } else if (x >= 22 && x < 36 && y >= 10 && y < 25) {
          rgb = new float[] {0.1f, 0.1f, 0.9f};
        }
        for (int c = 0; c < 3; c++) {
          d[c * w * h + y * w + x] = rgb[c];
        }
      }
    }
    return new Image(d, 3, h, w);
  }

  // Without smoothing: with it, the blurred steps form thin regions of intermediate colour of their
  // own along the borders (selective search's grouping then merges them).
  @Test
  void twoFlatRectanglesGiveThreeRegions() {
    Image image = twoRectangles();
    GraphSegmentation.Segments s = GraphSegmentation.segment(image, new GraphSegmentation.Config(100, 0, 10));
    assertEquals(3, s.regions());
    int w = s.width();
    int red = s.labels()[10 * w + 10];
    int blue = s.labels()[17 * w + 29];
    int grey = s.labels()[0];
    assertNotEquals(red, blue);
    assertNotEquals(red, grey);
    assertNotEquals(blue, grey);
    for (int y = 0; y < s.height(); y++) {
      for (int x = 0; x < w; x++) {
        int expected = x >= 4 && x < 16 && y >= 5 && y < 15 ? red : x >= 22 && x < 36 && y >= 10 && y < 25 ? blue : grey;
        assertEquals(expected, s.labels()[y * w + x], "pixel (" + x + ", " + y + ")");
      }
    }
  }

  @Test
  void smallComponentsAreMergedAway() {
    // Without smoothing a lone bright pixel is its own component unless minSize absorbs it.
    float[] d = new float[3 * 20 * 20];
    java.util.Arrays.fill(d, 0.2f);
    for (int c = 0; c < 3; c++) {
      d[c * 400 + 10 * 20 + 10] = 1f;
    }
    Image image = new Image(d, 3, 20, 20);
    assertEquals(2, GraphSegmentation.segment(image, new GraphSegmentation.Config(1, 0, 1)).regions());
    assertEquals(1, GraphSegmentation.segment(image, new GraphSegmentation.Config(1, 0, 2)).regions());
  }

  @Test
  void largerKGivesFewerRegions() {
    var data = io.nets4j.data.ShapesDataset.scenes(1, 64, 3).detection();
    Image image = data.get(0).image();
    int small = GraphSegmentation.segment(image, new GraphSegmentation.Config(20, 0.8, 5)).regions();
    int large = GraphSegmentation.segment(image, new GraphSegmentation.Config(500, 0.8, 5)).regions();
    org.junit.jupiter.api.Assertions.assertTrue(large < small, large + " regions at k=500, " + small + " at k=20");
  }

  @Test
  void rejectsBadConfig() {
    assertThrows(IllegalArgumentException.class, () -> new GraphSegmentation.Config(0, 0.8, 10));
    assertThrows(IllegalArgumentException.class, () -> new GraphSegmentation.Config(100, -1, 10));
  }
}
