package io.nets4j.segmentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentationDrawingTest {
  /** Pascal VOC colours: class 1 is (128, 0, 0), class 15 (person) is (192, 128, 128). */
  @Test
  void vocPalette() {
    assertEquals(128 / 255f, SegmentationDrawing.colour(1, 0));
    assertEquals(0f, SegmentationDrawing.colour(1, 1));
    assertEquals(192 / 255f, SegmentationDrawing.colour(15, 0));
    assertEquals(128 / 255f, SegmentationDrawing.colour(15, 1));
    assertEquals(128 / 255f, SegmentationDrawing.colour(15, 2));
  }

  /** Panels: images side by side with 2 white columns between them; magnification repeats pixels. */
  @Test
  void panelsAndMagnification() {
    Image a = new Image(new float[] {0.1f, 0.2f, 0.3f}, 3, 1, 1);
    Image b = new Image(new float[] {0.4f, 0.5f, 0.6f}, 3, 1, 1);
    Image both = SegmentationDrawing.sideBySide(List.of(a, b));
    assertEquals(4, both.width());
    assertEquals(0.1f, both.get(0, 0, 0));
    assertEquals(1f, both.get(0, 0, 1));
    assertEquals(1f, both.get(2, 0, 2));
    assertEquals(0.6f, both.get(2, 0, 3));
    Image big = SegmentationDrawing.magnify(both, 2);
    assertEquals(8, big.width());
    assertEquals(2, big.height());
    assertEquals(0.6f, big.get(2, 1, 7));
    assertEquals(0.4f, big.get(0, 1, 6));
  }

  /** Background pixels keep their value; others are the mean of the pixel and the class colour. */
  @Test
  void overlayBlendsOnlyForegroundPixels() {
    // a grey 1x2 image: one channel, drawn as RGB
    Image grey = new Image(new float[] {0.2f, 0.6f}, 1, 1, 2);
    Image o = SegmentationDrawing.overlay(grey, new int[] {0, 1});
    assertEquals(3, o.channels());
    for (int c = 0; c < 3; c++) {
      assertEquals(0.2f, o.get(c, 0, 0));
      assertEquals(0.5f * 0.6f + 0.5f * SegmentationDrawing.colour(1, c), o.get(c, 0, 1), 1e-7);
    }
  }

  /** image | truth | prediction, each overlaid on the image, magnified. */
  @Test
  void comparisonPanels() {
    Image im = new Image(new float[] {0.3f, 0.3f, 0.3f}, 3, 1, 1);
    Image c = SegmentationDrawing.comparison(im, new int[] {0}, new int[] {2}, 3);
    assertEquals(3 * (3 + 2 * SegmentationDrawing.GAP), c.width());
    assertEquals(3, c.height());
    assertEquals(1f, c.get(1, 0, 3));
    assertEquals(0.3f, c.get(1, 0, (1 + SegmentationDrawing.GAP) * 3));
    int prediction = 2 * (1 + SegmentationDrawing.GAP) * 3;
    assertEquals(0.5f * 0.3f + 0.5f * SegmentationDrawing.colour(2, 1), c.get(1, 2, prediction), 1e-7);
  }

  @Test
  void mismatchedInputsAreRefused() {
    Image im = new Image(new float[3 * 2 * 2], 3, 2, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SegmentationDrawing.overlay(im, new int[3]));
    assertTrue(e.getMessage().contains("3 pixels") && e.getMessage().contains("2x2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SegmentationDrawing.overlay(im, new int[] {0, -1, 0, 0}));
    Image tall = new Image(new float[3 * 3], 3, 3, 1);
    e = assertThrows(IllegalArgumentException.class, () -> SegmentationDrawing.sideBySide(List.of(im, tall)));
    assertTrue(e.getMessage().contains("2 and 3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SegmentationDrawing.magnify(im, 0));
  }
}
